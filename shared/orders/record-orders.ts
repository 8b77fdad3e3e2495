import { randomUUID } from 'node:crypto';
import type { CallOptions } from '#shared/partnero/index.js';
import type { ClaimResult, Settlement } from './ledger.js';
import { changedFields, type Order, type OrderOutcome } from './order.js';
import type { Held, OrderDeps } from './order-deps.js';
import { copiesOf, rewardOf } from './partnero-transactions.js';
import { groupOrders, sendGroup } from './send-orders.js';
import { finished, finishRecorded, reverseHeld, settle } from './settle-orders.js';

export type { OrderDeps } from './order-deps.js';

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
  const unique = [...firsts.values()];
  const outcomes = new Map<string, OrderOutcome>();
  const toSend: Held[] = [];
  /** Inputs whose id was taken over with an earlier order's fields: that order is settled, they are not. */
  const reused = new Map<string, OrderOutcome>();

  await Promise.all(
    unique.map(async (order) => {
      const held = await claimOne(deps, order, owner, call, reused);
      if ('status' in held) outcomes.set(order.orderId, held);
      else toSend.push(held);
    }),
  );
  const sent = (
    await Promise.all(groupOrders(toSend).map((group) => sendGroup(deps.partnero, group, call)))
  ).flat();
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

const keyReused = (orderId: string, seen: string, changed: string[]): OrderOutcome => ({
  orderId,
  status: 'key_reused',
  reason: `order ${orderId} ${seen} with another ${changed.join(', ')}`,
});

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
  if (!claim.claimed) {
    const { entry } = claim;
    // Every order under an id that holds other fields is refused, even while the first is being recorded.
    const changed = entry.order ? changedFields(entry.order, order) : [];
    if (changed.length > 0) {
      const seen =
        entry.state === 'claimed' ? 'is being recorded' : `was ${entry.state.replace('_', ' ')} before`;
      return keyReused(orderId, seen, changed);
    }
    if (entry.state === 'recorded')
      return { orderId, status: entry.refundRequested ? 'already_refunded' : 'duplicate' };
    if (entry.state === 'refunded') return { orderId, status: 'already_refunded' };
    if (entry.state === 'not_referred')
      return { orderId, status: 'not_referred', reason: entry.reason ?? 'not referred' };
    return { orderId, status: 'in_progress' };
  }
  const changed = changedFields(claim.order, order);
  if (changed.length > 0) reused.set(orderId, keyReused(orderId, 'was being recorded before', changed));
  if (claim.refundRequested) return reverseHeld(deps, claim.order, owner, call);
  const failures = claim.failures ?? 0;
  if (!claim.takeover) return { order: claim.order, doubt: false, failures };
  // An earlier holder may have sent it (its answer lost, or it died): look before sending again, and
  // only once Partnero's look-up shows what that attempt wrote (it lags behind writes).
  const sentBy = claim.sentBy ?? 0;
  if (deps.ledger.now() < sentBy + deps.ledger.lookupLagMs) {
    await deps.ledger.release(orderId, owner, { sentBy }).catch(() => undefined);
    return { orderId, status: 'pending' };
  }
  try {
    const copies = await copiesOf(deps.partnero, claim.order, call);
    if (copies.length === 0) return { order: claim.order, doubt: true, failures };
    const settlement: Settlement = { state: 'recorded', reward: rewardOf(copies[0]), verify: true };
    return finished(
      deps,
      claim.order,
      owner,
      settlement,
      await deps.ledger.finish(orderId, owner, settlement),
      call,
    );
  } catch (error) {
    deps.logger?.warn('order look-up failed; the claim is released for a retry', {
      orderId,
      error: String(error),
    });
    await deps.ledger.release(orderId, owner, { sentBy, failures }).catch(() => undefined);
    return { orderId, status: 'pending' };
  }
}
