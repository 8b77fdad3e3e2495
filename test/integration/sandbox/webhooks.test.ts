import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Delivery, type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, seedReferral, waitFor } from './helpers.js';

const SECRET = 'whsec_test';

interface Received {
  body: string;
  signature: string | undefined;
}

/** A receiver that fails the first `failures` attempts of every webhook_key with a 500. */
function startReceiver(failures: () => number) {
  const received: Received[] = [];
  const attemptsByKey = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, signature: req.headers.signature as string | undefined });
      const key = (JSON.parse(body) as { webhook_key: string }).webhook_key;
      const attempts = (attemptsByKey.get(key) ?? 0) + 1;
      attemptsByKey.set(key, attempts);
      res.writeHead(attempts <= failures() ? 500 : 200).end();
    });
  });
  return new Promise<{ url: string; received: Received[]; server: Server }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hook`, received, server });
    });
  });
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
  await new Promise((resolve) => receiver.server.close(resolve));
});
beforeEach(async () => {
  failures = 0;
  receiver.received.length = 0;
  await control(sb, 'POST', 'reset');
});

describe('webhooks', () => {
  it('delivers signed events for customers, transactions, rewards and refunds', async () => {
    await seedReferral(api);
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 20, action: 'sale' });
    await api('DELETE', '/transactions/o1');

    const list = await settled(5, (d) => d.delivered);
    expect(list.map((d) => d.event)).toEqual([
      'customer.created',
      'customer.created',
      'transaction.created',
      'reward.created',
      'transaction.deleted',
    ]);
    expect(receiver.received).toHaveLength(5);
    for (const { body, signature } of receiver.received) {
      expect(signature).toBe(createHmac('sha256', SECRET).update(body).digest('hex'));
      const payload = JSON.parse(body);
      expect(Object.keys(payload).sort()).toEqual(['created_at', 'data', 'event', 'webhook_key']);
    }
    const reward = JSON.parse(
      receiver.received.find((r) => r.body.includes('"reward.created"'))?.body ?? '{}',
    );
    expect(reward.data).toMatchObject({ customer_key: 'bob', amount: 2, transaction_key: 'o1' });
    const keys = new Set(receiver.received.map((r) => JSON.parse(r.body).webhook_key));
    expect(keys.size).toBe(5);
  });

  it('retries a failing receiver with the same body and signature', async () => {
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

  it('changes targets and secret at runtime, and reset restores them', async () => {
    const other = await startReceiver(() => 0);
    try {
      const res = await control(sb, 'PUT', 'webhooks/config', { urls: [other.url], secret: 'rotated' });
      expect(res.body).toMatchObject({ urls: [other.url], secret: 'rotated' });
      await api('POST', '/customers', { key: 'alice' });
      await settled(1, (d) => d.delivered);
      const [got] = other.received;
      expect(got?.signature).toBe(
        createHmac('sha256', 'rotated')
          .update(got?.body ?? '')
          .digest('hex'),
      );
      expect(receiver.received).toHaveLength(0);

      await control(sb, 'POST', 'reset');
      expect((await control(sb, 'GET', 'webhooks/config')).body.urls).toEqual([receiver.url]);
      expect((await control(sb, 'PUT', 'webhooks/config', { urls: ['not a url'] })).status).toBe(422);
    } finally {
      await new Promise((resolve) => other.server.close(resolve));
    }
  });
});
