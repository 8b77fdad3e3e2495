import { randomUUID } from 'node:crypto';
import type { CallOptions, Transaction } from '#shared/partnero/index.js';
import type { ClaimResult, FinishResult, OrderLedger, Settlement } from './ledger.js';
import { changedFields, type Order } from './order.js';
import type { OrderDeps } from './order-deps.js';
import { keyReused, type OrderOutcome, settledBefore } from './order-outcomes.js';
import {
  copiesOf,
  deleteOneCopy,
  type Held,
  retryable,
  rewardOf,
  type Sent,
  type SentOrder,
  sendOrders,
} from './partnero-transactions.js';

/**
 * Turns orders into Partnero transactions, each exactly once, through the order ledger: the one code
 * path behind `POST /transactions`, the order-events consumer and the reconciler. Each order is claimed
 * with a conditional write; only claimed orders are sent, one batch request per customer and currency;
 * an unknown outcome is looked up by key before anything is sent again; a refund that arrived meanwhile
 * is reversed by whoever finishes. An order id used twice in one call is recorded once (its first
 * order); an id settled before, or used twice in one call, with other fields answers `key_reused`.
 * Returns one outcome per input order, in input order.
 */
export async function recordOrders(
  deps: OrderDeps,
  orders: Order[],
  call: CallOptions = {},
): Promise<OrderOutcome[]> {
  const owner = (deps.newOwner ?? randomUUID)();
  const firsts = new Map<string, Order>();
  for (const o of orders) if (!firsts.has(o.orderId)) firsts.set(o.orderId, o);
  const outcomes = new Map<string, OrderOutcome>();
  const toSend: Held[] = [];
  /** Inputs whose id was taken over with an earlier order's fields: that order is settled, they are not. */
  const reused = new Map<string, OrderOutcome>();

  // 1. Claim: only an order this call holds is sent.
  await Promise.all(
    [...firsts.values()].map(async (order) => {
      const held = await claimOne(deps, order, owner, call, reused);
      if ('status' in held) outcomes.set(order.orderId, held);
      else toSend.push(held);
    }),
  );
  // 2. Send: a customer's orders in one currency share a request.
  const sent = await sendOrders(deps.partnero, toSend, call);
  // 3. Settle: what Partnero answered goes into the ledger.
  const finishes = await finishRecorded(deps.ledger, sent, owner);
  await Promise.all(
    sent.map(async ({ held, result }) => {
      const finish = finishes.get(held.order.orderId);
      outcomes.set(held.order.orderId, await settle(deps, held, result, owner, call, finish));
    }),
  );

  const seen = new Set<string>();
  return orders.map((o) => {
    if (seen.has(o.orderId)) {
      const changed = changedFields(firsts.get(o.orderId) as Order, o);
      return changed.length === 0
        ? { orderId: o.orderId, status: 'duplicate' }
        : keyReused(o.orderId, 'appeared earlier in this call', changed);
    }
    seen.add(o.orderId);
    return (
      reused.get(o.orderId) ??
      outcomes.get(o.orderId) ?? { orderId: o.orderId, status: 'failed', error: new Error('no outcome') }
    );
  });
}

/**
 * Claims one order; answers its outcome when it needs no POST, else what to send. A takeover carries on
 * with the fields first claimed (an attempt with them may have landed); when `order` differs, its
 * `key_reused` answer goes into `reused`.
 */
async function claimOne(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
  reused: Map<string, OrderOutcome>,
): Promise<Held | OrderOutcome> {
  const { orderId } = order;
  let claim: ClaimResult;
  try {
    claim = await deps.ledger.claim(order, owner);
  } catch (error) {
    return { orderId, status: 'failed', error };
  }
  if (!claim.claimed) return settledBefore(order, claim.entry);
  const changed = changedFields(claim.order, order);
  if (changed.length > 0) reused.set(orderId, keyReused(orderId, 'was being recorded before', changed));
  if (claim.refundRequested) return reverseHeld(deps, claim.order, owner, call);
  const failures = claim.failures ?? 0;
  if (!claim.takeover) return { order: claim.order, doubt: false, failures };
  return takeOver(deps, claim.order, owner, call, { sentBy: claim.sentBy ?? 0, failures });
}

