import { describe, expect, it, jest } from '@jest/globals';
import { isPartneroError } from '#shared/partnero/index.js';
import { QuotaRefusal } from '#shared/quota/limiter.js';
import { failure, json, ok, setup } from './fake-fetch.js';

const customer = { id: 'acct-1', key: 'k1', email: 'a@example.com' };

function limiter(refuse = false) {
  const calls: unknown[] = [];
  const rateLimited: (number | undefined)[] = [];
  return {
    calls,
    rateLimited,
    hook: {
      acquire: jest.fn(async (call: { method: string; path: string }) => {
        calls.push(call);
        if (refuse) throw new QuotaRefusal('customers', call, 400);
      }),
      onRateLimited: (ms?: number) => {
        rateLimited.push(ms);
      },
    },
  };
}

describe('the client’s limiter hook', () => {
  it('asks before every HTTP attempt, retries included, with the call’s deadline and account', async () => {
    const budget = limiter();
    const { client, calls } = setup([json(503, {}), ok(customer)], { limiter: budget.hook });
    const deadline = Date.now() + 60_000;
    await client.customers.get('acct-1', { deadline, account: 'acct-1' });
    expect(calls).toHaveLength(2);
    expect(budget.calls).toEqual([
      { method: 'GET', path: '/customers/acct-1', deadline, account: 'acct-1' },
      { method: 'GET', path: '/customers/acct-1', deadline, account: 'acct-1' },
    ]);
  });

  it('never sends a refused call: rate_limited and retryable, not an unknown outcome, even when not idempotent', async () => {
    const budget = limiter(true);
    const { client, calls } = setup([], { limiter: budget.hook });
    const error = await failure(
      client.transactions.create({ key: 'o-1', amount: 10, action: 'sale', customer: { id: 'acct-1' } }),
    );
    expect(calls).toHaveLength(0);
    expect(isPartneroError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 400 });
  });

  it('reports Partnero’s 429 with its Retry-After to the limiter', async () => {
    const budget = limiter();
    const { client } = setup(
      [json(429, { message: 'Too Many Attempts.' }, { 'retry-after': '2' }), ok(customer)],
      {
        limiter: budget.hook,
        maxDelayMs: 0,
      },
    );
    await client.customers.get('acct-1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.rateLimited).toEqual([2000]);
    expect(budget.hook.acquire).toHaveBeenCalledTimes(2);
  });
});
