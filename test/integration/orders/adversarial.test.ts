import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler as createRecord } from '#functions/create-transactions.js';
import { createHandler as createRefund } from '#functions/refund-transaction.js';
import type { DynamoOrderLedger } from '#shared/orders/dynamo-ledger.js';
import { versionKey } from '#shared/orders/ledger.js';
import { reconcile } from '#shared/orders/reconcile.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { refundPart } from '#shared/orders/refund-orders.js';
import { nodeHttpTransport, type PartneroClient } from '#shared/partnero/index.js';
import { answer, iamEvent, lambdaContext } from '#test/support/events.js';
import { BUYERS, type OrdersWorld, REFERRER, sale, startOrdersWorld } from '#test/support/orders-world.js';

/**
 * What Partnero's published behaviour allows and a friendly sandbox never does, each as one
 * deterministic schedule of the real code against the realistic sandbox and the local DynamoDB: a
 * retryable answer met by the reconciler, overlapping reconciler runs (or a stale read of the sweep
 * index), a trim's DELETE that lands late, and the answers to a reused id or to a partial refund of an
 * order that was never recorded.
 */
const partneroHttp = nodeHttpTransport();

let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld();
});
afterAll(() => world.close());
beforeEach(() => world.reset());

const [BOB] = BUYERS;
const LEASE = 60_000;
const VERIFY = 60_000;
const deps = (partnero: PartneroClient = world.partnero()) => ({
  partnero,
  ledger: world.ledger({ leaseMs: LEASE, verifyDelayMs: VERIFY }),
});
/**
 * A sale whose POST Partnero holds (it lands when `lateCommits.flush()` runs) while its client gives up
 * in doubt; the clock is then past the verify delay, so a redelivery may send it again.
 */
const sentInDoubtWithHeldCopy = async () => {
  const order = sale(BOB, 100);
  world.sandbox.faults.set({ kinds: ['late-commit'], match: 'POST /v1/transactions', count: 1, hold: true });
  await recordOrders(deps(world.partnero({ attemptTimeoutMs: 100, maxAttempts: 2 })), [order]);
  world.advance(VERIFY + 1);
  return order;
};
/** The reconciler after `ms` (default: long enough for every check due, 15 verify delays and more). */
const sweepAfter = async (ms = 30 * 60_000, partnero?: PartneroClient) => {
  world.advance(ms);
  return reconcile(deps(partnero));
};
/** An HTTP client of the shop whose POST is dropped before Partnero sees it: it gets 202 and stops. */
const droppedAtFirstPost = async (order: ReturnType<typeof sale>) => {
  world.sandbox.faults.set({ kinds: ['drop'], match: 'POST /v1/transactions', count: 1 });
  expect((await recordOrders(deps(), [order]))[0]?.status).toBe('pending');
  expect(world.copies(order.orderId)).toBe(0);
};
const rateLimitedPosts = (count: number) =>
  world.sandbox.faults.set({
    kinds: ['429'],
    match: 'POST /v1/transactions',
    count,
    retryAfterSeconds: 0,
  });

describe('an order that owes Partnero a transaction ends recorded or parked, never rejected', () => {
  it('keeps an order the reconciler met 429s for owed, and records it on a later sweep', async () => {
    const order = sale(BOB, 100);
    await droppedAtFirstPost(order);
    // The reconciler takes the order over: Partnero answers 429 to every attempt of its client.
    rateLimitedPosts(3);
    expect((await sweepAfter(2 * 60_000)).failed).toBe(1);
    expect(world.ledgerItemsFor(order.orderId)[0]).toMatchObject({ state: { S: 'deferred' } });
    for (let i = 0; i < 3; i++) await sweepAfter();
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('keeps an order owed whose buyer’s sign-up was still on its way when the reconciler sent it', async () => {
    const order = sale('erin', 100);
    await droppedAtFirstPost(order);
    await sweepAfter(2 * 60_000); // erin is unknown to Partnero yet
    expect(world.copies(order.orderId)).toBe(0);
    await world.createCustomer('erin', REFERRER);
    for (let i = 0; i < 3; i++) await sweepAfter();
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('keeps the rest of a partial refund owed when its re-recording meets 429s', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    // The remainder's POST is dropped (its answer lost), then the reconciler meets 429s for it.
    world.sandbox.faults.set({ kinds: ['drop'], match: 'POST /v1/transactions', count: 1 });
    await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 40 });
    rateLimitedPosts(3);
    await sweepAfter(2 * 60_000);
    for (let i = 0; i < 4; i++) await sweepAfter();
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.copies(versionKey(order.orderId, 1))).toBe(1);
    expect(world.rewards(REFERRER)).toBe(6);
  });

  it('parks an order after hours of retryable answers, with its reason and a count, claimable by a resend', async () => {
    const order = sale('xavier', 100); // Partnero never learns of xavier
    const parked: string[] = [];
    const ledger = world.ledger({ leaseMs: LEASE, verifyDelayMs: VERIFY, parkAfterFailures: 3 });
    const d = { partnero: world.partnero(), ledger, onParked: (id: string) => parked.push(id) };
    expect((await recordOrders(d, [order]))[0]?.status).toBe('unknown_customer');
    for (let i = 0; i < 4; i++) {
      world.advance(30 * 60_000);
      await reconcile(d);
    }
    expect(parked).toEqual([order.orderId]);
    expect(world.ledgerItemsFor(order.orderId)[0]).toMatchObject({
      state: { S: 'parked' },
      reason: { S: expect.stringMatching(/customer/i) },
    });
    expect(world.ledgerItemsFor(order.orderId)[0]?.sweepAt).toBeUndefined();
    // A redrive once the customer exists records it.
    await world.createCustomer('xavier', REFERRER);
    expect((await recordOrders(d, [order]))[0]?.status).toBe('recorded');
    expect(world.rewards(REFERRER)).toBe(10);
  });
});

