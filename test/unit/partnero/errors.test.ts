import { inspect } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import {
  type ApiKeySource,
  createPartneroClient,
  isPartneroError,
  PartneroError,
} from '#shared/partnero/index.js';
import { failure, fakeFetch, json, KEY, setup } from './fake-fetch.js';

async function errorFor(reply: Response): Promise<PartneroError> {
  const { client } = setup([reply], { maxAttempts: 1 });
  const err = await failure(client.customers.get('alice'));
  expect(isPartneroError(err)).toBe(true);
  return err as PartneroError;
}

describe('status mapping', () => {
  it.each([
    [400, 'validation', false],
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [404, 'not_found', false],
    [405, 'validation', false],
    [408, 'unavailable', true],
    [409, 'conflict', false],
    [422, 'validation', false],
    [429, 'rate_limited', true],
    [500, 'unavailable', true],
    [501, 'unavailable', false],
    [502, 'unavailable', true],
    [503, 'unavailable', true],
    [504, 'unavailable', true],
    [302, 'unavailable', false],
  ])('maps HTTP %i to %s (retryable %s)', async (status, code, retryable) => {
    const err = await errorFor(json(status, { status: 0 }));
    expect(err).toMatchObject({ status, code, retryable, method: 'GET', path: '/customers/alice' });
    expect(err.message).toBe(`Partnero GET /customers/alice failed with HTTP ${status}`);
  });

  it('uses Partnero message and Laravel field errors', async () => {
    const err = await errorFor(
      json(422, {
        status: 0,
        message: 'The given data was invalid.',
        errors: {
          email: ['The email must be a valid email address.'],
          name: 'Too long.',
          junk: [1, null],
          none: null,
        },
      }),
    );
    expect(err.code).toBe('validation');
    expect(err.message).toBe(
      'Partnero GET /customers/alice failed with HTTP 422: The given data was invalid.',
    );
    expect(err.fields).toEqual({ email: ['The email must be a valid email address.'], name: ['Too long.'] });
  });

  it.each([
    [{ key: ['The key has already been taken.'] }],
    [{ email: ['The email has already been taken.'], id: ['Customer already exists'] }],
    [{ 'transactions.1.key': ['Duplicate transaction key.'] }],
  ])('maps a duplicate 422 %j to conflict', async (errors) => {
    const err = await errorFor(json(422, { message: 'Conflict', errors }));
    expect(err).toMatchObject({ code: 'conflict', status: 422, retryable: false, fields: errors });
  });

  it('keeps validation when only some reasons are duplicates', async () => {
    const errors = { key: ['The key has already been taken.'], amount: ['The amount is required.'] };
    expect((await errorFor(json(422, { errors }))).code).toBe('validation');
  });

  it.each([
    ['an empty errors object', { errors: {} }],
    ['an errors array', { errors: ['taken'] }],
    ['a non-object body', 'nope'],
    ['a blank message', { message: '  ' }],
    ['a non-string message', { message: 42 }],
  ])('tolerates %s', async (_name, body) => {
    const err = await errorFor(json(422, body));
    expect(err.code).toBe('validation');
    expect(err.fields).toBeUndefined();
    expect(err.message).toBe('Partnero GET /customers/alice failed with HTTP 422');
  });

  it('tolerates an HTML error page', async () => {
    const err = await errorFor(new Response('<html>Bad Gateway</html>', { status: 502 }));
    expect(err).toMatchObject({ code: 'unavailable', status: 502 });
  });

  it('exposes Retry-After on a rate-limit error', async () => {
    expect((await errorFor(json(429, {}, { 'Retry-After': '7' }))).retryAfterMs).toBe(7000);
    expect((await errorFor(json(429, {}))).retryAfterMs).toBeUndefined();
  });

  it('never puts the query string in the path', async () => {
    const { client } = setup([json(400, {})], { maxAttempts: 1 });
    const err = (await failure(
      client.transactions.list({ customerKey: 'secret-customer', limit: 5 }),
    )) as PartneroError;
    expect(err.path).toBe('/transactions');
    expect(JSON.stringify(err)).not.toContain('secret-customer');
  });
});

