import { describe, expect, it, jest } from '@jest/globals';
import { type ApiKeySource, createPartneroClient, type PartneroError } from '#shared/partnero/index.js';
import { createExecutor } from '#shared/partnero/retry.js';
import { failure, fakeFetch, hang, json, KEY, ok, setup } from './fake-fetch.js';

const customer = { id: 'alice', referral_link: 'https://x.io?ref=alice' };
const credit = { amount: 5, amount_units: 'usd', is_currency: true };

function networkError(code = 'ECONNRESET'): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code }) });
}

describe('retries', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %i and then succeeds', async (status) => {
    const { client, calls, sleep } = setup([json(status, { message: 'busy' }), ok(customer)]);
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(calls).toHaveLength(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a TypeError', networkError()],
    ['an ECONNRESET error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a non-Error value', 'boom' as unknown as Error],
  ])('retries when fetch throws %s', async (_name, error) => {
    const { fetch, calls } = fakeFetch(ok(customer));
    const throwing = jest.fn(async (...args: Parameters<typeof fetch>) => {
      if (throwing.mock.calls.length === 1) throw error;
      return fetch(...args);
    });
    const client = createPartneroClient({ apiKey: KEY, fetch: throwing, sleep: async () => {} });
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(throwing).toHaveBeenCalledTimes(2);
    expect(calls).toHaveLength(1);
  });

  it('reports the network cause once attempts are exhausted', async () => {
    const { client, calls } = setup([networkError(), networkError(), networkError('ECONNREFUSED')]);
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(calls).toHaveLength(3);
    expect(err).toMatchObject({ code: 'network', retryable: true, method: 'GET', path: '/customers/alice' });
    expect(err.status).toBeUndefined();
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('stops after maxAttempts with jittered exponential backoff', async () => {
    const { client, calls, sleep } = setup([json(503, {}), json(503, {}), json(503, {}), json(503, {})], {
      maxAttempts: 4,
      baseDelayMs: 100,
      random: () => 0.5,
    });
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(err).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
    expect(calls).toHaveLength(4);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 100, 200]);
  });

  it('defaults to 3 attempts', async () => {
    const { client, calls } = setup([json(500, {}), json(500, {}), json(500, {})]);
    expect(((await failure(client.customers.get('alice'))) as PartneroError).code).toBe('unavailable');
    expect(calls).toHaveLength(3);
  });

  it('makes a single attempt with maxAttempts 1', async () => {
    const { client, calls, sleep } = setup([json(503, {})], { maxAttempts: 1 });
    await failure(client.customers.get('alice'));
    expect(calls).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it.each([400, 403, 404, 409, 422, 501])('does not retry HTTP %i', async (status) => {
    const { client, calls } = setup([json(status, {})]);
    expect(((await failure(client.customers.get('alice'))) as PartneroError).retryable).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it('retries when the response body cannot be read', async () => {
    const broken = new Response(
      new ReadableStream({
        pull(c) {
          c.error(new Error('socket hang up'));
        },
      }),
      { status: 200 },
    );
    const { client, calls } = setup([broken, ok(customer)]);
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(calls).toHaveLength(2);
  });
});

describe('Retry-After', () => {
  it('waits the given seconds instead of the backoff', async () => {
    const { client, sleep } = setup([json(429, {}, { 'Retry-After': '1' }), ok(customer)]);
    await client.customers.get('alice');
    expect(sleep).toHaveBeenCalledWith(1000, undefined);
  });

  it('honours an HTTP date', async () => {
    const at = new Date(Date.now() + 1500).toUTCString();
    const { client, sleep } = setup([json(503, {}, { 'Retry-After': at }), ok(customer)]);
    await client.customers.get('alice');
    const waited = sleep.mock.calls[0]?.[0] ?? -1;
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThanOrEqual(1500);
  });

  it('caps the wait at maxDelayMs but reports the full hint on the error', async () => {
    const { client, sleep } = setup(
      [json(429, {}, { 'Retry-After': '120' }), json(429, {}, { 'Retry-After': '120' })],
      {
        maxAttempts: 2,
        maxDelayMs: 2000,
      },
    );
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([2000]);
    expect(err).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 120_000 });
  });

  it('caps an HTTP date far in the future', async () => {
    const at = new Date(Date.now() + 3_600_000).toUTCString();
    const { client, sleep } = setup([json(503, {}, { 'Retry-After': at }), ok(customer)]);
    await client.customers.get('alice');
    expect(sleep).toHaveBeenCalledWith(2000, undefined);
  });
});

