import { isAppError } from '#shared/errors.js';
import type { CallOptions } from '#shared/partnero/index.js';
import type { FinishResult, OrderLedger, Settlement } from './ledger.js';
import type { Order, OrderOutcome } from './order.js';
import type { Held, OrderDeps, Sent, SentOrder } from './order-deps.js';
import { copiesOf, deleteOneCopy, rewardOf } from './partnero-transactions.js';

/** A refusal that trying again later can turn into a recording (429, a failure before sending). */
const retryable = (sent: Sent) =>
  sent.kind === 'unknown_customer' ||
  (sent.kind === 'refused' && isAppError(sent.error) && sent.error.retryable);

/** How a recorded order is settled: verified later when its recording went through doubt. */
const settlementOf = (held: Held, sent: Sent): Settlement => ({
  state: 'recorded',
  reward: sent.kind === 'created' ? sent.reward : 0,
  verify: held.doubt || sent.kind === 'exists',
});

/** The ledger writes of every order Partnero recorded, in one transaction (or the error that stopped it). */
export async function finishRecorded(ledger: OrderLedger, sent: SentOrder[], owner: string) {
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
export async function settle(
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
  const { ledger } = deps;
  try {
    if (sent.kind === 'created' || sent.kind === 'exists') {
      const settlement = settlementOf(held, sent);
      if (finish && 'error' in finish) throw finish.error;
      return await finished(
        deps,
        order,
        owner,
        settlement,
        finish ?? (await ledger.finish(orderId, owner, settlement)),
        call,
      );
    }
    if (sent.kind === 'unknown') return await afterUnknownOutcome(deps, order, owner, call);
    if (sent.kind === 'not_referred') {
      await ledger.finish(orderId, owner, { state: 'not_referred', reason: sent.reason });
      return { orderId, status: 'not_referred', reason: sent.reason };
    }
    const reason =
      sent.kind === 'unknown_customer' ? sent.reason : String((sent.error as Error)?.message ?? sent.error);
    // After a takeover an earlier attempt may still land: the refusal keeps that doubt. A retryable
    // answer leaves the order owed (deferred, then parked), never refused for good.
    if (retryable(sent)) {
      const state = await ledger.defer(orderId, owner, {
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
    } else await ledger.reject(orderId, owner, { reason, doubt: held.doubt });
    if (sent.kind === 'unknown_customer') return { orderId, status: 'unknown_customer', reason: sent.reason };
    return { orderId, status: 'failed', error: sent.error };
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

/** The POST's answer was lost: found by key → recorded; not found (yet) → released in doubt. */
async function afterUnknownOutcome(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
): Promise<OrderOutcome> {
  let copies: Awaited<ReturnType<typeof copiesOf>> | undefined;
  try {
    copies = await copiesOf(deps.partnero, order, call);
  } catch {
    copies = undefined;
  }
  if (!copies?.length) {
    // It may still land (a late commit): the next claim looks again, the reconciler counts copies.
    await deps.ledger.release(order.orderId, owner);
    return { orderId: order.orderId, status: 'pending' };
  }
  const settlement: Settlement = { state: 'recorded', reward: rewardOf(copies[0]), verify: true };
  return finished(
    deps,
    order,
    owner,
    settlement,
    await deps.ledger.finish(order.orderId, owner, settlement),
    call,
  );
}

/** The outcome of a finish: recorded; or, when a refund arrived meanwhile, reversed at once. */
export async function finished(
  deps: OrderDeps,
  order: Order,
  owner: string,
  settlement: Settlement,
  result: FinishResult,
  call: CallOptions,
): Promise<OrderOutcome> {
  const { orderId } = order;
  if (result.finished) {
    return settlement.state === 'recorded'
      ? { orderId, status: 'recorded', reward: settlement.reward }
      : { orderId, status: 'not_referred', reason: settlement.reason };
  }
  if (result.entry?.refundRequested && (result.entry.owner === owner || result.entry.state === 'recorded')) {
    return reverseHeld(deps, order, owner, call);
  }
  // Another worker took the claim over; it settles the order.
  return { orderId, status: 'duplicate' };
}

/** A refund reached an order this call holds: delete every copy, then mark it refunded. */
export async function reverseHeld(
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