describe('PartneroError', () => {
  it('is an Error with a stable JSON form', () => {
    const err = new PartneroError({
      code: 'rate_limited',
      message: 'slow down',
      retryable: true,
      method: 'GET',
      path: '/customers',
      status: 429,
      retryAfterMs: 1000,
      fields: { a: ['b'] },
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PartneroError');
    expect(err.toJSON()).toEqual({
      name: 'PartneroError',
      code: 'rate_limited',
      message: 'slow down',
      status: 429,
      retryable: true,
      retryAfterMs: 1000,
      method: 'GET',
      path: '/customers',
      fields: { a: ['b'] },
    });
  });

  it('omits absent optional properties', () => {
    const err = new PartneroError({
      code: 'network',
      message: 'x',
      retryable: true,
      method: 'GET',
      path: '/',
    });
    expect('status' in err).toBe(false);
    expect('fields' in err).toBe(false);
    expect('retryAfterMs' in err).toBe(false);
  });

  it('isPartneroError rejects other values', () => {
    expect(isPartneroError(new Error('x'))).toBe(false);
    expect(isPartneroError({ code: 'network' })).toBe(false);
    expect(isPartneroError(undefined)).toBe(false);
  });
});

describe('API key redaction', () => {
  function expectNoKey(err: unknown, ...keys: string[]): void {
    const e = err as PartneroError;
    const texts = [
      e.message,
      JSON.stringify(e),
      String(e.stack),
      inspect(e, { depth: 5 }),
      JSON.stringify(e.fields ?? {}),
    ];
    for (const key of keys) {
      for (const text of texts) expect(text).not.toContain(key);
    }
  }

  it('redacts a key echoed in an error body', async () => {
    const err = await errorFor(
      json(401, {
        message: `Invalid token Bearer ${KEY}`,
        errors: { [`token ${KEY}`]: [`${KEY} is not valid`] },
      }),
    );
    expect(err.message).toContain('Invalid token Bearer [redacted]');
    expect(err.fields).toEqual({ 'token [redacted]': ['[redacted] is not valid'] });
    expectNoKey(err, KEY);
  });

  it('redacts a key in a thrown fetch error and its cause', async () => {
    const key = `${KEY}/+`;
    const thrown = new TypeError(`Headers.append: "Bearer ${key}" is an invalid header value.`, {
      cause: new Error(`cause mentions ${key} and ${encodeURIComponent(key)}`),
    });
    const { client } = setup([thrown], { maxAttempts: 1, apiKey: key });
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(err.code).toBe('network');
    expect(err.message).toContain('[redacted]');
    expectNoKey(err, key, encodeURIComponent(key));
  });

  it('redacts a key placed in a path value', async () => {
    const { client } = setup([json(404, { message: `No customer ${KEY}` })], { maxAttempts: 1 });
    const err = (await failure(client.customers.get(KEY))) as PartneroError;
    expect(err.path).toBe('/customers/[redacted]');
    expectNoKey(err, KEY);
  });

  it('redacts both keys after a rotation', async () => {
    const keys = ['old-secret-key', 'new-secret-key'];
    const source: ApiKeySource = {
      get: async () => keys[0] ?? '',
      invalidate: () => {
        keys.shift();
      },
    };
    const { client } = setup(
      [json(401, {}), json(401, { message: 'old-secret-key and new-secret-key both fail' })],
      {
        apiKey: source,
      },
    );
    const err = await failure(client.customers.get('alice'));
    expect((err as PartneroError).message).toContain('[redacted] and [redacted] both fail');
    expectNoKey(err, 'old-secret-key', 'new-secret-key');
  });

  it('redacts in unknown_outcome errors', async () => {
    const { client } = setup([json(500, { message: `crashed with ${KEY}` })]);
    const err = await failure(
      client.customers.creditBalance('alice', { amount: 1, amount_units: 'usd', is_currency: true }),
    );
    expect((err as PartneroError).code).toBe('unknown_outcome');
    expectNoKey(err, KEY);
  });

  it('does not call any logger', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => {}),
    );
    try {
      const { fetch } = fakeFetch(json(500, {}), json(500, {}), json(500, {}));
      const client = createPartneroClient({ apiKey: KEY, fetch, sleep: async () => {} });
      await failure(client.customers.get('alice'));
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('redaction edge cases', () => {
  it('leaves messages readable when the key is empty', async () => {
    const { client } = setup([json(404, { message: 'Not found' })], { apiKey: '', maxAttempts: 1 });
    const err = (await failure(client.customers.get('alice'))) as PartneroError;
    expect(err.message).toBe('Partnero GET /customers/alice failed with HTTP 404: Not found');
  });
});
