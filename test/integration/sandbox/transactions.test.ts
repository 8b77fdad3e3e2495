import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, seedReferral } from './helpers.js';

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

const balanceOf = async (key: string) => (await api('GET', `/customers/${key}/balance`)).body.data;

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
    expect(res.body.data).toEqual({
      key: 'order-1001',
      action: 'sale',
      amount: 19.99,
      amount_units: 'usd',
      is_currency: true,
      product_id: 'plan-pro',
      product_type: null,
      customer: { key: 'bob', id: 'acct_7' },
      referred_customer: { key: 'alice', id: 'acct_42' },
      credit: 2,
      rewards: [{ customer_key: 'bob', amount: 2, amount_units: 'usd', status: 'pending' }],
      created_at: expect.any(String),
    });
    expect(await balanceOf('bob')).toEqual({ balance: 2, currency: 'usd', rewards: 2, credits: 0 });
    expect((await balanceOf('alice')).balance).toBe(0);
  });

  it('records a batch and sums the rewards', async () => {
    const res = await api('POST', '/transactions', {
      customer: { id: 'acct_42' },
      transactions: [
        { key: 'o1', amount: 100, action: 'sale' },
        { key: 'o2', amount: 50.5, action: 'sale', amount_units: 'eur' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((t: { key: string; credit: number }) => [t.key, t.credit])).toEqual([
      ['o1', 10],
      ['o2', 5.05],
    ]);
    expect((await balanceOf('bob')).balance).toBe(15.05);
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
    expect(res.body.data.referred_customer.key).toBe('zoe');
    expect((await api('GET', '/customers/zoe')).body.data.referring_customer.key).toBe('bob');
    expect((await balanceOf('bob')).balance).toBe(3);
  });

  it('reverses the reward when a transaction is deleted by path or by body', async () => {
    for (const key of ['o1', 'o/2']) {
      await api('POST', '/transactions', { customer: { key: 'alice' }, key, amount: 40, action: 'sale' });
    }
    expect((await balanceOf('bob')).balance).toBe(8);
    expect((await api('DELETE', '/transactions/o%2F2')).status).toBe(204);
    expect((await balanceOf('bob')).balance).toBe(4);
    expect((await api('DELETE', '/transactions', { key: 'o1' })).status).toBe(204);
    expect((await balanceOf('bob')).balance).toBe(0);
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
    expect(await balanceOf('bob')).toMatchObject({ balance: 4, rewards: 4 });
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
    expect((await balanceOf('bob')).balance).toBe(5);
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
    expect((await api('DELETE', '/transactions/o1')).status).toBe(204);
    expect(await amountsWithKey('o1')).toEqual([30]);
    expect((await balanceOf('bob')).balance).toBe(3);
    expect((await api('DELETE', '/transactions', { key: 'o1' })).status).toBe(204);
    expect(await amountsWithKey('o1')).toEqual([]);
    expect((await balanceOf('bob')).balance).toBe(0);
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
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ status: 1, data: { balance: 2.5, currency: 'usd' } });
    await api('POST', '/customers/bob/balance/credit', body);
    expect(await balanceOf('bob')).toEqual({ balance: 5, currency: 'usd', rewards: 0, credits: 5 });

    const invalid = await api('POST', '/customers/bob/balance/credit', { amount: 0, is_currency: 'yes' });
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body.errors).sort()).toEqual(['amount', 'amount_units', 'is_currency']);
    expect((await api('POST', '/customers/ghost/balance/credit', body)).status).toBe(404);
  });
});
