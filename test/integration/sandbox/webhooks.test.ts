import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Delivery, type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, type Json, seedReferral, waitFor } from './helpers.js';

const SECRET = 'whsec_test';

interface Received {
  body: string;
  signature: string | undefined;
}

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** A receiver that fails the first `failures()` attempts of every distinct body with a 500. */
function startReceiver(failures: () => number = () => 0) {
  const received: Received[] = [];
  const attemptsByBody = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, signature: req.headers.signature as string | undefined });
      const attempts = (attemptsByBody.get(body) ?? 0) + 1;
      attemptsByBody.set(body, attempts);
      res.writeHead(attempts <= failures() ? 500 : 200).end();
    });
  });
  return new Promise<{ url: string; received: Received[]; server: Server; close: () => Promise<void> }>(
    (resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const close = () => new Promise<void>((done) => server.close(() => done()));
        resolve({ url: `http://127.0.0.1:${port}/hook`, received, server, close });
      });
    },
  );
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let failures = 0;
let sb: RunningSandbox;
let api: ReturnType<typeof apiClient>;

const deliveries = async (): Promise<Delivery[]> =>
  (await control(sb, 'GET', 'webhooks/deliveries')).body.deliveries;

const settled = (expected: number, done: (d: Delivery) => boolean) =>
  waitFor(async () => {
    const list = await deliveries();
    return list.length === expected && list.every(done) ? list : undefined;
  });

beforeAll(async () => {
  receiver = await startReceiver(() => failures);
  sb = await startSandbox({
    port: 0,
    webhooks: { urls: [receiver.url], secret: SECRET, maxAttempts: 4, baseDelayMs: 10 },
  });
  api = apiClient(sb);
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
beforeEach(async () => {
  failures = 0;
  receiver.received.length = 0;
  await control(sb, 'POST', 'reset');
});

describe('webhook subscriptions API', () => {
  const hook = { name: 'crm', url: 'https://example.com/hooks/partnero', events: ['transaction.created'] };

  it('creates, lists, reads and deletes a subscription', async () => {
    const created = await api('POST', '/webhooks', { ...hook, is_active: false });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      status: 1,
      data: {
        key: expect.any(String),
        name: 'crm',
        url: 'https://example.com/hooks/partnero',
        events: ['transaction.created'],
        is_active: false,
        signature: expect.any(String),
        created_at: expect.any(String),
      },
    });
    const { key, signature } = created.body.data;
    expect(signature.length).toBeGreaterThanOrEqual(32);

    const list = await api('GET', '/webhooks');
    expect(list.body.meta).toMatchObject({ total: 2, per_page: 10 });
    const all = list.body.data;
    expect(all[1]).toEqual(created.body.data);
    expect(all[0]).toMatchObject({ url: receiver.url, signature: SECRET, is_active: true });
    expect(all[0].events).toHaveLength(7);

    expect((await api('GET', `/webhooks/${key}`)).body.data).toEqual(created.body.data);
    expect((await api('DELETE', `/webhooks/${key}`)).status).toBe(204);
    expect((await api('GET', `/webhooks/${key}`)).status).toBe(404);
    expect((await api('DELETE', `/webhooks/${key}`)).status).toBe(404);
    expect((await api('GET', '/webhooks')).body.meta.total).toBe(1);
  });

  it('pages with limit 10–100 (default 10), unlike the other lists, and refuses a limit outside it', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) {
      keys.push((await api('POST', '/webhooks', { ...hook, name: `hook-${i}` })).body.data.key);
    }
    const first = await api('GET', '/webhooks');
    expect(first.body.meta).toMatchObject({ total: 11, per_page: 10, current_page: 1, last_page: 2 });
    expect(first.body.links.next).toBe(`${sb.apiUrl}/webhooks?page=2`);
    const second = await api('GET', '/webhooks?limit=10&page=2');
    expect(second.body.data.map((w: { key: string }) => w.key)).toEqual([keys[9]]);
    expect((await api('GET', '/webhooks?limit=100')).body.meta).toMatchObject({
      per_page: 100,
      last_page: 1,
    });

    for (const limit of ['1', '9', '101', '250', 'abc']) {
      const res = await api('GET', `/webhooks?limit=${limit}`);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual({ limit: ['The limit must be an integer between 10 and 100.'] });
    }
  });

  it('requires the API key', async () => {
    expect((await apiClient(sb, null)('GET', '/webhooks')).status).toBe(401);
    expect((await apiClient(sb, 'wrong')('POST', '/webhooks', hook)).status).toBe(401);
  });

  it('validates name, url and refer-a-friend event names, Laravel style', async () => {
    const missing = await api('POST', '/webhooks', {});
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.errors).sort()).toEqual(['events', 'name', 'url']);

    for (const url of ['ftp://example.com/x', '/relative', 'not a url']) {
      const res = await api('POST', '/webhooks', { ...hook, url });
      expect(res.body.errors).toEqual({ url: ['The url must be a valid URL.'] });
    }
    expect((await api('POST', '/webhooks', { ...hook, events: [] })).body.errors.events).toBeDefined();
    const events = ['reward.created', 'customer.created', 'partner.created', 42];
    const wrong = await api('POST', '/webhooks', { ...hook, events });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({
      'events.0': ['The selected events.0 is invalid.'],
      'events.2': ['The selected events.2 is invalid.'],
      'events.3': ['The selected events.3 is invalid.'],
    });
    expect(
      (await api('POST', '/webhooks', { ...hook, is_active: 'yes' })).body.errors.is_active,
    ).toBeDefined();
    expect((await api('GET', '/webhooks')).body.meta.total).toBe(1);
  });
});