describe('deadline', () => {
  it('makes no request when the deadline has passed', async () => {
    const { client, calls } = setup([]);
    const err = (await failure(client.customers.get('alice', { deadline: Date.now() - 1 }))) as PartneroError;
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(calls).toHaveLength(0);
  });

  it('does not start a backoff sleep that would pass the deadline', async () => {
    const { client, calls, sleep } = setup([json(503, {}, { 'Retry-After': '30' }), ok(customer)], {
      maxDelayMs: 60_000,
    });
    const err = (await failure(
      client.customers.get('alice', { deadline: Date.now() + 10_000 }),
    )) as PartneroError;
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect(calls).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries while the deadline allows', async () => {
    const { client, calls } = setup([json(503, {}), ok(customer)]);
    await client.customers.get('alice', { deadline: Date.now() + 60_000 });
    expect(calls).toHaveLength(2);
  });

  it('throws the last error when the deadline passes during the sleep', async () => {
    const { client, calls } = setup([json(503, {}), ok(customer)], {
      sleep: () => new Promise((resolve) => setTimeout(resolve, 30)),
      random: () => 0,
    });
    const err = (await failure(
      client.customers.get('alice', { deadline: Date.now() + 10 }),
    )) as PartneroError;
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect(calls).toHaveLength(1);
  });

  it('shortens the attempt timeout to the time left', async () => {
    const { client, calls } = setup([hang, ok(customer)], { attemptTimeoutMs: 60_000 });
    const err = (await failure(
      client.customers.get('alice', { deadline: Date.now() + 20 }),
    )) as PartneroError;
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal.aborted).toBe(true);
  });
});

describe('attempt timeout', () => {
  it('aborts a hanging attempt and retries', async () => {
    const { client, calls } = setup([hang, ok(customer)], { attemptTimeoutMs: 5 });
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(calls[1]?.signal.aborted).toBe(false);
  });

  it('fails with timeout once attempts are exhausted', async () => {
    const { client, calls } = setup([hang, hang], { attemptTimeoutMs: 5, maxAttempts: 2 });
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(err).toMatchObject({ code: 'timeout', retryable: true, path: '/customers/alice' });
    expect(err.message).toContain('timed out after 5 ms');
    expect(calls).toHaveLength(2);
  });
});

