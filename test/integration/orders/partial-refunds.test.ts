import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { versionKey } from '#shared/orders/ledger.js';
import { reconcile } from '#shared/orders/reconcile.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { refundOrder, refundPart } from '#shared/orders/refund-orders.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { BUYERS, type OrdersWorld, REFERRER, sale, startOrdersWorld } from '#test/support/orders-world.js';

/**
 * Partial refunds against the realistic sandbox (which, like Partnero, cannot change a transaction's
 * amount) and the local DynamoDB: the reward follows what was really paid, under duplicates, crashes
 * and reordering, each refund id once.
 */
let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld();
});
afterAll(() => world.close());
beforeEach(() => world.reset());

const BOB = BUYERS[0];
const LEASE = 60_000;
/** Partnero's look-up lag the ledger assumes (its default: the verify delay, 60 s here). */
const LAG = 60_000;
const deps = (partnero: PartneroClient = world.partnero()) => ({
  partnero,
  ledger: world.ledger({ leaseMs: LEASE }),
});
const sweepEverything = async () => {
  world.advance(30 * 60_000);
  const first = await reconcile(deps());
  world.advance(30 * 60_000);
  await reconcile(deps());
  return first;
};
/** The order's live transactions: exactly one (what is left) or none. */
const live = (orderId: string) => world.versionsOf(orderId);

