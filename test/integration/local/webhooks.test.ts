import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ActivityRecord } from '#local/bus/activity-log.js';
import type { Delivery } from '#local/sandbox/index.js';
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
const deliveryIdOf = (r: Extract<ActivityRecord, { kind: 'event' }>) =>
  (r.event.detail.partnero as { delivery_id?: string } | undefined)?.delivery_id;
const partneroEvents = () =>
  env.system.activity
    .recent()
    .filter(
      (r): r is Extract<ActivityRecord, { kind: 'event' }> =>
        r.kind === 'event' && r.event.source === 'partnero',
    );

describe('Partnero webhooks through the local gateway onto the local bus', () => {
  it('turns a sandbox transaction into signed webhooks that arrive on the bus as source "partnero"', async () => {
    const alice = await login(env.system, { user_id: 'alice', email: 'alice@example.com' });
    const bob = await login(env.system, { user_id: 'bob', email: 'bob@example.com' });
    await call(env.system, 'POST', '/referrals/signup', { token: alice, body: {} });
    await call(env.system, 'POST', '/referrals/signup', {
      token: bob,
      body: {},
      headers: { cookie: 'partnero_referral=alice' },
    });

    const res = await sandboxApi('POST', '/transactions', {
      customer: { key: 'bob' },
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
      credit: 20,
      partnero: { event: 'transaction.created' },
    });
    await waitFor(
      () =>
        partneroEvents().find(
          (r) =>
            r.event['detail-type'] === 'reward.created' && r.event.detail.transaction_key === 'wh-order-1',
        ),
      10_000,
      'reward.created on the bus',
    );

    const delivery = (await deliveries()).find((d) => d.id === deliveryIdOf(published));
    expect(delivery).toMatchObject({ event: 'transaction.created', delivered: true, lastStatus: 202 });
    expect(delivery?.url).toBe(
      `${env.system.urls.aws.replace(/:\d+$/, '')}:${env.system.ports.gateway}/webhooks/partnero`,
    );
    expect(delivery?.signature).toBe(
      createHmac('sha256', env.system.webhookSecret)
        .update(delivery?.body ?? '')
        .digest('hex'),
    );
  });

  it('publishes a replayed delivery once', async () => {
    const delivery = (await deliveries()).find((d) => d.event === 'transaction.created' && d.delivered);
    const before = partneroEvents().filter((r) => deliveryIdOf(r) === delivery?.id).length;
    const replay = await fetch(
      `${env.system.urls.sandbox}/__sandbox/webhooks/deliveries/${delivery?.id}/replay`,
      { method: 'POST' },
    );
    expect(((await replay.json()) as Delivery).lastStatus).toBe(200);
    expect(partneroEvents().filter((r) => deliveryIdOf(r) === delivery?.id)).toHaveLength(before);
  });

  it('refuses a delivery signed with another secret (401) and publishes nothing', async () => {
    const body = JSON.stringify({
      event: 'reward.approved',
      data: { id: 1 },
      created_at: new Date().toISOString(),
      webhook_key: 'forged-1',
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
    expect(partneroEvents().at(-1)?.event).toMatchObject({
      'detail-type': 'reward.approved',
      detail: { id: 1 },
    });
  });
});
