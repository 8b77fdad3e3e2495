import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { versionKey } from '#shared/orders/ledger.js';
import { reconcile } from '#shared/orders/reconcile.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { refundOrder, refundPart } from '#shared/orders/refund-orders.js';
import { nodeHttpTransport, type PartneroClient } from '#shared/partnero/index.js';
import {
  BUYERS,
  NOT_REFERRED,
  type OrdersWorld,
  REFERRER,
  sale,
  startOrdersWorld,
} from '#test/support/orders-world.js';

/** The production transport; the wrappers below only decide when a call goes through it. */
const partneroHttp = nodeHttpTransport();

/**
 * The schedules that lost or doubled money before the order ledger, each one deterministic, against
 * the realistic sandbox (a repeated key is a second transaction) and the local DynamoDB.
 */
let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld();
});
afterAll(() => world.close());
beforeEach(() => world.reset());

const [BOB] = BUYERS;
const LEASE = 60_000;
/** Partnero's look-up lag the ledger assumes (its default: the verify delay, 60 s here). */
const LAG = 60_000;
/** A resend after doubt waits until Partnero's look-up shows what the first attempt wrote. */
const pastLag = () => world.advance(LAG + 1);
const deps = (partnero: PartneroClient = world.partnero()) => ({
  partnero,
  ledger: world.ledger({ leaseMs: LEASE }),
});
/** A client whose attempts give up quickly, for faults that never answer. */
const impatient = () => world.partnero({ attemptTimeoutMs: 100, maxAttempts: 2 });
/** The next request matching `match` is applied only when the test flushes the late commits. */
const holdNext = (match: string) =>
  world.sandbox.faults.set({ kinds: ['late-commit'], match, count: 1, hold: true });
/** An order recorded twice at Partnero: a held write lands after the redelivery sent it again. */
const recordedTwice = async (order: ReturnType<typeof sale>) => {
  holdNext('POST /v1/transactions');
  await recordOrders(deps(impatient()), [order]);
  pastLag();
  await recordOrders(deps(), [order]);
  await world.sandbox.lateCommits.flush();
  expect(world.copies(order.orderId)).toBe(2);
};
/**
 * A client that runs `interleave` once, at its first `method` request: just before sending it, or just
 * after its answer. `result()` is what `interleave` answered.
 */
const interleaving = (method: string, when: 'before' | 'after', interleave: () => Promise<unknown>) => {
  let done: Promise<unknown> | undefined;
  const client = world.partnero({
    fetch: async (input, init) => {
      if (init?.method !== method || done) return partneroHttp(input, init);
      if (when === 'before') {
        done = interleave();
        await done;
        return partneroHttp(input, init);
      }
      const res = await partneroHttp(input, init);
      done = interleave();
      await done;
      return res;
    },
  });
  return { client, result: () => done };
};
/** The reconciler, once everything it waits for is due (the last count comes 15 verify delays later). */
const sweepEverything = async () => {
  world.advance(30 * 60_000);
  return reconcile(deps());
};
/** Sweeps that find nothing to repair, until nothing is left to count; answers how many counted. */
const sweepUntilSettled = async () => {
  for (let sweeps = 0; sweeps < 12; sweeps++) {
    const sweep = await sweepEverything();
    expect(sweep.repairs).toEqual({});
    if (sweep.checked === 0) return sweeps;
  }
  throw new Error('still in the sweep after 12 sweeps');
};

