import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler } from '#functions/me.js';
import { createPartneroClient, nodeHttpTransport, type PartneroFetch } from '#shared/partnero/index.js';
import { createPartneroLimiter } from '#shared/quota/limiter.js';
import { dynamoQuotaStore } from '#shared/quota/store.js';
import {
  cachedDashboard,
  type DashboardCache,
  DynamoDashboardCache,
  dashboardAccountsOf,
  invalidateDashboards,
} from '#shared/referrals/dashboard-cache.js';
import { answer, jwtEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import { handlerSandbox } from '#test/support/sandbox.js';

let dynamo: LocalDynamo;
let env: Awaited<ReturnType<typeof handlerSandbox>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  env = await handlerSandbox();
});
afterAll(async () => {
  await dynamo.close();
  await env.sandbox.close();
});
beforeEach(async () => {
  dynamo.reset();
  await env.reset();
});

const http = nodeHttpTransport();
const FROZEN = (Math.floor(Date.now() / 60_000) + 1) * 60_000 + 1000;
const keys = { keyOf: async () => undefined };

/** The dashboard route with the budget and the cache, counting the Partnero calls it sends. */
function route(options: { perMinute?: number; cacheSeconds?: number; now?: () => number } = {}) {
  const sent: string[] = [];
  const counting: PartneroFetch = (input, init) => {
    sent.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return http(input, init);
  };
  const limiter = createPartneroLimiter({
    callsPerSecond: 1000,
    moneyShare: 0.5,
    customerCallsPerMinute: options.perMinute ?? 60,
    pool: 'customer',
    store: dynamoQuotaStore(dynamo.client(), TEST_TABLES.quota),
    // One fixed moment, well inside a minute: the per-minute count never meets a minute boundary.
    clock: { now: () => FROZEN, sleep: async () => {} },
  });
  const partnero = createPartneroClient({
    apiKey: env.sandbox.apiKey,
    baseUrl: env.sandbox.apiUrl,
    fetch: counting,
    limiter,
  });
  const cache = new DynamoDashboardCache({
    client: dynamo.client(),
    tableName: TEST_TABLES.quota,
    ttlSeconds: options.cacheSeconds ?? 30,
    ...(options.now ? { now: options.now } : {}),
  });
  const handler = createHandler(() => ({ partnero, keys, identity: { keyClaim: 'sub' }, cache }));
  const me = async (sub: string, page = 1) =>
    answer(
      await handler(
        jwtEvent({ sub }, { method: 'GET', path: '/referrals/me', query: { page: String(page) } }),
        lambdaContext(),
      ),
    );
  return { me, sent, cache };
}

describe('GET /referrals/me under the budget', () => {
  it('answers the caller who used up their own share 429 with Retry-After; others are served', async () => {
    await env.createCustomer({ id: 'mallory', key: 'mallory', email: 'm@example.com' });
    await env.createCustomer({ id: 'alice', key: 'alice', email: 'a@example.com' });
    // 8 calls a minute: two dashboards (4 Partnero calls each); every page is a new cache entry.
    const { me, sent } = route({ perMinute: 8 });
    expect((await me('mallory', 1)).status).toBe(200);
    expect((await me('mallory', 2)).status).toBe(200);
    const before = sent.length;
    const refused = await me('mallory', 3);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Refused before anything was sent to Partnero; the message names no call of ours.
    expect(sent.length).toBe(before);
    expect(JSON.stringify(refused.body)).not.toMatch(/customers|GET/);
    expect((await me('alice')).status).toBe(200);
  });
});