describe('deliveries', () => {
  it('sends every refer-a-friend event as {event, url, webhook_key, created_at, data}, signed', async () => {
    await seedReferral(api);
    await api('PUT', '/customers/alice', { update: { name: 'Alicia' } });
    await api('POST', '/customers/bob/balance/credit', { amount: 1, amount_units: 'usd', is_currency: true });
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 20, action: 'sale' });
    await api('DELETE', '/transactions/o1');
    await api('DELETE', '/customers/alice');

    const list = await settled(8, (d) => d.delivered);
    const [subscription] = (await api('GET', '/webhooks')).body.data;
    // Deliveries travel in parallel, so the receiver may see them in another order than emitted.
    expect(receiver.received.map((r) => r.body).sort()).toEqual(list.map((d) => d.body).sort());
    const bodies: Json[] = list.map((d) => JSON.parse(d.body));
    expect(bodies.map((b) => b.event)).toEqual([
      'customer.created',
      'customer.created',
      'customer.updated',
      'customer.credited',
      'transaction.created',
      'customer.rewarded',
      'transaction.deleted',
      'customer.deleted',
    ]);
    for (const { body, signature } of receiver.received) {
      expect(signature).toBe(hmac(SECRET, body));
      expect(Object.keys(JSON.parse(body))).toEqual(['event', 'url', 'webhook_key', 'created_at', 'data']);
    }
    // webhook_key names the subscription: the same on every delivery, not a delivery id.
    expect(new Set(bodies.map((b) => b.webhook_key))).toEqual(new Set([subscription.key]));
    expect(new Set(bodies.map((b) => b.url))).toEqual(new Set([receiver.url]));

    const byEvent = (event: string) => bodies.find((b) => b.event === event)?.data;
    // Customer data is the published customer object: `id`, no `key`, the key only inside the link.
    for (const event of ['customer.created', 'customer.updated', 'customer.credited', 'customer.rewarded']) {
      expect(byEvent(event)).not.toHaveProperty('key');
    }
    expect(byEvent('customer.updated')).toMatchObject({
      id: 'acct_42',
      name: 'Alicia',
      referral_link: 'http://localhost:3000/?ref=alice',
      referring_customer: { id: 'acct_7', email: 'bob@example.com', name: 'Bob' },
    });
    expect(byEvent('customer.credited')).toMatchObject({
      id: 'acct_7',
      credit: { amount: 1, amount_units: 'usd', is_currency: true },
      balance: {
        customer: expect.objectContaining({ id: 'acct_7' }),
        balance: { currency: [{ amount: 1, amount_units: 'USD', is_currency: true }] },
      },
    });
    expect(byEvent('transaction.created')).toEqual({
      key: 'o1',
      action: 'sale',
      amount: 20,
      amount_units: 'usd',
      is_currency: true,
      customer: 'acct_7',
      referred_customer: 'acct_42',
      credit: false,
      rewards: [],
      created_at: expect.any(String),
    });
    expect(byEvent('customer.rewarded')).toMatchObject({
      id: 'acct_7',
      referral_link: 'http://localhost:3000/?ref=bob',
      reward: { amount: 2, amount_units: 'usd' },
      transaction_key: 'o1',
    });
    expect(byEvent('transaction.deleted')).toEqual(byEvent('transaction.created'));
    expect(byEvent('customer.deleted')).toMatchObject({ id: 'acct_42', status: 'deleted' });
  });

  it('emits customer.rewarded once per transaction, repeated keys included', async () => {
    await seedReferral(api);
    const sale = { customer: { key: 'alice' }, key: 'o1', amount: 10, action: 'sale' };
    await api('POST', '/transactions', sale);
    await api('POST', '/transactions', sale);
    const list = await settled(6, (d) => d.delivered);
    expect(list.filter((d) => d.event === 'customer.rewarded')).toHaveLength(2);
    expect(list.filter((d) => d.event === 'transaction.created')).toHaveLength(2);
  });

  it('delivers only subscribed events of active subscriptions, signed with their own secret', async () => {
    const other = await startReceiver();
    try {
      const make = (events: string[], isActive: boolean) =>
        api('POST', '/webhooks', { name: 'n', url: other.url, events, is_active: isActive });
      const active = (await make(['transaction.created'], true)).body.data;
      await make(['customer.created', 'transaction.created'], false);

      await seedReferral(api);
      await api('POST', '/transactions', {
        customer: { key: 'alice' },
        key: 'o1',
        amount: 5,
        action: 'sale',
      });
      const list = await settled(5, (d) => d.delivered);
      expect(list.filter((d) => d.url === other.url).map((d) => d.event)).toEqual(['transaction.created']);

      expect(other.received).toHaveLength(1);
      const [got] = other.received;
      expect(got?.signature).toBe(hmac(active.signature, got?.body ?? ''));
      expect(JSON.parse(got?.body ?? '{}')).toMatchObject({ webhook_key: active.key, url: other.url });
    } finally {
      await other.close();
    }
  });

  it('retries a failing receiver with the identical bytes and the original created_at', async () => {
    failures = 2;
    await api('POST', '/customers', { key: 'alice' });
    const [delivery] = await settled(1, (d) => d.delivered);
    expect(delivery).toMatchObject({
      attempts: 3,
      lastStatus: 200,
      delivered: true,
      event: 'customer.created',
    });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => `${r.signature}|${r.body}`)).size).toBe(1);
    expect(JSON.parse(receiver.received[2]?.body ?? '{}').created_at).toBe(delivery?.createdAt);
  });

  it('gives up after maxAttempts', async () => {
    failures = 100;
    await api('POST', '/customers', { key: 'alice' });
    const [delivery] = await settled(1, (d) => d.attempts === 4);
    expect(delivery).toMatchObject({ delivered: false, lastStatus: 500 });
  });

  it('replays a delivery on demand', async () => {
    await api('POST', '/customers', { key: 'alice' });
    const [delivery] = await settled(1, (d) => d.delivered);
    const replayed = await control(sb, 'POST', `webhooks/deliveries/${delivery?.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: delivery?.id, attempts: 2, delivered: true });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]).toEqual(receiver.received[0]);
    expect((await control(sb, 'POST', 'webhooks/deliveries/nope/replay')).status).toBe(404);
  });

  it('replaces the option subscriptions through the config control, and reset restores them', async () => {
    const other = await startReceiver();
    try {
      const res = await control(sb, 'PUT', 'webhooks/config', { urls: [other.url], secret: 'rotated' });
      expect(res.body).toMatchObject({ urls: [other.url], secret: 'rotated', maxAttempts: 4 });
      const subscriptions = (await api('GET', '/webhooks')).body.data;
      expect(subscriptions).toEqual([expect.objectContaining({ url: other.url, signature: 'rotated' })]);

      await api('POST', '/customers', { key: 'alice' });
      await settled(1, (d) => d.delivered);
      const [got] = other.received;
      expect(got?.signature).toBe(hmac('rotated', got?.body ?? ''));
      expect(receiver.received).toHaveLength(0);

      sb.reset();
      expect((await control(sb, 'GET', 'webhooks/config')).body.urls).toEqual([receiver.url]);
      expect((await api('GET', '/webhooks')).body.data.map((w: { url: string }) => w.url)).toEqual([
        receiver.url,
      ]);
      expect((await control(sb, 'PUT', 'webhooks/config', { urls: ['not a url'] })).status).toBe(422);
    } finally {
      await other.close();
    }
  });
});