describe('exactly once, in the steady state', () => {
  it('records a sale once; every redelivery is a duplicate that never reaches Partnero', async () => {
    const order = sale(BOB, 250);
    expect(await recordOrders(deps(), [order])).toEqual([
      { orderId: order.orderId, status: 'recorded', reward: expect.any(Number) },
    ]);
    const posts = world.posts();
    for (let i = 0; i < 3; i++) {
      expect(await recordOrders(deps(), [order])).toEqual([{ orderId: order.orderId, status: 'duplicate' }]);
    }
    expect(world.posts()).toBe(posts);
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(25);
  });

  it('sends one batch request per customer, and an order id twice in one call once', async () => {
    const [a, b] = [sale(BOB, 10), sale(BOB, 20)];
    const outcomes = await recordOrders(deps(), [a, b, a] as (typeof a)[]);
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'recorded', 'duplicate']);
    expect(world.posts()).toBe(1);
    expect(world.rewards(REFERRER)).toBe(3);
  });

  it('remembers customers nobody referred, so their redeliveries cost no Partnero call either', async () => {
    const order = sale(NOT_REFERRED);
    expect((await recordOrders(deps(), [order]))[0]).toMatchObject({ status: 'not_referred' });
    const posts = world.posts();
    expect((await recordOrders(deps(), [order]))[0]).toMatchObject({ status: 'not_referred' });
    expect(world.posts()).toBe(posts);
  });

  it('lets one of two deliveries of a deferred order at the same instant take it over and send it', async () => {
    // Seed 113 on moto: two consumers took over one deferred entry together and both sent it. The
    // takeover is one conditional write, and DynamoDB (like the twin) applies one write of an item at a
    // time: the second sees `claimed` and sends nothing (docs/local.md, "Concurrent conditional writes").
    const order = sale(BOB, 410);
    const { ledger } = deps();
    await ledger.claim(order, 'first');
    await ledger.defer(order.orderId, 'first', {
      reason: 'Partnero POST /transactions failed with HTTP 429',
      doubt: false,
      failures: 0,
      parkable: false,
    });
    const posts = world.posts();
    const outcomes = await Promise.all([recordOrders(deps(), [order]), recordOrders(deps(), [order])]);
    expect(outcomes.map(([o]) => o?.status).sort()).toEqual(['in_progress', 'recorded']);
    expect(world.posts()).toBe(posts + 1);
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(41);
  });
});

