import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ActivityRecord } from '#local/bus/activity-log.js';
import type { Delivery } from '#local/sandbox/index.js';
import { deliveryIdOf } from '#shared/webhooks/parse-delivery.js';
import { call, login, startTestSystem, waitFor } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
beforeAll(async () => {
  env = await startTestSystem();
});
afterAll(() => env.system.close());

const sandboxApi = (method: string, path: string, body?: unknown) =>
  fetch(`${env.system.urls.sandboxApi}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.system.sandboxApiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const deliveries = async (): Promise<Delivery[]> =>
  (
    (await (await fetch(`${env.system.urls.sandbox}/__sandbox/webhooks/deliveries`)).json()) as {
      deliveries: Delivery[];
    }
  ).deliveries;
type EventRecord = Extract<ActivityRecord, { kind: 'event' }>;
/** `detail.partnero` of a republished event. */
const partneroOf = (r: EventRecord) =>
  r.event.detail.partnero as {
    event: string;
    delivery_id: string;
    webhook_key: string | null;
    created_at: string | null;
  };
/** The id the webhook function gives a sandbox delivery: the hash of the body it signed and sent. */
const idOf = (d: Delivery) => deliveryIdOf(Buffer.from(d.body));
const partneroEvents = () =>
  env.system.activity
    .recent()
    .filter((r): r is EventRecord => r.kind === 'event' && r.event.source === 'partnero');

describe('Partnero webhooks through the local gateway onto the local bus', () => {
  it('turns a sandbox transaction into signed webhooks that arrive on the bus as source "partnero"', async () => {
    const alice = await login(env.system, { user_id: 'alice', email: 'alice@example.com' });
    const bob = await login(env.system, { user_id: 'bob', email: 'bob@example.com' });
    const signedUp = await call(env.system, 'POST', '/referrals/signup', { token: alice, body: {} });
    await call(env.system, 'POST', '/referrals/signup', {
      token: bob,
      body: {},
      headers: { cookie: `partnero_referral=${signedUp.body.customer.key}` },
    });

    const res = await sandboxApi('POST', '/transactions', {
      customer: { id: 'bob' },
      key: 'wh-order-1',
      amount: 200,
      action: 'sale',
    });
    expect(res.status).toBe(201);

    const published = await waitFor(
      () =>
        partneroEvents().find(
          (r) => r.event['detail-type'] === 'transaction.created' && r.event.detail.key === 'wh-order-1',
        ),
      10_000,
      'transaction.created on the bus',
    );
    expect(published.bus).toBe(env.system.busName);
    expect(published.event.detail).toMatchObject({
      key: 'wh-order-1',
      amount: 200,
      credit: false,
      partnero: { event: 'transaction.created' },
    });
    const rewarded = await waitFor(
      () =>
        partneroEvents().find(
          (r) =>
            r.event['detail-type'] === 'customer.rewarded' && r.event.detail.transaction_key === 'wh-order-1',
        ),
      10_000,
      'customer.rewarded on the bus',
    );
    expect(rewarded.event.detail).toMatchObject({
      id: 'alice',
      reward: { amount: 20, amount_units: 'usd', is_currency: true },
      partnero: { event: 'customer.rewarded' },
    });

    // The sandbox records the answer once the response is back, which may be after the event landed.
    const deliveredAs = (record: EventRecord) =>
      waitFor(
        async () =>
          (await deliveries()).find((d) => idOf(d) === partneroOf(record).delivery_id && d.delivered),
        10_000,
        `the sandbox to record ${record.event['detail-type']} as delivered`,
      );
    const delivery = await deliveredAs(published);
    expect(delivery).toMatchObject({ event: 'transaction.created', delivered: true, lastStatus: 202 });
    expect(delivery.url).toBe(
      `${env.system.urls.aws.replace(/:\d+$/, '')}:${env.system.ports.gateway}/webhooks/partnero`,
    );
    expect(delivery.signature).toBe(
      createHmac('sha256', env.system.webhookSecret).update(delivery.body).digest('hex'),
    );
    // Both come from the one subscription (one webhook_key) and both were published.
    const reward = await deliveredAs(rewarded);
    expect(reward).toMatchObject({ event: 'customer.rewarded', delivered: true, lastStatus: 202 });
    expect(reward.webhookKey).toBe(delivery.webhookKey);
    expect(partneroOf(rewarded).webhook_key).toBe(delivery.webhookKey);
    expect(partneroOf(published)).toEqual({
      event: 'transaction.created',
      delivery_id: idOf(delivery),
      webhook_key: delivery.webhookKey,
      created_at: delivery.createdAt,
    });
  });

  it('publishes a replayed delivery once', async () => {
    const delivery = (await deliveries()).find((d) => d.event === 'transaction.created' && d.delivered);
    if (!delivery) throw new Error('no delivered transaction.created');
    const before = partneroEvents().filter((r) => partneroOf(r).delivery_id === idOf(delivery)).length;
    expect(before).toBe(1);
    const replay = await fetch(
      `${env.system.urls.sandbox}/__sandbox/webhooks/deliveries/${delivery.id}/replay`,
      { method: 'POST' },
    );
    expect(((await replay.json()) as Delivery).lastStatus).toBe(200);
    expect(partneroEvents().filter((r) => partneroOf(r).delivery_id === idOf(delivery))).toHaveLength(before);
  });

  it('refuses a delivery signed with another secret (401) and publishes nothing', async () => {
    const body = JSON.stringify({
      event: 'customer.rewarded',
      url: 'https://attacker.example/hook',
      webhook_key: 'whk_forged',
      created_at: new Date().toISOString(),
      data: { key: 'mallory', reward: { amount: 1000, amount_units: 'usd', is_currency: true } },
    });
    const count = partneroEvents().length;
    const res = await call(env.system, 'POST', '/webhooks/partnero', {
      rawBody: body,
      headers: {
        'content-type': 'application/json',
        signature: createHmac('sha256', 'not-the-secret').update(body).digest('hex'),
      },
    });
    expect(res.status).toBe(401);
    expect(partneroEvents()).toHaveLength(count);

    const signed = await call(env.system, 'POST', '/webhooks/partnero', {
      rawBody: body,
      headers: {
        'content-type': 'application/json',
        signature: createHmac('sha256', env.system.webhookSecret).update(body).digest('hex'),
      },
    });
    expect(signed.status).toBe(202);
    expect(signed.body.delivery_id).toBe(deliveryIdOf(Buffer.from(body)));
    const arrived = await waitFor(
      () => partneroEvents().find((r) => partneroOf(r).delivery_id === signed.body.delivery_id),
      10_000,
      'the signed delivery on the bus',
    );
    expect(arrived.event).toMatchObject({
      'detail-type': 'customer.rewarded',
      detail: { key: 'mallory', partnero: { webhook_key: 'whk_forged' } },
    });
  });
});
