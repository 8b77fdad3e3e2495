import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler } from '#functions/me.js';
import { createPartneroClient, nodeHttpTransport, type PartneroFetch } from '#shared/partnero/index.js';
import type { AccountKey } from '#shared/referrals/public-keys.js';
import { answer, jwtEvent, lambdaContext } from '#test/support/events.js';
import { handlerSandbox } from '#test/support/sandbox.js';

/** The production transport; the wrappers below only decide when a call goes through it. */
const partneroHttp = nodeHttpTransport();

let env: Awaited<ReturnType<typeof handlerSandbox>>;
beforeAll(async () => {
  env = await handlerSandbox();
});
afterAll(() => env.sandbox.close());
beforeEach(() => env.reset());
/** The key map as the dashboard reads it: accounts enrolled through it, by account id. */
const accountKeys = new Map<string, AccountKey>();
const keys = { keyOf: async (accountId: string) => accountKeys.get(accountId) };
beforeEach(() => accountKeys.clear());
const handler = createHandler(() => ({ partnero: env.partnero, keys, identity: { keyClaim: 'sub' } }));

const me = async (sub: string, query?: Record<string, string>) =>
  answer(
    await handler(
      jwtEvent({ sub }, { method: 'GET', path: '/referrals/me', ...(query ? { query } : {}) }),
      lambdaContext(),
    ),
  );

async function aliceWithFriends(count: number) {
  await env.createCustomer({ key: 'alice', id: 'alice', email: 'alice@example.com', name: 'Alice' });
  for (let i = 0; i < count; i++) {
    await env.createCustomer({
      key: `friend-${i}`,
      email: `friend${i}@example.com`,
      name: `Friend ${i}`,
      referring_customer: { key: 'alice' },
    });
  }
}

describe('GET /referrals/me', () => {
  it('names the customer by its public key from the map, and its referrer by public key and first name', async () => {
    await env.createCustomer({ id: 'alice', key: 'k7alice22', email: 'alice@example.com', name: 'Alice' });
    await env.createCustomer({
      id: 'bob',
      key: 'k7bob2222',
      email: 'bob@example.com',
      referring_customer: { id: 'alice' },
    });
    accountKeys.set('bob', { publicKey: 'k7bob2222', kind: 'random', referrerKey: 'k7alice22' });
    const res = await me('bob');
    expect(res.body.customer).toMatchObject({
      key: 'k7bob2222',
      key_type: 'random',
      referred_by: { key: 'k7alice22', name: 'Alice' },
    });
    // Partnero names the referrer by its private id; the dashboard never does.
    expect(JSON.stringify(res.body.customer)).not.toMatch(/"alice"/);
  });

  it('gives a customer enrolled before the map its account id as its key', async () => {
    await aliceWithFriends(0);
    expect((await me('alice')).body.customer).toMatchObject({ key: 'alice', key_type: 'account_id' });
  });

  it('returns the customer, stats, balance and referred friends', async () => {
    await aliceWithFriends(2);
    await env.api('POST', '/transactions', {
      customer: { key: 'friend-0' },
      key: 'o-1',
      amount: 100,
      action: 'sale',
    });
    const res = await me('alice');
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ key: 'alice', referrals_count: 2 });
    expect(res.body.customer.referral_link).toContain('ref=alice');
    expect(res.body.stats).toMatchObject({ signups: 2, referrals: 2 });
    expect(res.body.balances).toEqual([{ amount: 10, unit: 'USD', is_currency: true }]);
    expect(res.body.referrals.total).toBe(2);
    expect(res.body.referrals.data).toHaveLength(2);
  });

  it("masks referred friends' emails", async () => {
    await aliceWithFriends(1);
    const res = await me('alice');
    expect(res.body.referrals.data[0]).toMatchObject({ name: 'Friend 0', email: 'f***@example.com' });
  });

  it('pages referred friends with ?page=', async () => {
    await aliceWithFriends(22);
    const page2 = await me('alice', { page: '2' });
    const { referrals } = page2.body;
    expect(referrals.page).toBe(2);
    // Known when Partnero's list carries its `meta`, else null (a bare list, in variants mode): never guessed.
    if (referrals.total !== null) expect(referrals).toMatchObject({ last_page: 2, total: 22 });
    else expect(referrals.last_page).toBeNull();
    expect(page2.body.referrals.data).toHaveLength(2);
  });

  it('fetches from Partnero in parallel: all four calls are in flight at once', async () => {
    await aliceWithFriends(0);
    // Each call waits at the door until four are waiting (or, if they came one by one, gives up waiting).
    let waiting = 0;
    let proceeded = 0;
    let allWaitedTogether = false;
    let open: () => void = () => {};
    const allFour = new Promise<void>((resolve) => {
      open = resolve;
    });
    const barrier: PartneroFetch = async (input, init) => {
      waiting += 1;
      if (waiting === 4) {
        allWaitedTogether = proceeded === 0;
        open();
      }
      await Promise.race([allFour, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      proceeded += 1;
      return partneroHttp(input, init);
    };
    const partnero = createPartneroClient({
      apiKey: env.sandbox.apiKey,
      baseUrl: env.sandbox.apiUrl,
      fetch: barrier,
    });
    const parallel = createHandler(() => ({ partnero, keys, identity: { keyClaim: 'sub' } }));
    const res = answer(
      await parallel(jwtEvent({ sub: 'alice' }, { method: 'GET', path: '/referrals/me' }), lambdaContext()),
    );
    expect(res.status).toBe(200);
    expect(waiting).toBe(4);
    expect(allWaitedTogether).toBe(true);
  });

  it('answers 404 not_enrolled for a user who never signed up', async () => {
    const res = await me('stranger');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_enrolled');
  });

  it.each([['0'], ['-1'], ['abc'], ['1.5'], ['99999999'], ['1,2']])(
    'rejects page=%s with 400',
    async (page) => {
      const res = await me('alice', { page });
      expect(res.status).toBe(400);
      expect(res.body.error.fields.page).toEqual(['must be one whole number from 1 to 10000']);
    },
  );

  it('answers 504 when Partnero does not answer before the Lambda deadline', async () => {
    await aliceWithFriends(0);
    await env.faults({ rate: 1, kinds: ['delay'], delayMs: 3000 });
    const res = answer(
      await handler(
        jwtEvent({ sub: 'alice' }, { method: 'GET', path: '/referrals/me' }),
        lambdaContext(1200),
      ),
    );
    await env.clearFaults();
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('partnero_timeout');
  });
});