describe('refunds always reverse the reward', () => {
  it('deletes the transaction of a recorded order, and a replayed sale after it is not recorded again', async () => {
    const order = sale(BOB);
    await recordOrders(deps(), [order]);
    expect(await refundOrder(deps(), order.orderId)).toEqual({ orderId: order.orderId, status: 'refunded' });
    expect(await recordOrders(deps(), [order])).toEqual([
      { orderId: order.orderId, status: 'already_refunded' },
    ]);
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.rewards(REFERRER)).toBe(0);
  });

  it('remembers a refund that overtook its order: the order is never recorded', async () => {
    const order = sale(BOB);
    expect((await refundOrder(deps(), order.orderId)).status).toBe('nothing_to_reverse');
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('already_refunded');
    expect(world.copies(order.orderId)).toBe(0);
  });

  it('reverses a refund that arrives while its order is being recorded', async () => {
    const order = sale(BOB);
    let refund: Promise<unknown> | undefined;
    // The refund lands while the POST is on its way to Partnero.
    const racing = world.partnero({
      fetch: async (input, init) => {
        if (init?.method === 'POST' && !refund) refund = refundOrder(deps(), order.orderId);
        await refund;
        return partneroHttp(input, init);
      },
    });
    const [outcome] = await recordOrders(deps(racing), [order]);
    expect(await refund).toMatchObject({ status: 'refund_pending' });
    expect(outcome?.status).toBe('already_refunded');
    expect(world.copies(order.orderId)).toBe(0);
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('already_refunded');
  });

  it('deletes a transaction recorded before the ledger existed (unknown to it)', async () => {
    await world
      .partnero()
      .transactions.create({ customer: { key: BOB }, key: 'legacy-1', amount: 50, action: 'sale' });
    expect((await refundOrder(deps(), 'legacy-1')).status).toBe('refunded');
    expect(world.copies('legacy-1')).toBe(0);
  });

  it('keeps a refund whose DELETE failed; the reconciler completes it', async () => {
    const order = sale(BOB);
    await recordOrders(deps(), [order]);
    world.sandbox.faults.set({ kinds: ['500'], match: 'DELETE /v1/transactions', count: 3 });
    await expect(refundOrder(deps(), order.orderId)).rejects.toMatchObject({ code: 'unavailable' });
    expect(world.copies(order.orderId)).toBe(1);
    expect((await sweepEverything()).repairs).toEqual({ refund_completed: 1 });
    expect(world.copies(order.orderId)).toBe(0);
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('already_refunded');
  });

  it('puts off an entry that keeps failing, so it does not take the sweep’s place from newer ones', async () => {
    const [stuck, next] = [sale(BOB), sale(BOB)];
    await recordOrders(deps(), [stuck]);
    await recordOrders(deps(), [next]);
    // Partnero fails every DELETE of the first order's key; both refunds are left to the reconciler.
    world.sandbox.faults.set({ kinds: ['500'], match: `DELETE /v1/transactions/${stuck.orderId}` });
    await expect(refundOrder(deps(), stuck.orderId)).rejects.toMatchObject({ code: 'unavailable' });
    world.advance(1);
    world.sandbox.faults.set({
      rules: [
        { kinds: ['500'], match: `DELETE /v1/transactions/${stuck.orderId}` },
        { kinds: ['500'], match: `DELETE /v1/transactions/${next.orderId}`, count: 3 },
      ],
    });
    await expect(refundOrder(deps(), next.orderId)).rejects.toMatchObject({ code: 'unavailable' });
    world.advance(LEASE + 1);
    // One place per sweep: the oldest entry fails and is put off, so the next sweep gets to the other.
    expect(await reconcile(deps(), { limit: 1 })).toMatchObject({ checked: 1, failed: 1 });
    expect(await reconcile(deps(), { limit: 1 })).toMatchObject({ repairs: { refund_completed: 1 } });
    expect(world.copies(next.orderId)).toBe(0);
    expect(world.copies(stuck.orderId)).toBe(1);
    // Once Partnero answers again, the put-off entry is completed too.
    world.sandbox.faults.clear();
    expect((await sweepEverything()).repairs).toEqual({ refund_completed: 1 });
    expect(world.copies(stuck.orderId)).toBe(0);
  });

  it('puts off a stuck claim it cannot look up, so it does not take the sweep’s place either', async () => {
    const [stuck, next] = [sale(BOB), sale(BOB)];
    await world.ledger({ leaseMs: LEASE }).claim(stuck, 'dead-worker');
    world.advance(1);
    await world.ledger({ leaseMs: LEASE }).claim(next, 'dead-worker');
    world.advance(LEASE + LAG + 1);
    // Partnero fails every look-up of the first order's key.
    const failingLookUps = world.partnero({
      fetch: async (input, init) =>
        String(input).includes(`key=${stuck.orderId}`)
          ? new Response('{}', { status: 500 })
          : partneroHttp(input, init),
    });
    expect(await reconcile(deps(failingLookUps), { limit: 1 })).toMatchObject({ checked: 1, failed: 1 });
    // Released by the failed look-up, and put off: not due again at once.
    const [item] = world.ledgerItemsFor(stuck.orderId);
    expect(item).toMatchObject({ state: { S: 'claimed' }, failures: { N: '1' } });
    expect(Number(item?.sweepAt?.N)).toBeGreaterThan(world.now());
    expect(await reconcile(deps(failingLookUps), { limit: 1 })).toMatchObject({
      repairs: { stuck_claim_settled: 1 },
    });
    expect(world.copies(next.orderId)).toBe(1);
    expect((await sweepEverything()).repairs).toEqual({ stuck_claim_settled: 1 });
    expect(world.copies(stuck.orderId)).toBe(1);
  });

  it('deletes a transaction that landed after its refund (a late commit)', async () => {
    const order = sale(BOB);
    holdNext('POST /v1/transactions');
    expect((await recordOrders(deps(impatient()), [order]))[0]?.status).toBe('pending');
    // The refund finds nothing to delete yet, and the claim is in doubt: it is remembered.
    await refundOrder(deps(), order.orderId);
    await world.sandbox.lateCommits.flush();
    expect(world.copies(order.orderId)).toBe(1);
    const sweep = await sweepEverything();
    expect(Object.values(sweep.repairs).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.rewards(REFERRER)).toBe(0);
  });
});