/**
 * A claim taken over: an earlier holder may have sent it (its answer lost, or it died), so look before
 * sending again, and only once Partnero's look-up shows what that attempt wrote (it lags behind writes).
 */
async function takeOver(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
  { sentBy, failures }: { sentBy: number; failures: number },
): Promise<Held | OrderOutcome> {
  const { orderId } = order;
  if (deps.ledger.now() < sentBy + deps.ledger.lookupLagMs) {
    await deps.ledger.release(orderId, owner, { sentBy }).catch(() => undefined);
    return { orderId, status: 'pending' };
  }
  try {
    const copies = await copiesOf(deps.partnero, order, call);
    if (copies.length === 0) return { order, doubt: true, failures };
    return await adoptCopy(deps, order, owner, copies[0], call);
  } catch (error) {
    deps.logger?.warn('order look-up failed; the claim is released for a retry', {
      orderId,
      error: String(error),
    });
    await deps.ledger.release(orderId, owner, { sentBy, failures }).catch(() => undefined);
    return { orderId, status: 'pending' };
  }
}

/** How a recorded order is settled: verified later when its recording went through doubt. */
const settlementOf = (held: Held, sent: Sent): Extract<Settlement, { state: 'recorded' }> => ({
  state: 'recorded',
  reward: sent.kind === 'created' ? sent.reward : 0,
  verify: held.doubt || sent.kind === 'exists',
});

/** The ledger writes of every order Partnero recorded, in one transaction (or the error that stopped it). */
async function finishRecorded(ledger: OrderLedger, sent: SentOrder[], owner: string) {
  const recorded = sent.filter(({ result }) => result.kind === 'created' || result.kind === 'exists');
  const finishes = new Map<string, FinishResult | { error: unknown }>();
  if (recorded.length === 0) return finishes;
  const list = recorded.map(({ held, result }) => ({
    orderId: held.order.orderId,
    settlement: settlementOf(held, result),
  }));
  try {
    const results = await ledger.finishAll(owner, list);
    for (const [i, { orderId }] of list.entries()) {
      finishes.set(orderId, results[i] ?? { error: new Error('no finish result') });
    }
  } catch (error) {
    for (const { orderId } of list) finishes.set(orderId, { error });
  }
  return finishes;
}

/** Writes what the POST did into the ledger and answers the order's outcome. */
async function settle(
  deps: OrderDeps,
  held: Held,
  sent: Sent,
  owner: string,
  call: CallOptions,
  /** The ledger write already made for a recorded order (by `finishRecorded`). */
  finish?: FinishResult | { error: unknown },
): Promise<OrderOutcome> {
  const { order } = held;
  const { orderId } = order;
  try {
    if (sent.kind === 'created' || sent.kind === 'exists') {
      const settlement = settlementOf(held, sent);
      if (finish && 'error' in finish) throw finish.error;
      const result = finish ?? (await deps.ledger.finish(orderId, owner, settlement));
      return await finished(deps, order, owner, settlement.reward, result, call);
    }
    if (sent.kind === 'unknown') return await afterUnknownOutcome(deps, order, owner, call);
    if (sent.kind === 'not_referred') {
      await deps.ledger.finish(orderId, owner, { state: 'not_referred', reason: sent.reason });
      return { orderId, status: 'not_referred', reason: sent.reason };
    }
    return await refused(deps, held, sent, owner);
  } catch (error) {
    // The ledger write failed after Partnero answered; the claim's lease runs out and the reconciler (or
    // a redelivery) settles it by looking the key up. The money is already right.
    deps.logger?.warn('ledger write failed after Partnero answered', {
      orderId,
      sent: sent.kind,
      error: String(error),
    });
    if (sent.kind === 'created' || sent.kind === 'exists')
      return { orderId, status: 'recorded', reward: sent.kind === 'created' ? sent.reward : 0 };
    if (sent.kind === 'not_referred') return { orderId, status: 'not_referred', reason: sent.reason };
    return { orderId, status: 'failed', error };
  }
}

