import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, keyOf, sandboxState, seedReferral } from './helpers.js';

let sb: RunningSandbox;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, siteUrl: 'https://example.com/' });
  api = apiClient(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
  await control(sb, 'POST', 'reset');
});

describe('auth and routing', () => {
  it('rejects a missing or wrong API key with a JSON 401', async () => {
    for (const client of [apiClient(sb, null), apiClient(sb, 'wrong')]) {
      const res = await client('GET', '/customers');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 0, message: 'Unauthenticated.' });
    }
  });

  it('answers unknown routes with 404 and wrong methods with 405, both JSON', async () => {
    const missing = await api('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.status).toBe(0);
    const wrong = await api('PATCH', '/customers');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    expect(wrong.body.status).toBe(0);
  });

  it('rejects malformed JSON with 400 and bodies over 1 MB with 413', async () => {
    const malformed = await api('POST', '/customers', '{"key": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ status: 0, message: 'Malformed JSON body.' });
    const huge = await api('POST', '/customers', { key: 'big', name: 'x'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.status).toBe(0);
    expect(sb.store.state.customers).toHaveLength(0);
  });
});

describe('customer lifecycle', () => {
  it('creates, reads, updates (both shapes), lists and deletes a customer', async () => {
    const created = await api('POST', '/customers', {
      key: 'alice',
      id: 'acct_42',
      email: 'alice@example.com',
      name: 'Alice',
      surname: 'Smith',
      metadata: { date_of_birth: '1990-02-28' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      status: 1,
      data: {
        id: 'acct_42',
        email: 'alice@example.com',
        name: 'Alice',
        surname: 'Smith',
        status: 'active',
        approved: true,
        referring_customer: null,
        referrals_count: 0,
        referral_link: 'https://example.com/?ref=alice',
        referral_links: ['https://example.com/?ref=alice'],
        metadata: { date_of_birth: '1990-02-28' },
        custom_fields: {},
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    // No `key` in a customer object: the public key shows only in the link.
    expect(created.body.data).not.toHaveProperty('key');

    const byId = (await api('GET', '/customers/acct_42')).body.data;
    expect(byId).toEqual(created.body.data);
    expect(keyOf(byId)).toBe('alice');
    expect((await api('GET', '/customers/alice')).body.data.id).toBe('acct_42');
    expect((await sandboxState(sb)).customers).toEqual([
      expect.objectContaining({ id: 'acct_42', key: 'alice' }),
    ]);

    const byPath = await api('PUT', '/customers/alice', { update: { name: 'Alicia' } });
    expect(byPath.status).toBe(200);
    expect(byPath.body.data.name).toBe('Alicia');
    const byBody = await api('PUT', '/customers', { id: 'acct_42', update: { surname: 'Jones' } });
    expect(byBody.body.data).toMatchObject({ name: 'Alicia', surname: 'Jones' });

    const found = await api('GET', '/customers:search?email=ALICE@example.com');
    expect(found.body.data.map((c: { id: string }) => c.id)).toEqual(['acct_42']);
    expect(found.body.data.map(keyOf)).toEqual(['alice']);

    expect((await api('DELETE', '/customers/alice')).status).toBe(204);
    expect((await api('GET', '/customers/alice')).status).toBe(404);
    expect((await api('GET', '/customers')).body.meta.total).toBe(0);
  });

  it('generates a key and an id when neither is given', async () => {
    const res = await api('POST', '/customers', { email: 'anon@example.com' });
    expect(res.status).toBe(201);
    expect(res.body.data).not.toHaveProperty('key');
    const key = keyOf(res.body.data);
    expect(key).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(res.body.data.id).toEqual(expect.any(String));
    expect(res.body.data.id).not.toBe('');
    const [stored] = (await sandboxState(sb)).customers;
    expect(stored).toMatchObject({ id: res.body.data.id, key });
    expect((await api('GET', `/customers/${encodeURIComponent(res.body.data.id)}`)).status).toBe(200);
  });

  it('answers a key-only customer with that key as its id, unless another customer has that id', async () => {
    const keyOnly = await api('POST', '/customers', { key: 'carol' });
    expect(keyOnly.body.data).toMatchObject({ id: 'carol', referral_link: 'https://example.com/?ref=carol' });
    await api('POST', '/customers', { id: 'dave_id' });
    const clash = await api('POST', '/customers', { key: 'dave_id' });
    expect(clash.status).toBe(201);
    expect(clash.body.data.id).not.toBe('dave_id');
    expect(keyOf(clash.body.data)).toBe('dave_id');
    expect((await api('GET', `/customers/${encodeURIComponent(clash.body.data.id)}`)).body.data).toEqual(
      clash.body.data,
    );
    // A look-up by `dave_id` finds the customer whose id it is (ids first, then keys).
    expect(keyOf((await api('GET', '/customers/dave_id')).body.data)).not.toBe('dave_id');
  });

  it('validates types and formats with Laravel-style per-field errors', async () => {
    const res = await api('POST', '/customers', {
      key: 42,
      email: 'not-an-email',
      metadata: { date_of_birth: '1990-02-30' },
      referring_customer: {},
    });
    expect(res.status).toBe(422);
    expect(res.body.status).toBe(0);
    expect(typeof res.body.message).toBe('string');
    expect(Object.keys(res.body.errors).sort()).toEqual([
      'email',
      'key',
      'metadata.date_of_birth',
      'referring_customer.key',
    ]);
  });

  it('rejects a duplicate key, id or email with 422 on that field', async () => {
    await api('POST', '/customers', { key: 'alice', id: 'acct_42', email: 'alice@example.com' });
    for (const [field, body] of [
      ['key', { key: 'alice' }],
      ['id', { id: 'acct_42' }],
      ['email', { email: 'Alice@Example.com' }],
    ] as const) {
      const res = await api('POST', '/customers', body);
      expect(res.status).toBe(422);
      expect(res.body.errors[field]).toEqual([`The ${field} has already been taken.`]);
    }
    const update = await api('POST', '/customers', { key: 'bob' });
    expect(update.status).toBe(201);
    const clash = await api('PUT', '/customers/bob', { update: { email: 'alice@example.com' } });
    expect(clash.status).toBe(422);
    expect(clash.body.errors.email).toEqual(['The email has already been taken.']);
  });

  it('checks the update body and unknown customers', async () => {
    await api('POST', '/customers', { key: 'alice' });
    expect((await api('PUT', '/customers/alice', { name: 'x' })).body.errors.update).toBeDefined();
    expect((await api('PUT', '/customers/ghost', { update: { name: 'x' } })).status).toBe(404);
    expect((await api('PUT', '/customers', { update: { name: 'x' } })).body.errors.id).toBeDefined();
    expect((await api('DELETE', '/customers/ghost')).status).toBe(404);
  });
});

describe('referral attribution', () => {
  it('attributes by key and counts referrals', async () => {
    const { alice } = await seedReferral(api);
    expect(alice.referring_customer).toEqual({ id: 'acct_7', email: 'bob@example.com', name: 'Bob' });
    expect((await api('GET', '/customers/bob')).body.data.referrals_count).toBe(1);
    const referrals = await api('GET', '/customers/bob/referrals');
    expect(referrals.body.data.map((c: { id: string }) => c.id)).toEqual(['acct_42']);
    expect(referrals.body.data.map(keyOf)).toEqual(['alice']);
    expect(referrals.body.meta.total).toBe(1);
  });

  it('attributes by id, and the id wins when both are given', async () => {
    await api('POST', '/customers', { key: 'bob', id: 'acct_7' });
    await api('POST', '/customers', { key: 'carol', id: 'acct_8' });
    const byId = await api('POST', '/customers', { key: 'alice', referring_customer: { id: 'acct_7' } });
    expect(byId.body.data.referring_customer).toEqual({ id: 'acct_7', email: null, name: null });
    const both = await api('POST', '/customers', {
      key: 'dave',
      referring_customer: { id: 'acct_8', key: 'bob' },
    });
    expect(both.body.data.referring_customer.id).toBe('acct_8');
  });

  it('rejects an unknown referrer on the field that named it', async () => {
    const byKey = await api('POST', '/customers', { key: 'alice', referring_customer: { key: 'ghost' } });
    expect(byKey.status).toBe(422);
    expect(byKey.body.errors['referring_customer.key']).toEqual([
      'The selected referring_customer.key is invalid.',
    ]);
    const byId = await api('POST', '/customers', {
      key: 'alice',
      referring_customer: { id: 'ghost', key: 'x' },
    });
    expect(byId.body.errors['referring_customer.id']).toBeDefined();
    expect(sb.store.state.customers).toHaveLength(0);
  });

  it('filters the list by refer_status', async () => {
    await seedReferral(api);
    const referred = await api('GET', '/customers?refer_status=referred');
    expect(referred.body.data.map((c: { id: string }) => c.id)).toEqual(['acct_42']);
    const others = await api('GET', '/customers?refer_status=non_referred');
    expect(others.body.data.map((c: { id: string }) => c.id)).toEqual(['acct_7']);
    expect((await api('GET', '/customers?refer_status=maybe')).status).toBe(422);
  });
});

describe('pagination', () => {
  it('pages with limit and page, with meta and links', async () => {
    for (let i = 1; i <= 5; i++) await api('POST', '/customers', { key: `c${i}` });
    const res = await api('GET', '/customers?limit=2&page=2');
    expect(res.body.data.map(keyOf)).toEqual(['c3', 'c4']);
    expect(res.body.meta).toEqual({ current_page: 2, last_page: 3, per_page: 2, total: 5, from: 3, to: 4 });
    expect(res.body.links).toEqual({
      first: `${sb.apiUrl}/customers?limit=2&page=1`,
      last: `${sb.apiUrl}/customers?limit=2&page=3`,
      prev: `${sb.apiUrl}/customers?limit=2&page=1`,
      next: `${sb.apiUrl}/customers?limit=2&page=3`,
    });
    const beyond = await api('GET', '/customers?limit=2&page=9');
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.meta).toMatchObject({ from: null, to: null, total: 5 });
    expect((await api('GET', '/customers')).body.meta.per_page).toBe(15);
  });

  it('rejects a limit outside 1–250 or a bad page', async () => {
    for (const query of ['limit=0', 'limit=251', 'limit=abc', 'page=0']) {
      const res = await api('GET', `/customers?${query}`);
      expect(res.status).toBe(422);
    }
    expect((await api('GET', '/customers?limit=250')).status).toBe(200);
  });
});

describe('hostile path values', () => {
  it('decodes a path segment once and looks it up literally', async () => {
    await api('POST', '/customers', { key: 'a/b', email: 'ab@example.com' });
    const res = await api('GET', '/customers/a%2Fb');
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe('a/b');
    expect(res.body.data.referral_link).toBe('https://example.com/?ref=a%2Fb');
    expect(keyOf(res.body.data)).toBe('a/b');
    expect((await api('GET', '/customers/a%252Fb')).status).toBe(404);
  });

  it('never lets an encoded ../ reach another resource', async () => {
    await seedReferral(api);
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 10, action: 'sale' });
    const res = await api('GET', '/customers/..%2Ftransactions');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 0, message: 'Customer not found.' });
    expect((await api('DELETE', '/transactions/..%2Fcustomers%2Falice')).status).toBe(404);
    expect((await api('DELETE', '/customers/..%2Ftransactions%2Fo1')).status).toBe(404);
    expect((await api('GET', '/customers/alice')).status).toBe(200);
    expect(sb.store.transaction('o1')).toBeDefined();

    await api('POST', '/customers', { key: '../transactions' });
    const literal = await api('GET', '/customers/..%2Ftransactions');
    expect(literal.status).toBe(200);
    expect(keyOf(literal.body.data)).toBe('../transactions');
  });
});