describe('lost answers and crashes', () => {
  it('looks the key up after a 500 that committed, and records once', async () => {
    const order = sale(BOB, 80);
    world.sandbox.faults.set({ kinds: ['commit-500'], match: 'POST /v1/transactions', count: 1 });
    expect(await recordOrders(deps(), [order])).toEqual([
      { orderId: order.orderId, status: 'recorded', reward: expect.any(Number) },
    ]);
    expect(world.rewards(REFERRER)).toBe(8);
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.posts()).toBe(1);
  });

  it('looks the key up after a dropped connection that committed', async () => {
    const order = sale(BOB);
    world.sandbox.faults.set({ kinds: ['commit-drop'], match: 'POST /v1/transactions', count: 1 });
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
  });

  it('holds a write whose look-up found nothing; the next attempt finds the late commit instead of resending', async () => {
    const order = sale(BOB);
    holdNext('POST /v1/transactions');
    expect((await recordOrders(deps(impatient()), [order]))[0]?.status).toBe('pending');
    await world.sandbox.lateCommits.flush();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('pending'); // within the look-up lag
    pastLag();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.posts()).toBe(1);
  });

  it('deletes the extra copy when a late commit lands after the order was sent again', async () => {
    const order = sale(BOB, 100);
    holdNext('POST /v1/transactions');
    expect((await recordOrders(deps(impatient()), [order]))[0]?.status).toBe('pending');
    // The redelivery (after the look-up lag) looks, finds nothing (still held), sends: the held write
    // lands after it.
    pastLag();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    await world.sandbox.lateCommits.flush();
    expect(world.copies(order.orderId)).toBe(2);
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('puts the one copy back when trimming extras deleted too many (a DELETE retried after its answer was lost)', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    // The first DELETE removes a copy but answers 500; the client's retry removes the second one.
    world.sandbox.faults.set({ kinds: ['commit-500'], match: 'DELETE /v1/transactions', count: 1 });
    const posts = world.posts();
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    // The mark stays; once every write of the trim has landed and shows, the count puts the copy back.
    expect(world.copies(order.orderId)).toBe(0);
    expect((await sweepEverything()).repairs).toEqual({ copy_restored: 1 });
    expect(world.posts()).toBe(posts + 1); // the restore
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('puts the copy back when a DELETE of the trimming lands late, after the count said one was left', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    // The reconciler's DELETE is held (its client gives up and retries, removing the other copy) …
    holdNext('DELETE /v1/transactions');
    world.advance(30 * 60_000);
    expect((await reconcile(deps(impatient()))).repairs).toEqual({ extra_copy_deleted: 1 });
    expect(world.copies(order.orderId)).toBe(1);
    // … and lands afterwards: no copy left, until the next count puts it back.
    await world.sandbox.lateCommits.flush();
    expect(world.copies(order.orderId)).toBe(0);
    expect((await sweepEverything()).repairs).toEqual({ copy_restored: 1 });
    expect(world.copies(order.orderId)).toBe(1);
    await sweepUntilSettled();
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('lets one of two overlapping reconciler runs trim an order, so they never both put a copy back', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    world.advance(30 * 60_000);
    // Both runs have counted the two copies before either trims.
    let counted = 0;
    let bothCounted!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothCounted = resolve;
    });
    const countingTogether = () => {
      let first = true;
      return world.partnero({
        fetch: async (input, init) => {
          const res = await partneroHttp(input, init);
          if ((init?.method ?? 'GET') === 'GET' && first) {
            first = false;
            if (++counted === 2) bothCounted();
            await barrier;
          }
          return res;
        },
      });
    };
    const runs = await Promise.all([
      reconcile(deps(countingTogether())),
      reconcile(deps(countingTogether())),
    ]);
    expect(runs.map((r) => r.repairs.extra_copy_deleted ?? 0).sort()).toEqual([0, 1]);
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('does not put a copy back for an order refunded while its extra copies were being deleted', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    // The shop refunds the order right after the reconciler's first DELETE: the refund deletes the other copy.
    const racing = interleaving('DELETE', 'after', () => refundOrder(deps(), order.orderId));
    world.advance(30 * 60_000);
    await reconcile(deps(racing.client));
    expect(await racing.result()).toEqual({ orderId: order.orderId, status: 'refunded' });
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.rewards(REFERRER)).toBe(0);
  });

  it('reverses the copy it put back when a refund came while that copy was on its way', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    // The trim deletes both copies (a DELETE retried after its answer was lost) and, once it is quiet,
    // puts one back; the shop's refund runs just before that POST lands, finding nothing to delete.
    world.sandbox.faults.set({ kinds: ['commit-500'], match: 'DELETE /v1/transactions', count: 1 });
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    const racing = interleaving('POST', 'before', () => refundOrder(deps(), order.orderId));
    world.advance(30 * 60_000);
    expect((await reconcile(deps(racing.client))).repairs).toEqual({ copy_restored: 1 });
    expect(await racing.result()).toEqual({ orderId: order.orderId, status: 'refunded' });
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.rewards(REFERRER)).toBe(0);
  });

  it('reverses the copy it put back when a partial refund retired the order’s own key meanwhile', async () => {
    const order = sale(BOB, 100);
    await recordedTwice(order);
    world.sandbox.faults.set({ kinds: ['commit-500'], match: 'DELETE /v1/transactions', count: 1 });
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    const racing = interleaving('POST', 'before', () =>
      refundPart(deps(), order.orderId, { refundId: 'r-1', amount: 40 }),
    );
    world.advance(30 * 60_000);
    await reconcile(deps(racing.client));
    expect(await racing.result()).toMatchObject({ status: 'partially_refunded', remaining: 60 });
    expect(world.copies(order.orderId)).toBe(0);
    expect(world.copies(versionKey(order.orderId, 1))).toBe(1);
    expect(world.rewards(REFERRER)).toBe(6);
  });

  it('counts the copies of orders re-sent after a batch was refused for one item, in case it was partly written', async () => {
    const good = sale(BOB, 100);
    const bad = { ...sale(BOB, 100), action: '' }; // Partnero requires an action
    // A Partnero that writes the valid items of a batch before refusing it (its docs say neither way).
    const partlyWriting = world.partnero({
      fetch: async (input, init) => {
        const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
        const items: { action: string }[] = Array.isArray(body?.transactions) ? body.transactions : [];
        if (items.some((t) => t.action === '')) {
          for (const t of items.filter((t) => t.action !== ''))
            await partneroHttp(input, { ...init, body: JSON.stringify({ customer: body.customer, ...t }) });
        }
        return partneroHttp(input, init);
      },
    });
    const outcomes = await recordOrders(deps(partlyWriting), [good, bad]);
    expect(outcomes[0]).toMatchObject({ orderId: good.orderId, status: 'recorded' });
    expect(world.copies(good.orderId)).toBe(2);
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    expect(world.copies(good.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('records a corrected resend of the item a batch was refused for', async () => {
    const [good, bad] = [sale(BOB, 100), { ...sale(BOB, 100), action: '' }];
    const outcomes = await recordOrders(deps(), [good, bad]);
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'failed']);
    expect(await recordOrders(deps(), [{ ...bad, action: 'sale' }])).toEqual([
      { orderId: bad.orderId, status: 'recorded', reward: expect.any(Number) },
    ]);
    expect(world.rewards(REFERRER)).toBe(20);
  });

  it('answers key_reused to another order that takes over an abandoned claim, and records the first', async () => {
    const first = sale(BOB, 100);
    await world.ledger({ leaseMs: LEASE }).claim(first, 'dead-worker');
    world.advance(LEASE + LAG + 1);
    const other = { ...first, amount: 999 };
    expect(await recordOrders(deps(), [other])).toEqual([
      {
        orderId: first.orderId,
        status: 'key_reused',
        reason: `order ${first.orderId} was being recorded before with another amount`,
      },
    ]);
    expect(await recordOrders(deps(), [first])).toEqual([{ orderId: first.orderId, status: 'duplicate' }]);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('answers a resent refund of an order never recorded as the first was: nothing to reverse', async () => {
    const order = sale(NOT_REFERRED);
    await recordOrders(deps(), [order]);
    const unknown = sale('xavier');
    await recordOrders(deps(), [unknown]); // refused: Partnero does not know xavier
    for (const o of [order, unknown]) {
      expect((await refundOrder(deps(), o.orderId)).status).toBe('nothing_to_reverse');
      expect((await refundOrder(deps(), o.orderId)).status).toBe('nothing_to_reverse');
    }
  });

  it('leaves a recorded order alone whose transaction was deleted in Partnero by someone else', async () => {
    const order = sale(BOB, 100);
    world.sandbox.faults.set({ kinds: ['commit-500'], match: 'POST /v1/transactions', count: 1 });
    await recordOrders(deps(), [order]); // recorded after a look-up: the reconciler will check it
    await world.partnero().transactions.delete(order.orderId);
    expect((await sweepEverything()).repairs).toEqual({ missing_transaction: 1 });
    expect(world.copies(order.orderId)).toBe(0);
  });

  it('counts a doubtful order’s copies until the horizon, so a write landing after the first count is still deleted', async () => {
    const order = sale(BOB, 100);
    holdNext('POST /v1/transactions');
    await recordOrders(deps(impatient()), [order]);
    pastLag();
    await recordOrders(deps(), [order]);
    expect((await sweepEverything()).repairs).toEqual({}); // first count: one copy, the other still in flight
    await world.sandbox.lateCommits.flush();
    expect((await sweepEverything()).repairs).toEqual({ extra_copy_deleted: 1 });
    expect(world.copies(order.orderId)).toBe(1);
    // The trimming's own DELETE could land late too: counted on (nothing to repair), then the entry
    // leaves the sweep.
    expect(await sweepUntilSettled()).toBeGreaterThan(0);
    expect(world.copies(order.orderId)).toBe(1);
  });

  it('settles a claim whose holder died before sending: the reconciler sends it once', async () => {
    const order = sale(BOB);
    await world.ledger({ leaseMs: LEASE }).claim(order, 'dead-worker');
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('in_progress');
    expect((await sweepEverything()).repairs).toEqual({ stuck_claim_settled: 1 });
    expect(world.copies(order.orderId)).toBe(1);
  });

  it('settles a claim whose holder died after sending: looked up, never sent twice', async () => {
    const order = sale(BOB);
    await world.ledger({ leaseMs: LEASE }).claim(order, 'dead-worker');
    await world
      .partnero()
      .transactions.create({ customer: { key: BOB }, key: order.orderId, amount: 100, action: 'sale' });
    world.advance(LEASE + LAG + 1);
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.posts()).toBe(1);
  });

  it('answers recorded when the ledger cannot store it after Partnero did; the reconciler settles the entry', async () => {
    const order = sale(BOB);
    const failOnFinish = world.dynamo.client(1);
    let writes = 0;
    const ledger = world.ledger(
      { leaseMs: LEASE },
      {
        send: ((command: { constructor: { name: string } }) => {
          writes += 1;
          // The second write is the finish: fail it as a throttle would.
          if (writes === 2) return Promise.reject(Object.assign(new Error('throttled'), { $metadata: {} }));
          return failOnFinish.send(command as never);
        }) as never,
      },
    );
    expect((await recordOrders({ partnero: world.partnero(), ledger }, [order]))[0]?.status).toBe('recorded');
    expect((await sweepEverything()).repairs).toEqual({ stuck_claim_settled: 1 });
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.posts()).toBe(1);
  });

  it('copes with a ledger write that committed but answered 500 (the SDK retry meets its own write)', async () => {
    const order = sale(BOB);
    world.dynamo.db.faults.set({
      rate: 1,
      kinds: ['commit-then-fail'],
      operations: ['UpdateItem'],
      count: 2,
    });
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('duplicate');
  });

  it('treats a strict Partnero’s "key already taken" as recorded', async () => {
    const order = sale(BOB);
    await world
      .partnero()
      .transactions.create({ customer: { key: BOB }, key: order.orderId, amount: 100, action: 'sale' });
    world.sandbox.config.strictTransactionKeys = true;
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
  });
});

