import { describe, expect, it } from '@jest/globals';
import { createPartneroClient, isPartneroError, type PartneroError } from '#shared/partnero/index.js';
import { BASE, failure, fakeFetch, json, KEY, noContent, ok, setup } from './fake-fetch.js';

const sandboxCustomer = {
  id: 'acct_42',
  key: 'alice',
  email: 'alice@example.com',
  name: 'Alice',
  surname: 'Smith',
  status: 'active',
  approved: true,
  referring_customer: { id: 'acct_7', key: 'bob', email: 'bob@example.com', name: 'Bob' },
  referrals_count: 0,
  referral_link: 'https://example.com?ref=alice',
  referral_links: [{ url: 'https://example.com?ref=alice', key: 'alice', default: true }],
  metadata: { date_of_birth: null },
  custom_fields: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

const sandboxTransaction = {
  key: 'order-1001',
  action: 'sale',
  amount: 100,
  amount_units: 'usd',
  is_currency: true,
  product_id: null,
  product_type: null,
  customer: { key: 'bob', id: 'acct_7' },
  referred_customer: { key: 'alice', id: 'acct_42' },
  credit: 10,
  rewards: [{ customer_key: 'bob', amount: 10, amount_units: 'usd', status: 'pending' }],
  created_at: '2026-01-01T00:00:00.000Z',
};

const links = { first: `${BASE}/customers?page=1`, last: `${BASE}/customers?page=2`, prev: null, next: null };
const meta = { current_page: 1, last_page: 2, per_page: 1, total: 2, from: 1, to: 1 };

describe('requests', () => {
  it('sends the bearer key and JSON headers to the default base URL', async () => {
    const { client, calls } = setup([ok(sandboxCustomer)]);
    await client.customers.get('alice');
    expect(calls[0]?.url.href).toBe(`${BASE}/customers/alice`);
    expect(calls[0]?.method).toBe('GET');
    expect(calls[0]?.headers).toEqual({
      Authorization: `Bearer ${KEY}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': 'partnero-referrals-aws',
    });
  });

  it('tolerates a trailing slash on baseUrl', async () => {
    const { client, calls } = setup([ok(sandboxCustomer)], { baseUrl: 'http://127.0.0.1:4010/v1/' });
    await client.customers.get('alice');
    expect(calls[0]?.url.href).toBe('http://127.0.0.1:4010/v1/customers/alice');
  });

  const customerReply = () => ok(sandboxCustomer);
  const balanceReply = () => ok({ balance: 1, currency: 'usd' }, 201);
  const cases: [string, (c: Client) => Promise<unknown>, () => Response, string, string, unknown][] = [
    [
      'customers.create',
      (c) => c.customers.create({ key: 'alice', email: 'a@x.io' }),
      customerReply,
      'POST',
      '/customers',
      { key: 'alice', email: 'a@x.io' },
    ],
    [
      'customers.update',
      (c) => c.customers.update('alice', { name: 'Al' }),
      customerReply,
      'PUT',
      '/customers/alice',
      { update: { name: 'Al' } },
    ],
    [
      'customers.delete',
      (c) => c.customers.delete('alice'),
      noContent,
      'DELETE',
      '/customers/alice',
      undefined,
    ],
    [
      'customers.stats',
      (c) => c.customers.stats('alice'),
      () => ok({ clicks: 1 }),
      'GET',
      '/customers/alice/stats',
      undefined,
    ],
    [
      'customers.balance',
      (c) => c.customers.balance('alice'),
      balanceReply,
      'GET',
      '/customers/alice/balance',
      undefined,
    ],
    [
      'customers.creditBalance',
      (c) => c.customers.creditBalance('alice', { amount: 5, amount_units: 'usd', is_currency: true }),
      balanceReply,
      'POST',
      '/customers/alice/balance/credit',
      { amount: 5, amount_units: 'usd', is_currency: true },
    ],
    [
      'transactions.create',
      (c) => c.transactions.create({ customer: { key: 'alice' }, key: 'o-1', amount: 100, action: 'sale' }),
      () => ok(sandboxTransaction, 201),
      'POST',
      '/transactions',
      { customer: { key: 'alice' }, key: 'o-1', amount: 100, action: 'sale' },
    ],
    [
      'transactions.createBatch',
      (c) =>
        c.transactions.createBatch({
          customer: { key: 'alice' },
          transactions: [{ key: 'o-1', amount: 1, action: 'sale' }],
        }),
      () => ok([sandboxTransaction], 201),
      'POST',
      '/transactions',
      { customer: { key: 'alice' }, transactions: [{ key: 'o-1', amount: 1, action: 'sale' }] },
    ],
    [
      'transactions.delete',
      (c) => c.transactions.delete('o-1'),
      noContent,
      'DELETE',
      '/transactions/o-1',
      undefined,
    ],
  ];

  it.each(cases)('%s sends the documented request', async (_name, run, reply, method, path, body) => {
    const { client, calls } = setup([reply()]);
    await run(client);
    expect(calls[0]?.method).toBe(method);
    expect(calls[0]?.url.pathname).toBe(`/v1${path}`);
    expect(calls[0]?.url.search).toBe('');
    expect(calls[0]?.body).toEqual(body);
  });
});

type Client = ReturnType<typeof createPartneroClient>;

describe('query parameters', () => {
  it('lists customers with limit, page and refer_status', async () => {
    const { client, calls } = setup([json(200, { data: [], links, meta })]);
    await client.customers.list({ limit: 50, page: 2, referStatus: 'referred' });
    expect(calls[0]?.url.pathname).toBe('/v1/customers');
    expect(Object.fromEntries(calls[0]?.url.searchParams ?? [])).toEqual({
      limit: '50',
      page: '2',
      refer_status: 'referred',
    });
  });

  it('sends no query string when none is given', async () => {
    const { client, calls } = setup([json(200, { data: [] }), json(200, { data: [] })]);
    await client.customers.list();
    await client.transactions.list();
    expect(calls.map((c) => c.url.href)).toEqual([`${BASE}/customers`, `${BASE}/transactions`]);
  });

  it('lists transactions by customer.key and key, encoding hostile values', async () => {
    const { client, calls } = setup([json(200, { data: [] })]);
    await client.transactions.list({ customerKey: 'a&b=c', key: 'o/1?x#y', limit: 1, page: 1 });
    const url = calls[0]?.url;
    expect(url?.pathname).toBe('/v1/transactions');
    expect(url?.searchParams.get('customer.key')).toBe('a&b=c');
    expect(url?.searchParams.get('key')).toBe('o/1?x#y');
    expect(url?.searchParams.get('limit')).toBe('1');
    expect(url?.hash).toBe('');
  });

  it('pages referrals', async () => {
    const { client, calls } = setup([json(200, { data: [sandboxCustomer], links, meta })]);
    const page = await client.customers.referrals('bob', { limit: 1, page: 1 });
    expect(calls[0]?.url.href).toBe(`${BASE}/customers/bob/referrals?limit=1&page=1`);
    expect(page.data[0]?.key).toBe('alice');
  });

  it.each([[{ limit: 0 }], [{ limit: 251 }], [{ limit: 1.5 }], [{ page: 0 }], [{ page: Number.NaN }]])(
    'rejects %j before any request',
    async (q) => {
      const { client, calls } = setup([]);
      const err = (await failure(client.customers.list(q))) as PartneroError;
      expect(err.code).toBe('validation');
      expect(err.retryable).toBe(false);
      expect(calls).toHaveLength(0);
    },
  );
});

describe('path encoding', () => {
  const hostile = ['../transactions', 'a/b?c', '%2F', 'a#b', '..%2F..', './x', 'x/..', '?limit=1', 'ö ü'];

  it.each(hostile)('keeps %j inside a single customers segment', async (id) => {
    const { client, calls } = setup([ok(sandboxCustomer), ok({ balance: 0 })]);
    await client.customers.get(id);
    await client.customers.balance(id);
    for (const call of calls) {
      const segments = call.url.pathname.split('/');
      expect(segments[1]).toBe('v1');
      expect(segments[2]).toBe('customers');
      expect(decodeURIComponent(segments[3] ?? '')).toBe(id);
      expect(call.url.search).toBe('');
      expect(call.url.hash).toBe('');
    }
    expect(calls[0]?.url.pathname.split('/')).toHaveLength(4);
    expect(calls[1]?.url.pathname.split('/').slice(4)).toEqual(['balance']);
  });

  it.each(hostile)('keeps %j inside a single transactions segment', async (key) => {
    const { client, calls } = setup([noContent()]);
    await client.transactions.delete(key);
    const segments = calls[0]?.url.pathname.split('/') ?? [];
    expect(segments).toHaveLength(4);
    expect(segments.slice(0, 3)).toEqual(['', 'v1', 'transactions']);
    expect(decodeURIComponent(segments[3] ?? '')).toBe(key);
    expect(segments[3]).not.toContain('.');
  });

  it('double-encodes an already encoded slash', async () => {
    const { client, calls } = setup([noContent()]);
    await client.transactions.delete('%2F');
    expect(calls[0]?.url.pathname).toBe('/v1/transactions/%252F');
  });

  it.each(['', '   ', '.', '..', '...'])('rejects the id %j before any request', async (id) => {
    const { client, calls } = setup([]);
    const runs = [
      client.customers.get(id),
      client.customers.update(id, {}),
      client.customers.delete(id),
      client.customers.stats(id),
      client.customers.balance(id),
      client.customers.referrals(id),
      client.customers.creditBalance(id, { amount: 1, amount_units: 'usd', is_currency: true }),
      client.transactions.delete(id),
    ];
    for (const run of runs) {
      const err = await failure(run);
      expect(isPartneroError(err)).toBe(true);
      expect((err as PartneroError).code).toBe('validation');
      expect((err as PartneroError).path).toMatch(/\{(id|key)\}/);
    }
    expect(calls).toHaveLength(0);
  });

  it('rejects a non-string id from untyped callers', async () => {
    const { client, calls } = setup([]);
    const err = (await failure(client.customers.get(42 as unknown as string))) as PartneroError;
    expect(err.code).toBe('validation');
    expect(calls).toHaveLength(0);
  });

  it('rejects a credit amount that is not a finite number', async () => {
    const { client, calls } = setup([]);
    const err = (await failure(
      client.customers.creditBalance('alice', { amount: Number.NaN, amount_units: 'usd', is_currency: true }),
    )) as PartneroError;
    expect(err.code).toBe('validation');
    expect(calls).toHaveLength(0);
  });
});

describe('response parsing', () => {
  it('reads a customer carrying both id and key, links as objects and the referrer as an object', async () => {
    const { client } = setup([ok(sandboxCustomer, 201)]);
    expect(await client.customers.create({ key: 'alice' })).toEqual({
      ...sandboxCustomer,
      referring_customer: {
        identifier: 'acct_7',
        id: 'acct_7',
        key: 'bob',
        email: 'bob@example.com',
        name: 'Bob',
      },
      referral_links: ['https://example.com?ref=alice'],
    });
  });

  it('normalises a minimal customer to nulls (unknown), never made-up zeros, and ignores unknown fields', async () => {
    const { client } = setup([ok({ key: 'alice', surprise: { nested: true }, referral_links: 'nope' })]);
    expect(await client.customers.get('alice')).toEqual({
      id: null,
      key: 'alice',
      email: null,
      name: null,
      surname: null,
      status: null,
      approved: null,
      referring_customer: null,
      referrals_count: null,
      referral_link: null,
      referral_links: [],
      metadata: { date_of_birth: null },
      custom_fields: {},
      created_at: null,
      updated_at: null,
    });
  });

  it('coerces loosely typed values', async () => {
    const { client } = setup([
      ok({
        id: 42,
        approved: 1,
        referrals_count: '3',
        referral_links: [
          'https://x.io?ref=alice',
          { link: 'https://x.io/r/alice', default: '1' },
          { key: 'no-url' },
          7,
        ],
        metadata: { date_of_birth: '1990-01-01' },
      }),
    ]);
    const c = await client.customers.get('alice');
    expect(c.id).toBe('42');
    expect(c.key).toBeNull();
    expect(c.approved).toBe(true);
    expect(c.referrals_count).toBe(3);
    expect(c.metadata.date_of_birth).toBe('1990-01-01');
    expect(c.referral_links).toEqual(['https://x.io?ref=alice', 'https://x.io/r/alice']);
    expect(c.referral_link).toBe('https://x.io?ref=alice');
  });

  it('accepts a payload without the {status, data} envelope and a one-element array', async () => {
    const { client } = setup([json(200, sandboxCustomer), ok([sandboxCustomer])]);
    expect((await client.customers.get('alice')).key).toBe('alice');
    expect((await client.customers.update('alice', { name: 'Al' }))?.key).toBe('alice');
  });

  it('reads stats under the names it knows, null for a count it cannot find, and odd sharing links', async () => {
    const { client } = setup([
      ok({ clicks: 12, signups: '3', social_sharing: { twitter: 'https://t.co/x', bogus: 1 } }),
      ok({ social_sharing: null }),
    ]);
    expect(await client.customers.stats('alice')).toEqual({
      clicks: 12,
      signups: 3,
      referrals: null,
      paid_referrals: null,
      social_sharing: { twitter: 'https://t.co/x' },
      fields: ['clicks', 'signups', 'social_sharing'],
    });
    expect((await client.customers.stats('alice')).social_sharing).toEqual({});
  });

  it('reads a balance as the published unit list, and a credit answer only when it holds one', async () => {
    const { client } = setup([
      ok({
        customer: { id: 'acct_42' },
        balance: {
          currency: [
            { amount: '12.50', amount_units: 'USD', is_currency: true },
            { amount: 40, amount_units: 'points', is_currency: false },
            { amount_units: 'EUR' },
          ],
        },
      }),
      ok({ balance: '15.00', currency: 'usd' }, 201),
      json(201, { status: 1 }),
    ]);
    expect(await client.customers.balance('alice')).toEqual({
      units: [
        { amount: 12.5, unit: 'USD', is_currency: true },
        { amount: 40, unit: 'points', is_currency: false },
      ],
    });
    const credit = { amount: 2.5, amount_units: 'usd', is_currency: true };
    expect(await client.customers.creditBalance('alice', credit)).toEqual({
      units: [{ amount: 15, unit: 'usd', is_currency: true }],
    });
    expect(await client.customers.creditBalance('alice', credit)).toBeUndefined();
  });

  it('reads transactions, parties as objects or strings, credit as a number or a boolean', async () => {
    const second = {
      key: 'order-1002',
      amount: 'NaN',
      customer: 'acct_7',
      rewards: [null, { amount: 5 }, 3],
      is_currency: 0,
      credit: false,
    };
    const { client } = setup([
      ok(sandboxTransaction, 201),
      ok([sandboxTransaction, second, { amount: 1 }], 201),
      ok(sandboxTransaction),
    ]);
    const input = { customer: { key: 'alice' }, key: 'order-1001', amount: 100, action: 'sale' };
    expect(await client.transactions.create(input)).toEqual({
      ...sandboxTransaction,
      customer: { identifier: 'acct_7', key: 'bob', id: 'acct_7', email: null, name: null },
      referred_customer: { identifier: 'acct_42', key: 'alice', id: 'acct_42', email: null, name: null },
      credit: true,
      rewards: [{ amount: 10, amount_units: 'usd', status: 'pending' }],
    });
    const batch = await client.transactions.createBatch({
      customer: { key: 'alice' },
      transactions: [input],
    });
    // A row without a key is skipped: the write was applied all the same.
    expect(batch.map((t) => t.key)).toEqual(['order-1001', 'order-1002']);
    expect(batch[1]).toMatchObject({
      amount: null,
      is_currency: false,
      credit: false,
      customer: { identifier: 'acct_7', id: null, key: null },
      rewards: [
        { amount: 5, amount_units: null, status: null },
        { amount: 3, amount_units: null, status: null },
      ],
    });
    // A batch answered with a single object is still an array.
    expect(
      await client.transactions.createBatch({ customer: { key: 'alice' }, transactions: [input] }),
    ).toHaveLength(1);
  });

  it('parses pages with links and meta, defaulting when absent', async () => {
    const { client } = setup([
      json(200, { status: 1, data: [sandboxCustomer], links, meta, extra: true }),
      json(200, { data: [sandboxTransaction] }),
    ]);
    const customers = await client.customers.list();
    expect(customers).toMatchObject({ data: [{ id: 'acct_42', key: 'alice' }], links, meta });
    const transactions = await client.transactions.list();
    expect(transactions.data[0]?.key).toBe('order-1001');
    expect(transactions.links).toEqual({ first: null, last: null, prev: null, next: null });
    expect(transactions.meta).toEqual({
      current_page: null,
      last_page: null,
      per_page: null,
      total: null,
      from: null,
      to: null,
    });
  });

  it('returns undefined for deletes, ignoring any body', async () => {
    const { client } = setup([noContent(), ok({ deleted: true })]);
    await expect(client.customers.delete('alice')).resolves.toBeUndefined();
    await expect(client.transactions.delete('o-1')).resolves.toBeUndefined();
  });

  it.each([
    [
      'a customer with neither id nor key',
      () => ok({ email: 'a@example.com' }),
      (c: Client) => c.customers.get('x'),
    ],
    ['a non-JSON body', () => new Response('<html>', { status: 200 }), (c: Client) => c.customers.get('x')],
    ['an empty body', () => new Response('', { status: 200 }), (c: Client) => c.customers.stats('x')],
    ['a balance without amount', () => ok({ currency: 'usd' }), (c: Client) => c.customers.balance('x')],
    ['a list whose data is not an array', () => json(200, { data: {} }), (c: Client) => c.customers.list()],
    [
      'a list that is neither an object nor an array',
      () => json(200, 'nope'),
      (c: Client) => c.transactions.list(),
    ],
  ])('maps %s to a non-retryable unavailable error', async (_name, reply, run) => {
    const { client, calls } = setup([reply()]);
    const err = (await failure(run(client))) as PartneroError;
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(200);
    expect(err.message).toMatch(/unexpected body/);
    expect(calls).toHaveLength(1);
  });
});

describe('an unreadable 2xx to a transaction', () => {
  it('is a recorded transaction (a 2xx is applied, whatever its body), and is never resent', async () => {
    const { client, calls } = setup([ok({ amount: 1 })]);
    await expect(
      client.transactions.create({ customer: { id: 'a' }, key: 'k', amount: 1, action: 'sale' }),
    ).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});

describe('options', () => {
  it.each([{ maxAttempts: 0 }, { attemptTimeoutMs: 0 }, { baseDelayMs: -1 }, { maxDelayMs: Number.NaN }])(
    'rejects %j',
    (bad) => {
      const { fetch } = fakeFetch();
      expect(() => createPartneroClient({ apiKey: KEY, fetch, ...bad })).toThrow(RangeError);
    },
  );

  it('calls onRequest before every attempt and survives a throwing hook', async () => {
    const seen: unknown[] = [];
    const { client } = setup([json(503, {}), json(200, { data: [] })], {
      onRequest: (info) => {
        seen.push(info);
        throw new Error('metrics down');
      },
    });
    await client.customers.list();
    expect(seen[0]).toEqual({ method: 'GET', path: '/customers', attempt: 1 });
    expect(seen[1]).toEqual({ method: 'GET', path: '/customers', attempt: 2 });
  });
});