describe('the dashboard cache', () => {
  it('serves a hit without any Partnero call, per page', async () => {
    await env.createCustomer({ id: 'alice', key: 'alice', email: 'a@example.com' });
    const { me, sent } = route();
    const first = await me('alice');
    expect(sent).toHaveLength(4);
    const second = await me('alice');
    expect(second.body).toEqual(first.body);
    expect(sent).toHaveLength(4);
    await me('alice', 2);
    expect(sent).toHaveLength(8);
  });

  it('is stale after its TTL', async () => {
    await env.createCustomer({ id: 'alice', key: 'alice', email: 'a@example.com' });
    let t = Date.now();
    const { me, sent } = route({ cacheSeconds: 30, now: () => t });
    await me('alice');
    t += 29_999;
    await me('alice');
    expect(sent).toHaveLength(4);
    t += 1;
    await me('alice');
    expect(sent).toHaveLength(8);
  });

  it('is invalidated for the accounts named, and only those, from another container', async () => {
    await env.createCustomer({ id: 'alice', key: 'alice', email: 'a@example.com' });
    await env.createCustomer({ id: 'bob', key: 'bob', email: 'b@example.com' });
    const { me, sent } = route();
    await me('alice');
    await me('bob');
    await env.api('POST', '/customers/alice/balance/credit', {
      amount: 5,
      amount_units: 'usd',
      is_currency: true,
    });
    await withAwsEnv(() =>
      invalidateDashboards(['alice', null, ''], { QUOTA_TABLE_NAME: TEST_TABLES.quota }),
    );
    const alice = await me('alice');
    await me('bob');
    expect(sent).toHaveLength(12);
    expect(alice.body.balances).toEqual([{ amount: 5, unit: 'USD', is_currency: true }]);
  });

  it('does not store a page loaded before an invalidation (it would be stale)', async () => {
    const { cache } = route();
    const store = cache as DashboardCache;
    const loaded = await cachedDashboard(store, 'carol', 1, async () => {
      // The credit lands and invalidates while this load is on its way.
      await store.invalidate(['carol']);
      return { balance: 'old' };
    });
    expect(loaded).toEqual({ balance: 'old' });
    expect(await store.get('carol', 1)).toEqual({ hit: false, gen: 1 });
    await cachedDashboard(store, 'carol', 1, async () => ({ balance: 'new' }));
    expect(await store.get('carol', 1)).toEqual({ hit: true, value: { balance: 'new' } });
  });

  it('is a no-op without a table, and never throws when DynamoDB fails', async () => {
    await expect(invalidateDashboards(['alice'], {})).resolves.toBeUndefined();
    await expect(
      withAwsEnv(() => invalidateDashboards(['alice'], { QUOTA_TABLE_NAME: 'no-such-table' })),
    ).resolves.toBeUndefined();
  });
});

/** Runs `work` with the SDK (a client built from the environment) pointed at the local DynamoDB. */
async function withAwsEnv<T>(work: () => Promise<T>): Promise<T> {
  const vars: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('the accounts a webhook delivery makes stale', () => {
  const body = (event: string, data: unknown) => JSON.stringify({ event, webhook_key: 'w', data });
  it('names the customer of a reward or credit and the referrer of a transaction', () => {
    expect(dashboardAccountsOf(body('customer.rewarded', { id: 'acct_42', key: 'k' }))).toEqual(['acct_42']);
    expect(dashboardAccountsOf(body('customer.credited', { id: 'acct_42' }))).toEqual(['acct_42']);
    expect(dashboardAccountsOf(body('transaction.created', { customer: 'acct_42' }))).toEqual(['acct_42']);
    expect(
      dashboardAccountsOf(body('transaction.deleted', { customer: { id: 'acct_7', key: 'b' } })),
    ).toEqual(['acct_7']);
  });
  it('names none for other events or unreadable bodies', () => {
    expect(dashboardAccountsOf(body('customer.created', { id: 'acct_42' }))).toEqual([]);
    expect(dashboardAccountsOf(body('transaction.created', { customer: null }))).toEqual([]);
    expect(dashboardAccountsOf('not json')).toEqual([]);
    expect(dashboardAccountsOf('null')).toEqual([]);
  });
});
