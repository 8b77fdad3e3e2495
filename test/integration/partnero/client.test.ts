import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { createPartneroClient, type PartneroClient, PartneroError } from '#shared/partnero/index.js';
import { createSecretProvider } from '#shared/secrets/cached-secret.js';
import { controls } from '#test/support/sandbox.js';

let sandbox: RunningSandbox;
let client: PartneroClient;
let ctl: ReturnType<typeof controls>;

const noWait = { baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  ctl = controls(sandbox);
  client = createPartneroClient({ apiKey: sandbox.apiKey, baseUrl: sandbox.apiUrl, ...noWait });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await ctl.reset();
  await client.customers.create({ key: 'alice', id: 'alice-id', email: 'alice@example.com', name: 'Alice' });
  await client.customers.create({
    key: 'bob',
    email: 'bob@example.com',
    referring_customer: { key: 'alice' },
  });
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as PartneroError,
  );

describe('Partnero client against the sandbox', () => {
  describe('customers', () => {
    it('creates, reads, updates, lists and deletes a customer', async () => {
      const carol = await client.customers.create({
        key: 'carol',
        email: 'carol@example.com',
        name: 'Carol',
      });
      expect(carol).toMatchObject({ id: 'carol', key: null, referring_customer: null, referrals_count: 0 });
      expect(carol.referral_link).toContain('ref=carol');
      expect((await client.customers.get('carol')).email).toBe('carol@example.com');
      expect((await client.customers.update('carol', { name: 'Caroline' }))?.name).toBe('Caroline');
      const page = await client.customers.list({ limit: 2, page: 1 });
      expect(page.data).toHaveLength(2);
      expect(page.meta).toMatchObject({ total: 3, per_page: 2, last_page: 2 });
      const referred = await client.customers.list({ referStatus: 'referred' });
      expect(referred.data.map((c) => c.id)).toEqual(['bob']);
      await client.customers.delete('carol');
      expect(await failure(client.customers.get('carol'))).toMatchObject({ code: 'not_found', status: 404 });
    });

    it('attributes a referred customer, by key or by id (id wins)', async () => {
      const dave = await client.customers.create({
        key: 'dave',
        referring_customer: { id: 'alice-id', key: 'bob' },
      });
      expect(dave.referring_customer?.identifier).toBe('alice-id');
      expect((await client.customers.get('alice')).referrals_count).toBe(2);
    });

    it('reports a duplicate key as conflict with the field', async () => {
      const e = await failure(client.customers.create({ key: 'alice' }));
      expect(e).toBeInstanceOf(PartneroError);
      expect(e).toMatchObject({ code: 'conflict', status: 422, retryable: false });
      expect(e?.fields).toHaveProperty('key');
    });

    it('reports invalid data as validation with per-field messages', async () => {
      const e = await failure(client.customers.create({ key: 'x1', email: 'not-an-email' }));
      expect(e).toMatchObject({ code: 'validation', status: 422 });
      expect(e?.fields).toHaveProperty('email');
    });

    it('reads stats, balance and referrals', async () => {
      await client.transactions.create({ customer: { key: 'bob' }, key: 'o-1', amount: 50, action: 'sale' });
      expect(await client.customers.stats('alice')).toMatchObject({ signups: 1, referrals: 1 });
      expect(await client.customers.balance('alice')).toEqual({
        units: [{ amount: 5, unit: 'USD', is_currency: true }],
      });
      const friends = await client.customers.referrals('alice', { limit: 10 });
      expect(friends.data.map((c) => c.id)).toEqual(['bob']);
      expect(friends.meta?.total).toBe(1);
    });

    it('credits a balance', async () => {
      const answer = await client.customers.creditBalance('alice', {
        amount: 7.5,
        amount_units: 'usd',
        is_currency: true,
      });
      // Partnero publishes no answer body for a credit: the balance is read separately.
      expect(answer).toBeUndefined();
      expect((await client.customers.balance('alice')).units).toEqual([
        { amount: 7.5, unit: 'USD', is_currency: true },
      ]);
    });
  });

  describe('transactions', () => {
    it('creates single and batch transactions with rewards, lists and deletes them', async () => {
      const single = await client.transactions.create({
        customer: { key: 'bob' },
        key: 't-1',
        amount: 100,
        action: 'sale',
      });
      expect(single).toMatchObject({ key: 't-1', referred_customer: { identifier: 'bob' }, credit: false });
      const batch = await client.transactions.createBatch({
        customer: { key: 'bob' },
        transactions: [
          { key: 't-2', amount: 10, action: 'sale' },
          { key: 't-3', amount: 20, action: 'sale' },
        ],
      });
      expect(batch.map((t) => t.key)).toEqual(['t-2', 't-3']);
      expect((await client.transactions.list({ customerKey: 'bob' })).meta?.total).toBe(3);
      expect((await client.transactions.list({ key: 't-2' })).data).toHaveLength(1);
      await client.transactions.delete('t-1');
      expect((await client.customers.balance('alice')).units[0]?.amount).toBe(3);
      expect(await failure(client.transactions.delete('t-1'))).toMatchObject({ code: 'not_found' });
    });

    it('records a repeated key twice, as Partnero does; lists both by key', async () => {
      const sale = { customer: { key: 'bob' }, key: 'dup', amount: 10, action: 'sale' };
      await client.transactions.create(sale);
      await client.transactions.create(sale);
      const page = await client.transactions.list({ key: 'dup' });
      expect(page.data.map((t) => t.key)).toEqual(['dup', 'dup']);
      expect((await client.customers.balance('alice')).units[0]?.amount).toBe(2);
    });

    it('reports a repeated key as conflict against a strict deployment', async () => {
      sandbox.config.strictTransactionKeys = true;
      try {
        await client.transactions.create({ customer: { key: 'bob' }, key: 'dup', amount: 1, action: 'sale' });
        const e = await failure(
          client.transactions.create({ customer: { key: 'bob' }, key: 'dup', amount: 1, action: 'sale' }),
        );
        expect(e?.code).toBe('conflict');
      } finally {
        sandbox.config.strictTransactionKeys = false;
      }
    });

    it('refuses transactions for a customer nobody referred', async () => {
      const e = await failure(
        client.transactions.create({ customer: { key: 'alice' }, key: 'x', amount: 1, action: 'sale' }),
      );
      expect(e).toMatchObject({ code: 'validation' });
      expect(Object.keys(e?.fields ?? {}).some((f) => f.startsWith('customer'))).toBe(true);
    });
  });

  describe('hostile path values', () => {
    it.each(['../transactions', 'a/b?c', '%2F..%2F', 'alice/../bob', 'alice?x=1', 'alice#frag'])(
      'keeps %s inside the customer path',
      async (value) => {
        await ctl.resetRequests();
        const e = await failure(client.customers.get(value));
        expect(e?.code).toBe('not_found');
        const { byRoute } = await ctl.requests();
        expect(Object.keys(byRoute)).toEqual(['GET /v1/customers/{id}']);
      },
    );

    it('reaches a customer whose key contains a slash only at its own path', async () => {
      await client.customers.create({ key: 'a/b', email: 'ab@example.com' });
      expect((await client.customers.get('a/b')).email).toBe('ab@example.com');
    });

    it('refuses dot-only and empty ids before sending anything', async () => {
      await ctl.resetRequests();
      for (const id of ['', '.', '..'])
        expect((await failure(client.transactions.delete(id)))?.code).toBe('validation');
      expect((await ctl.requests()).total).toBe(0);
    });
  });

  describe('failures', () => {
    it('retries 429 and 5xx answers and succeeds', async () => {
      await ctl.faults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0, count: 1 });
      expect((await client.customers.get('alice')).email).toBe('alice@example.com');
      await ctl.faults({ rate: 1, kinds: ['503'], count: 2 });
      expect((await client.customers.get('alice')).email).toBe('alice@example.com');
    });

    it('gives up after three attempts with a typed, retryable error', async () => {
      await ctl.resetRequests();
      await ctl.faults({ rate: 1, kinds: ['502'] });
      const e = await failure(client.customers.get('alice'));
      expect(e).toMatchObject({ code: 'unavailable', status: 502, retryable: true });
      expect((await ctl.requests()).total).toBe(3);
    });

    it('reports rate limiting with the Retry-After it was given', async () => {
      await ctl.faults({ rate: 1, kinds: ['429'], retryAfterSeconds: 1 });
      const e = await failure(client.customers.get('alice'));
      expect(e).toMatchObject({ code: 'rate_limited', status: 429, retryable: true });
      expect(e?.retryAfterMs).toBeGreaterThan(0);
    });

    it('retries a dropped connection', async () => {
      await ctl.faults({ rate: 1, kinds: ['drop'], count: 1 });
      expect((await client.customers.get('alice')).email).toBe('alice@example.com');
    });

    it('times out a slow attempt and reports timeout', async () => {
      const slowClient = createPartneroClient({
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.apiUrl,
        attemptTimeoutMs: 100,
        maxAttempts: 2,
        ...noWait,
      });
      await ctl.faults({ rate: 1, kinds: ['delay'], delayMs: 1000 });
      expect(await failure(slowClient.customers.get('alice'))).toMatchObject({
        code: 'timeout',
        retryable: true,
      });
    });

    it('stops at the caller deadline', async () => {
      await ctl.faults({ rate: 1, kinds: ['delay'], delayMs: 2000 });
      const e = await failure(client.customers.get('alice', { deadline: Date.now() + 200 }));
      expect(e?.code).toBe('timeout');
    });

    it('never resends a credit that may have reached Partnero', async () => {
      await ctl.faults({ rate: 1, kinds: ['drop'], count: 1, match: 'balance/credit' });
      const e = await failure(
        client.customers.creditBalance('alice', { amount: 5, amount_units: 'usd', is_currency: true }),
      );
      expect(e).toMatchObject({ code: 'unknown_outcome', retryable: false });
      expect((await client.customers.balance('alice')).units).toEqual([]);
    });

    it('reports a wrong key as unauthorized without ever showing it', async () => {
      const wrong = createPartneroClient({
        apiKey: 'pk_wrong_secret_value',
        baseUrl: sandbox.apiUrl,
        ...noWait,
      });
      const e = await failure(wrong.customers.get('alice'));
      expect(e).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
      expect(`${e?.message} ${JSON.stringify(e)} ${e?.stack}`).not.toContain('pk_wrong_secret_value');
    });

    it('picks up a rotated key: a 401 re-reads the key once and retries', async () => {
      const keys = ['old-rotated-key', sandbox.apiKey];
      let reads = 0;
      const rotating = createPartneroClient({
        apiKey: { get: async () => keys[Math.min(reads, 1)] as string, invalidate: () => void reads++ },
        baseUrl: sandbox.apiUrl,
        ...noWait,
      });
      expect((await rotating.customers.get('alice')).email).toBe('alice@example.com');
      expect(reads).toBe(1);
    });
  });

  it('rotates the key end to end: Secrets Manager holds a new key after Partnero rejects the cached one', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"apiKey":"revoked-key"}' })
      .resolves({ SecretString: JSON.stringify({ apiKey: sandbox.apiKey }) });
    const secrets = createSecretProvider({
      client: new SecretsManagerClient({}),
      secretId: 'partnero',
      ttlMs: 60_000,
    });
    const rotating = createPartneroClient({ apiKey: secrets.apiKey, baseUrl: sandbox.apiUrl, ...noWait });
    expect((await rotating.customers.get('alice')).email).toBe('alice@example.com');
    expect((await rotating.customers.get('bob')).id).toBe('bob');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    sm.restore();
  });
});