describe('partial refunds', () => {
  it('takes part of an order off: the reward follows what is left, under a derived key', async () => {
    const order = sale(BOB, 200);
    await recordOrders(deps(), [order]);
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 50 })).toEqual({
      orderId: order.orderId,
      status: 'partially_refunded',
      remaining: 150,
    });
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 150 }]);
    expect(world.rewards(REFERRER)).toBe(15);
  });

  it('finishes a sale whose recording was abandoned, then refunds part of it, without waiting for a sweep', async () => {
    const order = sale(BOB, 100);
    await world.ledger({ leaseMs: LEASE }).claim(order, 'dead-worker');
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 30 })).toMatchObject({
      status: 'in_progress',
    });
    // The lease is over, and so is the look-up lag after it: a takeover looks, then sends.
    world.advance(LEASE + LAG + 1);
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 30 })).toEqual({
      orderId: order.orderId,
      status: 'partially_refunded',
      remaining: 70,
    });
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 70 }]);
    expect(world.rewards(REFERRER)).toBe(7);
  });

  it('adds several partial refunds up, with decimals that do not drift', async () => {
    const order = sale(BOB, 19.99);
    await recordOrders(deps(), [order]);
    await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 5.5 });
    const second = await refundPart(deps(), order.orderId, { refundId: 'r-2', amount: 4.49 });
    expect(second).toMatchObject({ status: 'partially_refunded', remaining: 10 });
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 2), amount: 10 }]);
    expect(world.rewards(REFERRER)).toBe(1);
  });

  it.each([
    ['a tenth of a cent off a USD order', 'usd', 100, 0.001, 'has 3 decimals, but USD has 2'],
    ['half a yen off a JPY order', 'jpy', 1000, 0.5, 'has 1 decimals, but JPY has 0'],
  ])(
    'refuses %s: the remainder would not be whole minor units, and nothing changes',
    async (_, currency, amount, part, problem) => {
      const order = { ...sale(BOB, amount), currency };
      await recordOrders(deps(), [order]);
      const refused = refundPart(deps(), order.orderId, { refundId: 'r-1', amount: part });
      await expect(refused).rejects.toMatchObject({
        code: 'validation',
        fields: { amount: [expect.stringContaining(problem)] },
      });
      expect(live(order.orderId)).toEqual([{ key: order.orderId, amount }]);
      expect(world.ledgerItemsFor(order.orderId)[0]?.refundIds).toBeUndefined();
      // A part in whole minor units still applies.
      const whole = currency === 'jpy' ? 1 : 0.01;
      expect(await refundPart(deps(), order.orderId, { refundId: 'r-2', amount: whole })).toMatchObject({
        status: 'partially_refunded',
        remaining: amount - whole,
      });
    },
  );

  it('applies a refund id once, however often it is delivered', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    const part = { refundId: 'r-dup', amount: 30 };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await refundPart(deps(), order.orderId, part)).status);
    expect(outcomes).toEqual(['partially_refunded', 'duplicate_refund', 'duplicate_refund']);
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 70 }]);
    expect(world.rewards(REFERRER)).toBe(7);
  });

  it('applies the same refund delivered concurrently once', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    const part = { refundId: 'r-race', amount: 40 };
    const outcomes = await Promise.all([1, 2, 3].map(() => refundPart(deps(), order.orderId, part)));
    expect(outcomes.filter((o) => o.status === 'partially_refunded')).toHaveLength(1);
    await sweepEverything();
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 60 }]);
  });

  it('two different partial refunds racing each other both count', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    await Promise.all([
      refundPart(deps(), order.orderId, { refundId: 'a', amount: 10 }),
      refundPart(deps(), order.orderId, { refundId: 'b', amount: 20 }),
    ]);
    await sweepEverything();
    const left = live(order.orderId);
    expect(left).toHaveLength(1);
    expect(left[0]?.amount).toBe(70);
    expect(world.rewards(REFERRER)).toBe(7);
  });

  it('turns a refund of the rest, or more, into a full refund', async () => {
    const [a, b] = [sale(BOB, 100), sale(BOB, 100)];
    await recordOrders(deps(), [a, b]);
    await refundPart(deps(), a.orderId, { refundId: 'r-1', amount: 60 });
    expect(await refundPart(deps(), a.orderId, { refundId: 'r-2', amount: 40 })).toMatchObject({
      status: 'refunded',
    });
    expect(await refundPart(deps(), b.orderId, { refundId: 'r-3', amount: 500 })).toMatchObject({
      status: 'refunded',
    });
    expect(live(a.orderId)).toEqual([]);
    expect(live(b.orderId)).toEqual([]);
    expect(world.rewards(REFERRER)).toBe(0);
    // A replayed sale stays refunded, and a later partial refund has nothing to take.
    expect(await recordOrders(deps(), [a])).toEqual([{ orderId: a.orderId, status: 'already_refunded' }]);
    expect(await refundPart(deps(), a.orderId, { refundId: 'r-4', amount: 1 })).toMatchObject({
      status: 'nothing_to_reverse',
    });
  });

  it('a full refund after partial ones removes the live version too', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 25 });
    expect(await refundOrder(deps(), order.orderId)).toMatchObject({ status: 'refunded' });
    await sweepEverything();
    expect(live(order.orderId)).toEqual([]);
    expect(world.rewards(REFERRER)).toBe(0);
  });

  it('a partial refund that overtakes its sale waits for it (not_recorded), then applies', async () => {
    const order = sale(BOB, 100);
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 30 })).toMatchObject({
      status: 'not_recorded',
    });
    await recordOrders(deps(), [order]);
    expect(await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 30 })).toMatchObject({
      status: 'partially_refunded',
      remaining: 70,
    });
    expect(world.rewards(REFERRER)).toBe(7);
  });

  it('the reconciler carries a partial refund through when its caller stopped after registering it', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    // The caller registers the refund, then dies before touching Partnero.
    await deps().ledger.registerPartialRefund(order.orderId, 'r-1', 20);
    expect(live(order.orderId)).toEqual([{ key: order.orderId, amount: 100 }]);
    const sweep = await sweepEverything();
    expect(sweep.repairs).toMatchObject({ partial_refund_completed: 1 });
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 80 }]);
    expect(world.rewards(REFERRER)).toBe(8);
  });

  it('finishes when the remainder was recorded but the ledger never heard (a crash after the POST)', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    const registration = await deps().ledger.registerPartialRefund(order.orderId, 'r-1', 10);
    if (!registration.registered) throw new Error('not registered');
    // Another path already put the remainder in place; the reconciler must not add a second one.
    await recordOrders(deps(), [{ ...order, orderId: versionKey(order.orderId, 1), amount: 90 }]);
    await sweepEverything();
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 90 }]);
    expect(world.rewards(REFERRER)).toBe(9);
  });

  it('deletes a late copy of the original transaction that lands after a partial refund', async () => {
    const order = sale(BOB, 100);
    await recordOrders(deps(), [order]);
    await refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 50 });
    // A duplicate POST of the original key lands late.
    await world.partnero().transactions.create({
      customer: { key: BOB },
      key: order.orderId,
      amount: 100,
      action: 'sale',
      amount_units: 'usd',
    });
    const sweep = await sweepEverything();
    expect(sweep.repairs).toMatchObject({ refund_reversed: 1 });
    expect(live(order.orderId)).toEqual([{ key: versionKey(order.orderId, 1), amount: 50 }]);
    expect(world.rewards(REFERRER)).toBe(5);
  });
});