describe('caller abort', () => {
  it('makes no request when the signal is already aborted', async () => {
    const reason = new Error('cancelled');
    const { client, calls } = setup([]);
    await expect(client.customers.get('alice', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(calls).toHaveLength(0);
  });

  it('aborts an attempt in flight with the caller reason, without retrying', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { client, calls } = setup([
      (call) => {
        setTimeout(() => controller.abort(reason), 1);
        return hang(call);
      },
      ok(customer),
    ]);
    await expect(client.customers.get('alice', { signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it('aborts a backoff sleep', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { fetch, calls } = fakeFetch(() => {
      setTimeout(() => controller.abort(reason), 1);
      return json(503, {});
    }, ok(customer));
    // The default sleep, waiting a full minute unless aborted.
    const client = createPartneroClient({
      apiKey: KEY,
      fetch,
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      random: () => 1,
    });
    await expect(client.customers.get('alice', { signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it('stops after an injected sleep that ignores the signal', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const { client, calls } = setup([json(503, {}), ok(customer)], {
      sleep: async () => controller.abort(reason),
    });
    await expect(client.customers.get('alice', { signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it('passes the caller signal to sleep and propagates a failing sleep', async () => {
    const controller = new AbortController();
    const boom = new Error('sleep broke');
    const sleep = jest.fn(async (_ms: number, _signal?: AbortSignal) => {
      throw boom;
    });
    const { client } = setup([json(503, {})], { sleep });
    await expect(client.customers.get('alice', { signal: controller.signal })).rejects.toBe(boom);
    expect(sleep.mock.calls[0]?.[1]).toBe(controller.signal);
  });
});

describe('non-idempotent calls (balance credit)', () => {
  it.each([
    ['HTTP 500', json(500, { message: 'Server Error' }), 500],
    ['HTTP 502', json(502, {}), 502],
    ['HTTP 503', json(503, {}), 503],
    ['HTTP 504', json(504, {}), 504],
    ['HTTP 408', json(408, {}), 408],
    ['HTTP 501', json(501, {}), 501],
    ['HTTP 505', json(505, {}), 505],
    ['HTTP 507', json(507, {}), 507],
    ['HTTP 520', json(520, {}), 520],
    ['a redirect', json(302, {}), 302],
    ['a network error', networkError(), undefined],
  ])('never resends after %s, and reports an unknown outcome', async (_name, reply, status) => {
    const { client, calls, sleep } = setup([reply, ok({ balance: 1 })]);
    const err = (await failure(client.customers.creditBalance('alice', credit))) as PartneroError;
    expect(err).toMatchObject({ code: 'unknown_outcome', retryable: false, method: 'POST' });
    expect(err.status).toBe(status);
    expect(err.message).toContain('the balance credit may or may not have been applied');
    expect(calls).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it.each([
    ['an empty body', new Response('', { status: 201 })],
    ['HTML', new Response('<html>ok</html>', { status: 200, headers: { 'content-type': 'text/html' } })],
    ['JSON without a balance', ok({ nothing: true }, 201)],
  ])(
    'takes a 2xx with %s as applied (Partnero publishes no credit answer), and never resends it',
    async (_name, reply) => {
      const { client, calls } = setup([reply, ok({ balance: 1 })]);
      await expect(client.customers.creditBalance('alice', credit)).resolves.toBeUndefined();
      expect(calls).toHaveLength(1);
    },
  );

  it('never resends a transaction (Partnero would record it twice): 5xx and timeouts are unknown outcomes', async () => {
    const sale = { customer: { key: 'bob' }, key: 'o-1', amount: 10, action: 'sale' };
    const first = setup([json(503, {}), ok({ key: 'o-1' }, 201)]);
    const err = (await failure(first.client.transactions.create(sale))) as PartneroError;
    expect(err.code).toBe('unknown_outcome');
    expect(err.message).toContain('the transaction may or may not have been recorded');
    expect(first.calls).toHaveLength(1);
    const batch = setup([hang, ok([{ key: 'o-1' }], 201)], { attemptTimeoutMs: 5 });
    const batchErr = (await failure(
      batch.client.transactions.createBatch({
        customer: { key: 'bob' },
        transactions: [{ key: 'o-1', amount: 1, action: 'sale' }],
      }),
    )) as PartneroError;
    expect(batchErr.code).toBe('unknown_outcome');
    expect(batch.calls).toHaveLength(1);
  });

  it('never resends after an attempt timeout', async () => {
    const { client, calls } = setup([hang, ok({ balance: 1 })], { attemptTimeoutMs: 5 });
    const err = (await failure(client.customers.creditBalance('alice', credit))) as PartneroError;
    expect(err.code).toBe('unknown_outcome');
    expect(calls).toHaveLength(1);
  });

  it('reports an unknown outcome when the caller aborts mid-flight', async () => {
    const controller = new AbortController();
    const { client, calls } = setup([
      (call) => {
        setTimeout(() => controller.abort(), 1);
        return hang(call);
      },
    ]);
    const err = (await failure(
      client.customers.creditBalance('alice', credit, { signal: controller.signal }),
    )) as PartneroError;
    expect(err.code).toBe('unknown_outcome');
    expect(calls).toHaveLength(1);
  });

  it('retries 429, which Partnero did not process', async () => {
    const { client, calls } = setup([
      json(429, {}, { 'Retry-After': '1' }),
      ok({ balance: 15, currency: 'usd' }, 201),
    ]);
    expect((await client.customers.creditBalance('alice', credit))?.units[0]?.amount).toBe(15);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.body).toEqual(credit);
  });

  it('reports rate_limited when 429 persists', async () => {
    const { client, calls } = setup([json(429, {}), json(429, {}), json(429, {})]);
    expect(((await failure(client.customers.creditBalance('alice', credit))) as PartneroError).code).toBe(
      'rate_limited',
    );
    expect(calls).toHaveLength(3);
  });

  it('passes definite rejections through unchanged', async () => {
    const { client } = setup([
      json(422, { message: 'Invalid', errors: { amount: ['The amount must be a number.'] } }),
    ]);
    const err = (await failure(client.customers.creditBalance('alice', credit))) as PartneroError;
    expect(err).toMatchObject({ code: 'validation', fields: { amount: ['The amount must be a number.'] } });
  });

  it('treats customers.create without key, id or email as non-idempotent', async () => {
    const { client, calls } = setup([json(503, {})]);
    const err = (await failure(client.customers.create({ name: 'Alice' }))) as PartneroError;
    expect(err.code).toBe('unknown_outcome');
    expect(err.message).toContain('the customer may or may not have been created');
    expect(calls).toHaveLength(1);
  });

  it('retries customers.create when a duplicate would be rejected', async () => {
    const { client, calls } = setup([
      json(503, {}),
      ok({ ...customer, referral_link: 'https://x.io?ref=a' }, 201),
    ]);
    await client.customers.create({ email: 'alice@example.com' });
    expect(calls).toHaveLength(2);
  });
});

describe('401 and key refresh', () => {
  function rotatingKeys(...keys: string[]) {
    const source = {
      get: jest.fn(async () => keys[0] ?? 'none'),
      invalidate: jest.fn(() => {
        keys.shift();
      }),
    } satisfies ApiKeySource;
    return source;
  }

  it('invalidates the key source and retries once with a fresh key', async () => {
    const keys = rotatingKeys('old-key', 'new-key');
    const { client, calls, sleep } = setup([json(401, { message: 'Unauthenticated.' }), ok(customer)], {
      apiKey: keys,
      maxAttempts: 1,
    });
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(keys.invalidate).toHaveBeenCalledTimes(1);
    expect(calls.map((c) => c.headers.Authorization)).toEqual(['Bearer old-key', 'Bearer new-key']);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('gives up with unauthorized on a second 401', async () => {
    const keys = rotatingKeys('old-key', 'new-key');
    const { client, calls } = setup([json(401, {}), json(401, {}), ok(customer)], { apiKey: keys });
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(err).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(calls).toHaveLength(2);
    expect(keys.invalidate).toHaveBeenCalledTimes(1);
  });

  it('does not refresh a static key', async () => {
    const { client, calls } = setup([json(401, {}), ok(customer)]);
    expect(((await failure(client.customers.get('alice'))) as PartneroError).code).toBe('unauthorized');
    expect(calls).toHaveLength(1);
  });

  it('refreshes for a non-idempotent call too, since a 401 was not processed', async () => {
    const keys = rotatingKeys('old-key', 'new-key');
    const { client, calls } = setup([json(401, {}), ok({ balance: 15 }, 201)], { apiKey: keys });
    expect((await client.customers.creditBalance('alice', credit))?.units[0]?.amount).toBe(15);
    expect(calls).toHaveLength(2);
  });

  it('keeps the backoff retries after a refresh', async () => {
    const keys = rotatingKeys('old-key', 'new-key');
    const { client, calls } = setup([json(401, {}), json(503, {}), json(503, {}), ok(customer)], {
      apiKey: keys,
    });
    expect((await client.customers.get('alice')).id).toBe('alice');
    expect(calls).toHaveLength(4);
  });

  it('reports the 401 when the deadline passes before the refreshed attempt', async () => {
    const keys = rotatingKeys('old-key', 'new-key');
    const { client, calls } = setup(
      [
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return json(401, {});
        },
      ],
      { apiKey: keys },
    );
    const err = (await failure(client.customers.get('alice', { deadline: Date.now() + 5 }))) as PartneroError;
    expect(err.code).toBe('unauthorized');
    expect(calls).toHaveLength(1);
  });
});

describe('executor guards', () => {
  it('refuses a path that URL parsing would resolve', async () => {
    const { fetch, calls } = fakeFetch();
    const execute = createExecutor({ apiKey: KEY, fetch });
    const err = (await failure(
      execute({ method: 'GET', path: '/customers/%2E%2E', parse: () => 1 }),
    )) as PartneroError;
    expect(err.code).toBe('validation');
    expect(calls).toHaveLength(0);
  });

  it('lets unexpected parser failures through', async () => {
    const { fetch } = fakeFetch(ok({}));
    const execute = createExecutor({ apiKey: KEY, fetch });
    const bug = new TypeError('bug');
    const run = execute({
      method: 'GET',
      path: '/x',
      parse: () => {
        throw bug;
      },
    });
    await expect(run).rejects.toBe(bug);
  });
});
