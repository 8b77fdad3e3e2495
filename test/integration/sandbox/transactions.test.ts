import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, balanceUnits, control, moneyIn, sandboxState, seedReferral } from './helpers.js';

let sb: RunningSandbox;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  api = apiClient(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
  await control(sb, 'POST', 'reset');
  await seedReferral(api);
});

const usd = (amount: number) => ({ amount, amount_units: 'USD', is_currency: true });
/** Each transaction's reward, from the sandbox's own view (Partnero's transaction shows none). */
const rewards = async () =>
  (await sandboxState(sb)).transactions.map((t: { key: string; reward: number }) => [t.key, t.reward]);

describe('transactions', () => {
  it('records a single transaction and rewards the referrer with 10%', async () => {
    const res = await api('POST', '/transactions', {
      customer: { key: 'alice' },
      key: 'order-1001',
      amount: 19.99,
      action: 'sale',
      product_id: 'plan-pro',
    });
    expect(res.status).toBe(201);
    // docs.partnero.com refer-a-friend transactions: parties are identifier strings, `credit` a boolean.
    expect(res.body.data).toEqual({
      key: 'order-1001',
      action: 'sale',
      amount: 19.99,
      amount_units: 'usd',
      is_currency: true,
      customer: 'acct_7',
      referred_customer: 'acct_42',
      credit: false,
      rewards: [],
      created_at: expect.any(String),
    });
    const bob = await api('GET', '/customers/bob/balance');
    expect(bob.body).toEqual({
      status: 1,
      data: {
        customer: expect.objectContaining({ id: 'acct_7', referral_link: 'http://localhost:3000/?ref=bob' }),
        balance: { currency: [usd(2)] },
      },
    });
    expect(bob.body.data.customer).not.toHaveProperty('key');
    expect(await balanceUnits(api, 'alice')).toEqual([]);
    expect((await sandboxState(sb)).transactions).toEqual([
      expect.objectContaining({
        key: 'order-1001',
        customer: 'acct_7',
        customer_key: 'bob',
        referred_customer: 'acct_42',
        referred_customer_key: 'alice',
        reward: 2,
      }),
    ]);
  });

  it('records a batch, rewarding each item, one balance entry per unit', async () => {
    const res = await api('POST', '/transactions', {
      customer: { id: 'acct_42' },
      transactions: [
        { key: 'o1', amount: 100, action: 'sale' },
        { key: 'o2', amount: 50.5, action: 'sale', amount_units: 'eur' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((t: { key: string; credit: boolean }) => [t.key, t.credit])).toEqual([
      ['o1', false],
      ['o2', false],
    ]);
    expect(await rewards()).toEqual([
      ['o1', 10],
      ['o2', 5.05],
    ]);
    // One balance entry per unit, currency codes upper-case.
    expect(await balanceUnits(api, 'bob')).toEqual([
      usd(10),
      { amount: 5.05, amount_units: 'EUR', is_currency: true },
    ]);
  });

  it('rejects a whole batch when one item is invalid', async () => {
    const res = await api('POST', '/transactions', {
      customer: { key: 'alice' },
      transactions: [
        { key: 'o1', amount: 10, action: 'sale' },
        { key: 'o2', amount: '10', action: 'sale' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({
      'transactions.1.amount': ['The transactions.1.amount must be a number.'],
    });
    const bad = await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o3', amount: '1' });
    expect(bad.body.errors).toEqual({
      amount: ['The amount must be a number.'],
      action: ['The action field is required.'],
    });
    expect(sb.store.state.transactions).toEqual([]);
  });

  it('tells an unknown customer from one nobody referred, in both shapes', async () => {
    const item = { key: 'o1', amount: 10, action: 'sale' };
    for (const shape of [item, { transactions: [item] }]) {
      const unknown = await api('POST', '/transactions', { customer: { key: 'ghost' }, ...shape });
      expect(unknown.status).toBe(422);
      expect(unknown.body.message).toBe('The selected customer.key is invalid.');
      expect(unknown.body.errors).toEqual({ 'customer.key': ['The selected customer.key is invalid.'] });

      const notReferred = await api('POST', '/transactions', { customer: { key: 'bob' }, ...shape });
      expect(notReferred.status).toBe(422);
      expect(notReferred.body.message).toBe('The customer is not a referred customer.');
      expect(notReferred.body.errors).toEqual({ customer: ['The customer is not a referred customer.'] });
    }
    expect(sb.store.state.transactions).toHaveLength(0);
  });

  it('creates the customer on the fly with options.create_customer', async () => {
    const res = await api('POST', '/transactions', {
      customer: { key: 'zoe', email: 'zoe@example.com', referring_customer: { key: 'bob' } },
      options: { create_customer: true },
      key: 'o1',
      amount: 30,
      action: 'sale',
    });
    expect(res.status).toBe(201);
    // Created with only a key, zoe's id is that key (the refer-a-friend guide's example).
    expect(res.body.data).toMatchObject({ customer: 'acct_7', referred_customer: 'zoe' });
    const zoe = (await api('GET', '/customers/zoe')).body.data;
    expect(zoe).toMatchObject({
      id: 'zoe',
      email: 'zoe@example.com',
      referral_link: expect.stringContaining('ref=zoe'),
    });
    expect(zoe.referring_customer).toEqual({ id: 'acct_7', email: 'bob@example.com', name: 'Bob' });
    expect(await balanceUnits(api, 'bob')).toEqual([usd(3)]);
  });

  it('reverses the reward when a transaction is deleted by path or by body', async () => {
    for (const key of ['o1', 'o/2']) {
      await api('POST', '/transactions', { customer: { key: 'alice' }, key, amount: 40, action: 'sale' });
    }
    expect(await balanceUnits(api, 'bob')).toEqual([usd(8)]);
    // docs.partnero.com, transactions delete: 200 with {"status": 1}.
    const byPath = await api('DELETE', '/transactions/o%2F2');
    expect(byPath).toMatchObject({ status: 200, body: { status: 1 } });
    expect(await balanceUnits(api, 'bob')).toEqual([usd(4)]);
    const byBody = await api('DELETE', '/transactions', { key: 'o1' });
    expect(byBody).toMatchObject({ status: 200, body: { status: 1 } });
    expect(await balanceUnits(api, 'bob')).toEqual([]);
    expect((await api('DELETE', '/transactions/o1')).status).toBe(404);
  });

  it('lists transactions filtered by customer.key and key', async () => {
    await api('POST', '/customers', { key: 'carl', referring_customer: { key: 'bob' } });
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 1, action: 'sale' });
    await api('POST', '/transactions', { customer: { key: 'carl' }, key: 'o2', amount: 1, action: 'sale' });
    const keys = async (query: string) =>
      (await api('GET', `/transactions?${query}`)).body.data.map((t: { key: string }) => t.key);
    expect(await keys('')).toEqual(['o1', 'o2']);
    expect(await keys('customer.key=carl')).toEqual(['o2']);
    const carl = (await api('GET', '/transactions?key=o2')).body.data[0];
    // carl was created with only a key, so his identifier is that key.
    expect(carl).toMatchObject({ customer: 'acct_7', referred_customer: 'carl' });
    expect(await keys('key=o1')).toEqual(['o1']);
  });
});

describe('repeated transaction keys (Partnero does not enforce uniqueness)', () => {
  const sale = (key: string, amount: number) => ({ customer: { key: 'alice' }, key, amount, action: 'sale' });
  const amountsWithKey = async (key: string) =>
    (await api('GET', `/transactions?key=${encodeURIComponent(key)}`)).body.data.map(
      (t: { amount: number }) => t.amount,
    );

  it('records a repeated key as another transaction and rewards the referrer again', async () => {
    expect((await api('POST', '/transactions', sale('o1', 10))).status).toBe(201);
    expect((await api('POST', '/transactions', sale('o1', 30))).status).toBe(201);
    expect(await balanceUnits(api, 'bob')).toEqual([usd(4)]);
    expect(await rewards()).toEqual([
      ['o1', 1],
      ['o1', 3],
    ]);
    expect(await amountsWithKey('o1')).toEqual([10, 30]);
  });

  it('accepts the same key twice inside one batch, and a batch repeating an existing key', async () => {
    await api('POST', '/transactions', sale('o1', 10));
    const res = await api('POST', '/transactions', {
      customer: { key: 'alice' },
      transactions: [
        { key: 'o1', amount: 20, action: 'sale' },
        { key: 'o1', amount: 20, action: 'sale' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((t: { key: string }) => t.key)).toEqual(['o1', 'o1']);
    expect(await amountsWithKey('o1')).toEqual([10, 20, 20]);
    expect(await moneyIn(api, 'bob')).toBe(5);
  });

  it('lists every transaction with a key, oldest first, paginated', async () => {
    for (const amount of [1, 2, 3]) await api('POST', '/transactions', sale('o1', amount));
    await api('POST', '/transactions', sale('other', 9));
    const page = await api('GET', '/transactions?key=o1&limit=2&page=2');
    expect(page.body.data.map((t: { amount: number }) => t.amount)).toEqual([3]);
    expect(page.body.meta).toMatchObject({ total: 3, current_page: 2, last_page: 2 });
    const byCustomer = await api('GET', '/transactions?customer.key=alice&key=o1');
    expect(byCustomer.body.meta.total).toBe(3);
  });

  it('deletes one transaction per call, the oldest, reversing only its reward, then 404', async () => {
    await api('POST', '/transactions', sale('o1', 10));
    await api('POST', '/transactions', sale('o1', 30));
    expect(await api('DELETE', '/transactions/o1')).toMatchObject({ status: 200, body: { status: 1 } });
    expect(await amountsWithKey('o1')).toEqual([30]);
    expect(await moneyIn(api, 'bob')).toBe(3);
    expect(await api('DELETE', '/transactions', { key: 'o1' })).toMatchObject({
      status: 200,
      body: { status: 1 },
    });
    expect(await amountsWithKey('o1')).toEqual([]);
    expect(await moneyIn(api, 'bob')).toBe(0);
    expect((await api('DELETE', '/transactions/o1')).status).toBe(404);
    expect((await api('DELETE', '/transactions', { key: 'o1' })).status).toBe(404);
  });

  it('refuses a repeated key with 422 in strict mode, switched at runtime and reset to the default', async () => {
    await api('POST', '/transactions', sale('o1', 10));
    expect((await control(sb, 'PUT', 'options', { strictTransactionKeys: true })).body).toEqual({
      strictTransactionKeys: true,
    });
    const dup = await api('POST', '/transactions', sale('o1', 10));
    expect(dup.status).toBe(422);
    expect(dup.body.errors).toEqual({ key: ['The key has already been taken.'] });
    const batch = await api('POST', '/transactions', {
      customer: { key: 'alice' },
      transactions: [
        { key: 'o2', amount: 1, action: 'sale' },
        { key: 'o2', amount: 1, action: 'sale' },
      ],
    });
    expect(batch.body.errors).toEqual({
      'transactions.1.key': ['The transactions.1.key has already been taken.'],
    });
    expect(await amountsWithKey('o1')).toEqual([10]);
    expect((await control(sb, 'PUT', 'options', { strictTransactionKeys: 'yes' })).status).toBe(422);

    await control(sb, 'POST', 'reset');
    expect((await control(sb, 'GET', 'options')).body).toEqual({ strictTransactionKeys: false });
    sb.config.strictTransactionKeys = true;
    await seedReferral(api);
    await api('POST', '/transactions', sale('o1', 10));
    expect((await api('POST', '/transactions', sale('o1', 10))).status).toBe(422);
  });

  it('starts strict with the strictTransactionKeys option', async () => {
    const strict = await startSandbox({ port: 0, strictTransactionKeys: true });
    try {
      const strictApi = apiClient(strict);
      await seedReferral(strictApi);
      expect((await strictApi('POST', '/transactions', sale('o1', 10))).status).toBe(201);
      expect((await strictApi('POST', '/transactions', sale('o1', 10))).status).toBe(422);
      strict.reset();
      expect(strict.config.strictTransactionKeys).toBe(true);
    } finally {
      await strict.close();
    }
  });
});

describe('balance credit', () => {
  it('credits the balance (not idempotent) and validates each field', async () => {
    const body = { amount: 2.5, amount_units: 'usd', is_currency: true };
    const first = await api('POST', '/customers/bob/balance/credit', body);
    // Partnero publishes no answer for a credit: the sandbox answers the envelope alone.
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 1 });
    await api('POST', '/customers/bob/balance/credit', body);
    expect(await balanceUnits(api, 'bob')).toEqual([usd(5)]);
    expect((await sandboxState(sb)).credits).toEqual([
      expect.objectContaining({ customer: 'acct_7', amount: 2.5, amount_units: 'usd', is_currency: true }),
      expect.objectContaining({ customer: 'acct_7', amount: 2.5, amount_units: 'usd', is_currency: true }),
    ]);

    const invalid = await api('POST', '/customers/bob/balance/credit', { amount: 0, is_currency: 'yes' });
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body.errors).sort()).toEqual(['amount', 'amount_units', 'is_currency']);
    expect((await api('POST', '/customers/ghost/balance/credit', body)).status).toBe(404);
  });

  it('keeps one balance entry per unit: money beside points, rewards beside credits', async () => {
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 30, action: 'sale' });
    await api('POST', '/customers/bob/balance/credit', { amount: 1, amount_units: 'usd', is_currency: true });
    await api('POST', '/customers/bob/balance/credit', {
      amount: 50,
      amount_units: 'points',
      is_currency: false,
    });
    await api('POST', '/customers/bob/balance/credit', { amount: 2, amount_units: 'eur', is_currency: true });
    expect(await balanceUnits(api, 'bob')).toEqual([
      usd(4),
      { amount: 50, amount_units: 'points', is_currency: false },
      { amount: 2, amount_units: 'EUR', is_currency: true },
    ]);
  });
});