describe('a scheduled check only ever moves later', () => {
  it('ignores a postpone from a run that read the entry before another run scheduled its last check', async () => {
    // A write in doubt: held by Partnero, it lands minutes later; the redelivery sends the order again.
    const order = await sentInDoubtWithHeldCopy();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    world.advance(VERIFY + 1);
    // Run B reads the due entry (or reads a stale sweep index); run A then makes the first check.
    const stale = await deps().ledger.due(100);
    expect(stale).toHaveLength(1);
    expect((await reconcile(deps())).checked).toBe(1);
    // Run B's look-up fails, so it postpones what it read.
    const failing = world.partnero({
      fetch: async (input, init) =>
        init?.method === 'GET'
          ? { status: 500, headers: new Headers(), text: async () => '{}' }
          : partneroHttp(input, init),
    });
    const ledgerB = deps().ledger;
    const runB = Object.assign(Object.create(ledgerB) as DynamoOrderLedger, { due: async () => stale });
    expect(await reconcile({ partnero: failing, ledger: runB })).toMatchObject({ failed: 1 });
    // The next check after one more verify delay must not be taken as the last one …
    await sweepAfter(2 * VERIFY);
    // … because the held write lands later, within the horizon, and the last check deletes it.
    world.advance(5 * 60_000);
    await world.sandbox.lateCommits.flush();
    expect(world.copies(order.orderId)).toBe(2);
    for (let i = 0; i < 3; i++) await sweepAfter();
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });
});

describe('a trim is judged by time', () => {
  it('keeps the trim mark while its own DELETE may still land, then puts the copy back', async () => {
    const order = await sentInDoubtWithHeldCopy();
    await recordOrders(deps(), [order]);
    await world.sandbox.lateCommits.flush();
    expect(world.copies(order.orderId)).toBe(2);
    // The reconciler's DELETE is held (it lands 90 s later); its client's retries delete both copies
    // (a 500 after deleting one, then the other); the restoring POST is applied but its answer is lost.
    world.sandbox.faults.set({
      rules: [
        { kinds: ['late-commit'], match: 'DELETE /v1/transactions', count: 1, hold: true },
        { kinds: ['commit-500'], match: 'DELETE /v1/transactions', count: 1 },
        { kinds: ['commit-500'], match: 'POST /v1/transactions', count: 1 },
      ],
    });
    const patient = world.partnero({ attemptTimeoutMs: 100, maxAttempts: 3 });
    await sweepAfter(2 * VERIFY, patient);
    // Whatever happened within the sweep, the next checks come before the held DELETE lands.
    await sweepAfter(LEASE + 1, patient);
    await sweepAfter(VERIFY + 1, patient);
    world.advance(90_000);
    await world.sandbox.lateCommits.flush();
    for (let i = 0; i < 4; i++) await sweepAfter();
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });
});

describe('every answer has a meaning', () => {
  it('answers key_reused to another order under an id that is being recorded right now', async () => {
    const first = sale(BOB, 100);
    await world.ledger({ leaseMs: LEASE }).claim(first, 'live-worker');
    expect(await recordOrders(deps(), [{ ...first, amount: 999 }])).toEqual([
      {
        orderId: first.orderId,
        status: 'key_reused',
        reason: `order ${first.orderId} is being recorded with another amount`,
      },
    ]);
    expect(await recordOrders(deps(), [first])).toEqual([{ orderId: first.orderId, status: 'in_progress' }]);
  });

  it('answers a partial refund of an order Partnero refused with a final reason, not "retry shortly"', async () => {
    const bad = { ...sale(BOB, 100), action: '' }; // Partnero requires an action
    expect((await recordOrders(deps(), [bad]))[0]?.status).toBe('failed');
    expect(await refundPart(deps(), bad.orderId, { refundId: 'r-1', amount: 10 })).toEqual({
      orderId: bad.orderId,
      status: 'order_refused',
      reason: expect.any(String),
    });
  });

  it('answers a partial refund of a parked order with a final reason', async () => {
    const order = sale('xavier', 100);
    const ledger = world.ledger({ leaseMs: LEASE, verifyDelayMs: VERIFY, parkAfterFailures: 1 });
    await recordOrders({ partnero: world.partnero(), ledger }, [order]);
    expect(world.ledgerItemsFor(order.orderId)[0]).toMatchObject({ state: { S: 'parked' } });
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 10 })).toMatchObject({
      status: 'order_refused',
    });
  });

  it('answers both over HTTP: 409 transaction_key_reused, and a final 404 naming the refusal', async () => {
    const routes = () => deps();
    const post = createRecord(routes);
    const del = createRefund(routes);
    const first = sale(BOB, 100);
    await world.ledger({ leaseMs: LEASE }).claim(first, 'live-worker');
    const body = { customer_key: BOB, key: first.orderId, amount: 999, currency: 'USD' };
    const reused = answer(
      await post(iamEvent({ method: 'POST', path: '/transactions', body }), lambdaContext()),
    );
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('transaction_key_reused');
    const bad = { ...sale(BOB, 100), action: '' };
    await recordOrders(deps(), [bad]);
    const refused = answer(
      await del(
        iamEvent({
          method: 'DELETE',
          path: `/transactions/${bad.orderId}`,
          pathParameters: { key: bad.orderId },
          body: { amount: 10, refund_id: 'r-1' },
        }),
        lambdaContext(),
      ),
    );
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('transaction_not_found');
    expect(refused.body.error.message).toMatch(/not recorded/);
  });
});