describe('customers Partnero does not know yet', () => {
  it('answers unknown_customer (never "not referred"), keeps the order owed, and records once the customer exists', async () => {
    const order = sale('erin');
    expect((await recordOrders(deps(), [order]))[0]).toMatchObject({ status: 'unknown_customer' });
    expect(world.ledgerItemsFor(order.orderId)).toEqual([
      expect.objectContaining({ state: { S: 'deferred' }, failures: { N: '1' }, sweepAt: expect.anything() }),
    ]);
    await world.createCustomer('erin', REFERRER);
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
  });

  it('keeps the doubt of an earlier attempt when a later one is refused: its late write is found, not doubled', async () => {
    const order = sale('erin', 100);
    holdNext('POST /v1/transactions');
    expect((await recordOrders(deps(impatient()), [order]))[0]?.status).toBe('pending');
    // The retry is refused (erin does not exist yet) while the first attempt is still in flight.
    pastLag();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('unknown_customer');
    await world.createCustomer('erin', REFERRER);
    await world.sandbox.lateCommits.flush(); // the first attempt lands, now that erin exists
    expect(world.copies(order.orderId)).toBe(1);
    // A later delivery looks first and finds it; the reconciler would have too.
    pastLag();
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('recorded');
    expect(world.copies(order.orderId)).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('records a deferred order whose doubtful attempt landed later, when no delivery comes again', async () => {
    const order = sale('erin', 100);
    holdNext('POST /v1/transactions');
    await recordOrders(deps(impatient()), [order]);
    pastLag();
    await recordOrders(deps(), [order]);
    await world.createCustomer('erin', REFERRER);
    await world.sandbox.lateCommits.flush();
    // The reconciler takes the deferred order over, looks first, and finds the late write.
    expect((await sweepEverything()).repairs).toEqual({ deferred_order_recorded: 1 });
    expect((await recordOrders(deps(), [order]))[0]?.status).toBe('duplicate');
    expect(world.copies(order.orderId)).toBe(1);
  });
});
