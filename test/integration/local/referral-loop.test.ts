import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { call, login, startTestSystem, waitFor } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
let events: EventBridgeClient;
let aliceToken: string;
let bobToken: string;
beforeAll(async () => {
  env = await startTestSystem();
  events = new EventBridgeClient({});
  aliceToken = await login(env.system, { user_id: 'alice', email: 'alice@example.com', name: 'Alice' });
  bobToken = await login(env.system, { user_id: 'bob', email: 'bob@example.com', name: 'Bob' });
});
afterAll(async () => {
  events.destroy();
  await env.system.close();
});

/** What an order system does: PutEvents on the project's bus with the real SDK client. */
async function publishOrder(detailType: string, detail: Record<string, unknown>) {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: env.system.busName,
          Source: 'shop.orders',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(out.FailedEntryCount).toBe(0);
  return out.Entries?.[0]?.EventId as string;
}

const dashboard = async (token: string) => {
  const res = await call(env.system, 'GET', '/referrals/me', { token });
  if (res.status !== 200) throw new Error(`dashboard answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
};
/** The dashboard's money balance (one currency in these tests). */
const balanceOf = async (token: string) =>
  ((await dashboard(token)).balances as { amount: number; is_currency: boolean }[])
    .filter((u) => u.is_currency)
    .reduce((sum, u) => sum + u.amount, 0);

describe('the refer-a-friend loop, end to end over HTTP', () => {
  it('signs Alice up, then Bob through the referral cookie', async () => {
    const alice = await call(env.system, 'POST', '/referrals/signup', { token: aliceToken, body: {} });
    expect(alice.status).toBe(201);
    const aliceKey = alice.body.customer.key;
    expect(alice.body.customer.referral_link).toBe(`${env.system.urls.demo}?ref=${aliceKey}`);

    const bob = await call(env.system, 'POST', '/referrals/signup', {
      token: bobToken,
      body: {},
      headers: { cookie: `partnero_referral=${aliceKey}` },
    });
    expect(bob.status).toBe(201);
    expect(bob.body.customer.referred_by).toMatchObject({ key: aliceKey });
    expect((await dashboard(aliceToken)).stats).toMatchObject({ signups: 1, referrals: 1 });
  });

  it('turns Bob’s Order Placed event into Alice’s reward, and his refund takes it back', async () => {
    const before = await balanceOf(aliceToken);
    const eventId = await publishOrder('Order Placed', {
      orderId: 'loop-1',
      customerId: 'bob',
      amount: 100,
      currency: 'USD',
    });

    const reward = await waitFor(
      async () => {
        const balance = await balanceOf(aliceToken);
        return balance > before ? balance : undefined;
      },
      10_000,
      'the reward in /referrals/me',
    );
    expect(reward - before).toBe(10);
    expect((await dashboard(aliceToken)).stats.paid_referrals).toBe(1);

    // The consumer got the whole EventBridge event as the SQS message body.
    const consumed = env.invocations.find(
      (i) =>
        i.fn === 'orderConsumer' &&
        (i.event as unknown as SQSEvent).Records.some((r) => JSON.parse(r.body).id === eventId),
    );
    const record = ((consumed?.event ?? { Records: [] }) as unknown as SQSEvent).Records.find(
      (r) => JSON.parse(r.body).id === eventId,
    );
    expect(JSON.parse(record?.body ?? '{}')).toMatchObject({
      'detail-type': 'Order Placed',
      source: 'shop.orders',
      detail: { orderId: 'loop-1', customerId: 'bob', amount: 100 },
    });
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: env.system.orderQueue.arn });

    await publishOrder('Order Refunded', { orderId: 'loop-1' });
    await waitFor(
      async () => ((await balanceOf(aliceToken)) === before ? true : undefined),
      10_000,
      'the balance back',
    );
  });

  it('does the same for orders placed from the demo page (POST /local/orders)', async () => {
    const before = await balanceOf(aliceToken);
    const placed = await call(env.system, 'POST', '/local/orders', {
      token: bobToken,
      body: { amount: 50, currency: 'USD' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ customerId: 'bob', amount: 50, status: 'placed' });
    await waitFor(
      async () => ((await balanceOf(aliceToken)) === before + 5 ? true : undefined),
      10_000,
      'the 5 USD reward',
    );

    const orderId = placed.body.order.orderId as string;
    expect(
      (await call(env.system, 'POST', `/local/orders/${orderId}/refund`, { token: aliceToken })).status,
    ).toBe(404);
    const refunded = await call(env.system, 'POST', `/local/orders/${orderId}/refund`, { token: bobToken });
    expect(refunded.body.order.status).toBe('refunded');
    expect(
      (await call(env.system, 'POST', `/local/orders/${orderId}/refund`, { token: bobToken })).status,
    ).toBe(409);
    await waitFor(
      async () => ((await balanceOf(aliceToken)) === before ? true : undefined),
      10_000,
      'the balance back',
    );
    expect(
      (await call(env.system, 'GET', '/local/orders', { token: bobToken })).body.orders[0],
    ).toMatchObject({ orderId, status: 'refunded' });
  });

  it('parks an order event the consumer can never process in the DLQ, with the reason', async () => {
    const eventId = await publishOrder('Order Placed', {
      orderId: 'loop-bad',
      customerId: 'bob',
      currency: 'USD',
    });
    const parked = await waitFor(
      () => env.system.deadLetterQueue.list().find((m) => JSON.parse(m.body).id === eventId),
      10_000,
      'the parked message',
    );
    expect(parked.messageAttributes.failure_code?.StringValue).toBeTruthy();
    expect(parked.messageAttributes.failure_reason?.StringValue).toContain('amount');
    expect(parked.messageAttributes.original_message_id?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
    // Parked, not failed: the order queue does not redeliver it.
    await waitFor(() => env.system.orderQueue.depth === 0, 25_000, 'the queue to be empty');
  });

  it('reads the Partnero secret once per function, not per request', async () => {
    env.system.resetAwsCalls();
    for (let i = 0; i < 3; i++) await dashboard(aliceToken);
    expect(env.system.awsCalls['secretsmanager.GetSecretValue'] ?? 0).toBe(0);
  });
});
