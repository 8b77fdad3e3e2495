/**
 * The local system against another Partnero (`npm start -- --partnero-url`): a test double written from
 * Partnero's published examples only (test/support/published-partnero.ts), not the sandbox. Every outcome
 * is asserted on the double's own state.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CliError, parseCli } from '#local/cli.js';
import { STACK_DEFAULTS } from '#local/config.js';
import { NoSandboxError } from '#local/system.js';
import { type PublishedPartnero, startPublishedPartnero } from '#test/support/published-partnero.js';
import { spawnScript } from '#test/support/spawn-script.js';
import { call, login, send, signedRequest, startTestSystem, waitFor } from './helpers.js';

let double: PublishedPartnero;
let env: Awaited<ReturnType<typeof startTestSystem>>;
let events: EventBridgeClient;
let alice: string;
let bob: string;

beforeAll(async () => {
  double = await startPublishedPartnero({
    signupReward: { amount: 50, amount_units: 'points', is_currency: false },
  });
  // What start.ts does with `--partnero-url <url>` and PARTNERO_API_KEY.
  const cli = parseCli(['--port', '0', '--aws-port', '0', '--partnero-url', double.url], {
    PARTNERO_API_KEY: double.apiKey,
  });
  env = await startTestSystem({
    port: cli.port,
    awsPort: cli.awsPort,
    ...(cli.partnero ? { partnero: cli.partnero } : {}),
  });
  events = new EventBridgeClient({});
  alice = await login(env.system, { user_id: 'alice', email: 'alice@example.com', name: 'Alice' });
  bob = await login(env.system, { user_id: 'bob', email: 'bob@example.com', name: 'Bob' });
});
afterAll(async () => {
  events?.destroy();
  await env?.system.close();
  await double?.close();
});

const iam = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  send(
    await signedRequest(env.system, method, path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(headers ? { headers } : {}),
    }),
  );

async function publishOrder(orderId: string) {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: env.system.busName,
          Source: 'shop.orders',
          DetailType: 'Order Placed',
          Detail: JSON.stringify({ orderId, customerId: 'bob', amount: 100, currency: 'USD' }),
        },
      ],
    }),
  );
  expect(out.FailedEntryCount).toBe(0);
}

describe('the local system against a Partnero that answers as published', () => {
  it('calls that Partnero with its key, and has no sandbox', () => {
    expect(env.system.partnero).toEqual({ apiUrl: double.url, sandbox: false });
    expect(env.system.urls.partneroApi).toBe(double.url);
    expect(env.system.urls.sandbox).toBeUndefined();
    expect(env.system.env.PARTNERO_API_URL).toBe(double.url);
    expect(() => env.system.sandbox).toThrow(NoSandboxError);
    expect(() => env.system.sandboxApiKey).toThrow(/does not run: this local system uses/);
  });

  it('signs Alice up, then Bob referred by her', async () => {
    const signedUp = await call(env.system, 'POST', '/referrals/signup', { token: alice, body: {} });
    expect(signedUp.status).toBe(201);
    const aliceKey = signedUp.body.customer.key;
    expect(signedUp.body.customer).toMatchObject({
      key_type: 'random',
      referral_link: `https://yoursite.com?ref=${aliceKey}`,
    });

    const referred = await call(env.system, 'POST', '/referrals/signup', {
      token: bob,
      body: {},
      headers: { cookie: `partnero_referral=${aliceKey}` },
    });
    expect(referred.status).toBe(201);
    expect(referred.body.customer.referred_by).toEqual({ key: aliceKey, name: 'Alice' });
    // Partnero holds the account id as the private id and our key as the public one.
    expect(double.customers.get('alice')).toMatchObject({
      key: aliceKey,
      email: 'alice@example.com',
      referrerId: null,
    });
    expect(double.customers.get('bob')).toMatchObject({
      key: referred.body.customer.key,
      email: 'bob@example.com',
      referrerId: 'alice',
    });
  });

  it('records a back-office transaction sent twice once, and refunds it', async () => {
    const body = { customer_key: 'bob', key: 'order-1001', amount: 100, currency: 'USD' };
    const first = await iam('POST', '/transactions', body);
    expect(first.status).toBe(201);
    expect(first.body.transactions).toEqual([{ key: 'order-1001', status: 'recorded' }]);
    const again = await iam('POST', '/transactions', body);
    expect(again.status).toBeLessThan(300);
    expect(double.transactionsWithKey('order-1001')).toHaveLength(1);
    expect(double.transactionsWithKey('order-1001')[0]).toMatchObject({
      buyerId: 'bob',
      referrerId: 'alice',
      amount: 100,
      reward: { amount: 10, amount_units: 'USD', is_currency: true },
    });

    const refund = await iam('DELETE', '/transactions/order-1001');
    expect(refund.status).toBe(200);
    expect(double.transactionsWithKey('order-1001')).toHaveLength(0);
    expect(double.deleted.map((t) => t.key)).toEqual(['order-1001']);
  });

  it('records an Order Placed event delivered twice once', async () => {
    await publishOrder('order-2001');
    await publishOrder('order-2001');
    await waitFor(
      () => double.transactionsWithKey('order-2001').length > 0 && env.system.orderQueue.depth === 0,
      30_000,
      'both deliveries consumed',
    );
    expect(env.system.deadLetterQueue.depth).toBe(0);
    expect(double.transactionsWithKey('order-2001')).toHaveLength(1);
    expect(double.transactionsWithKey('order-2001')[0]).toMatchObject({
      buyerId: 'bob',
      referrerId: 'alice',
    });
  });

  it('credits Alice once for a request sent twice with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'credit-alice-0001' };
    const body = { amount: 5, currency: 'USD', is_currency: true };
    const first = await iam('POST', '/customers/alice/credit', body, headers);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customer_id: 'alice', credited: { amount: 5, currency: 'usd' } });
    const again = await iam('POST', '/customers/alice/credit', body, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(double.credits).toEqual([
      {
        customerId: 'alice',
        unit: { amount: 5, amount_units: 'USD', is_currency: true },
        createdAt: expect.any(String),
      },
    ]);
  });

  it('shows Alice every balance unit the double holds: money and points', async () => {
    expect(double.balanceOf('alice')).toEqual(
      expect.arrayContaining([
        { amount: 50, amount_units: 'points', is_currency: false },
        { amount: 15, amount_units: 'USD', is_currency: true },
      ]),
    );
    const me = await call(env.system, 'GET', '/referrals/me', { token: alice });
    expect(me.status).toBe(200);
    expect(me.body.balances).toHaveLength(2);
    expect(me.body.balances).toEqual(
      expect.arrayContaining(
        double
          .balanceOf('alice')
          .map((u) => ({ amount: u.amount, unit: u.amount_units, is_currency: u.is_currency })),
      ),
    );
    expect(me.body.referrals.total).toBe(1);
    expect(me.body.stats.referrals).toBe(1);
  });

  it('answers a back-office transaction for a customer nobody referred, or nobody knows, as such', async () => {
    const notReferred = await iam('POST', '/transactions', {
      customer_key: 'alice',
      key: 'order-3001',
      amount: 10,
      currency: 'USD',
    });
    const unknown = await iam('POST', '/transactions', {
      customer_key: 'carol',
      key: 'order-3002',
      amount: 10,
      currency: 'USD',
    });
    expect([notReferred.status, notReferred.body.error?.code]).toEqual([422, 'not_referred']);
    expect([unknown.status, unknown.body.error?.code]).toEqual([422, 'unknown_customer']);
    expect(double.transactions.filter((t) => t.key.startsWith('order-300'))).toEqual([]);
  });

  it('serves the demo page, which names that Partnero and knows there is no sandbox', async () => {
    const page = await fetch(env.system.urls.demo);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(double.url);
    const config = await call(env.system, 'GET', '/local/config');
    expect(config.body).toMatchObject({ sandboxUrl: null, partneroApiUrl: double.url });
  });

  it('never subscribes, lists or fakes webhooks there', () => {
    expect(double.requests.filter((r) => r.includes('/webhooks'))).toEqual([]);
    const fromPartnero = env.system.activity
      .recent(0, 500)
      .filter(
        (r) => (r as { event?: { source?: string } }).event?.source === STACK_DEFAULTS.webhookEventSource,
      );
    expect(fromPartnero).toEqual([]);
  });
});

describe('the published-Partnero double itself', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the double's JSON answers field by field
  type Answer = { status: number; body: Record<string, any> };
  const api = (method: string, path: string, body?: unknown, key = double.apiKey): Promise<Answer> =>
    fetch(`${double.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Answer['body'] }));

  it('answers as the published examples show: 401, 404, 422, repeated keys, delete', async () => {
    expect((await api('GET', '/customers/alice', undefined, 'wrong')).status).toBe(401);
    expect((await api('GET', '/customers/nobody')).status).toBe(404);
    expect((await api('GET', '/nowhere')).status).toBe(404);
    const alice = await api('GET', '/customers/alice');
    expect(alice.body.status).toBe(1);
    expect(alice.body.data).not.toHaveProperty('key');
    expect(alice.body.data.referral_links.every((l: unknown) => typeof l === 'string')).toBe(true);
    const sale = { customer: { id: 'bob' }, key: 'dup-1', amount: 20, action: 'sale', amount_units: 'usd' };
    const created = await api('POST', '/transactions', sale);
    expect(created.body.data).toMatchObject({ customer: 'alice', referred_customer: 'bob', credit: false });
    await api('POST', '/transactions', sale);
    expect((await api('GET', '/transactions?key=dup-1')).body.meta.total).toBe(2);
    expect(await api('DELETE', '/transactions/dup-1')).toEqual({ status: 200, body: { status: 1 } });
    expect(await api('DELETE', '/transactions/dup-1')).toEqual({ status: 200, body: { status: 1 } });
    expect((await api('DELETE', '/transactions/dup-1')).status).toBe(404);
    const notReferred = await api('POST', '/transactions', { ...sale, customer: { id: 'alice' } });
    expect(notReferred.status).toBe(422);
    expect(notReferred.body.errors).toHaveProperty('customer');
    expect(
      (await api('POST', '/transactions', { ...sale, customer: { key: 'zed' } })).body.errors,
    ).toHaveProperty(['customer.key']);
  });
});

describe('--partnero-url on the command line', () => {
  const url = 'https://api.partnero.com/v1';

  it('takes the URL from the flag and the key from PARTNERO_API_KEY only', () => {
    expect(parseCli(['--partnero-url', `${url}/`], { PARTNERO_API_KEY: ' key_1 ' }).partnero).toEqual({
      apiUrl: url,
      apiKey: 'key_1',
    });
    expect(parseCli([`--partnero-url=${url}`], { PARTNERO_API_KEY: 'k' }).partnero?.apiUrl).toBe(url);
    expect(parseCli([], { PARTNERO_API_KEY: 'k' }).partnero).toBeUndefined();
    expect(() => parseCli(['--partnero-url', url, '--partnero-key', 'k'], {})).toThrow(/Unknown option/);
  });

  it('fails in one line, without the usage text, when PARTNERO_API_KEY is missing', () => {
    for (const env of [{}, { PARTNERO_API_KEY: '  ' }]) {
      const error = (() => {
        try {
          parseCli(['--partnero-url', url], env);
        } catch (e) {
          return e;
        }
      })() as CliError;
      expect(error).toBeInstanceOf(CliError);
      expect(error.showUsage).toBe(false);
      expect(error.message).not.toContain('\n');
      expect(error.message).toContain('PARTNERO_API_KEY');
    }
  });

  it('refuses URLs that are no API base and sandbox flags, and ignores SANDBOX_STATE_FILE', () => {
    const env = { PARTNERO_API_KEY: 'k' };
    for (const bad of ['api.partnero.com/v1', 'ftp://x/v1', `${url}?key=k`, '']) {
      expect(() => parseCli(['--partnero-url', bad], env)).toThrow(/--partnero-url must be/);
    }
    expect(() => parseCli(['--partnero-url'], env)).toThrow(CliError);
    expect(() => parseCli(['--partnero-url', url, '--persist'], env)).toThrow(/--persist .*does not run/);
    expect(() => parseCli(['--sandbox-port', '0', '--partnero-url', url], env)).toThrow(/--sandbox-port/);
    expect(
      parseCli(['--partnero-url', url], { ...env, SANDBOX_STATE_FILE: 'x.json' }).stateFile,
    ).toBeUndefined();
  });
});

describe('npm start -- --partnero-url', () => {
  const start = (args: string[], extra: NodeJS.ProcessEnv) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...extra };
    if (!extra.PARTNERO_API_KEY) delete childEnv.PARTNERO_API_KEY;
    return spawnScript('local/start.ts', args, childEnv);
  };

  it('refuses to start without PARTNERO_API_KEY, in one line', async () => {
    const proc = start(
      ['--port', '0', '--aws-port', '0', '--partnero-url', 'https://api.partnero.com/v1'],
      {},
    );
    expect(await proc.exited).toBe(2);
    expect(proc.err().trim().split('\n')).toEqual([expect.stringMatching(/PARTNERO_API_KEY/)]);
  });

  it('names the Partnero in use, warns about real transactions and says how webhooks get there', async () => {
    const proc = start(
      ['--port', '0', '--aws-port', '0', '--quiet', '--outputs', '', '--partnero-url', double.url],
      {
        PARTNERO_API_KEY: double.apiKey,
      },
    );
    try {
      const text = await waitFor(
        async () => {
          const code = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(r, 50))]);
          if (code !== undefined) throw new Error(`exited early (${code}): ${proc.err()}`);
          return proc.out().includes('Try it:') ? proc.out() : undefined;
        },
        30_000,
        'the banner',
      );
      expect(text).toContain(double.url);
      expect(text).toContain('REAL transactions');
      expect(text).toContain('test program');
      expect(text).toMatch(/tunnel/);
      expect(text).toContain('/webhooks/partnero');
      expect(text).not.toContain(double.apiKey);
      expect(text).not.toContain('Partnero sandbox');
    } finally {
      proc.child.kill('SIGINT');
      expect(await proc.exited).toBe(0);
    }
  });
});