/** Partnero refused the order: owed again later (deferred, then parked) when retryable, else rejected. */
async function refused(
  deps: OrderDeps,
  held: Held,
  sent: Extract<Sent, { kind: 'unknown_customer' | 'refused' }>,
  owner: string,
): Promise<OrderOutcome> {
  const { orderId } = held.order;
  const reason =
    sent.kind === 'unknown_customer' ? sent.reason : String((sent.error as Error)?.message ?? sent.error);
  // After a takeover an earlier attempt may still land: the refusal keeps that doubt. A retryable
  // answer leaves the order owed (deferred, then parked), never refused for good.
  if (retryable(sent)) {
    const state = await deps.ledger.defer(orderId, owner, {
      reason,
      doubt: held.doubt,
      failures: held.failures ?? 0,
      // Only a customer Partnero keeps not knowing is given up on; a 429 storm waits it out.
      parkable: sent.kind === 'unknown_customer',
    });
    if (state === 'parked') {
      deps.logger?.error('order parked: Partnero kept refusing it with retryable answers', {
        orderId,
        reason,
      });
      deps.onParked?.(orderId, reason);
    }
  } else await deps.ledger.reject(orderId, owner, { reason, doubt: held.doubt });
  if (sent.kind === 'unknown_customer') return { orderId, status: 'unknown_customer', reason: sent.reason };
  return { orderId, status: 'failed', error: sent.error };
}

/** The POST's answer was lost: found by key → recorded; not found (yet) → released in doubt. */
async function afterUnknownOutcome(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
): Promise<OrderOutcome> {
  const copies = await copiesOf(deps.partnero, order, call).catch(() => undefined);
  if (!copies?.length) {
    // It may still land (a late commit): the next claim looks again, the reconciler counts copies.
    await deps.ledger.release(order.orderId, owner);
    return { orderId: order.orderId, status: 'pending' };
  }
  return adoptCopy(deps, order, owner, copies[0], call);
}

/** A copy Partnero holds under the order's key: the order is recorded with its reward (verified later). */
async function adoptCopy(
  deps: OrderDeps,
  order: Order,
  owner: string,
  copy: Transaction | undefined,
  call: CallOptions,
): Promise<OrderOutcome> {
  const reward = rewardOf(copy);
  const result = await deps.ledger.finish(order.orderId, owner, { state: 'recorded', reward, verify: true });
  return finished(deps, order, owner, reward, result, call);
}

/** The outcome of a finish: recorded; or, when a refund arrived meanwhile, reversed at once. */
async function finished(
  deps: OrderDeps,
  order: Order,
  owner: string,
  reward: number,
  result: FinishResult,
  call: CallOptions,
): Promise<OrderOutcome> {
  const { orderId } = order;
  if (result.finished) return { orderId, status: 'recorded', reward };
  if (result.entry?.refundRequested && (result.entry.owner === owner || result.entry.state === 'recorded')) {
    return reverseHeld(deps, order, owner, call);
  }
  // Another worker took the claim over; it settles the order.
  return { orderId, status: 'duplicate' };
}

/** A refund reached an order this call holds: delete every copy, then mark it refunded. */
async function reverseHeld(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
): Promise<OrderOutcome> {
  try {
    await deleteOneCopy(deps.partnero, order.orderId, call);
    await deps.ledger.completeRefund(order.orderId, owner);
    return { orderId: order.orderId, status: 'already_refunded' };
  } catch (error) {
    // The refund stays requested on the claim; when its lease ends the reconciler finishes the reversal.
    return { orderId: order.orderId, status: 'failed', error };
  }
}
