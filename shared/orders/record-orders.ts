import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { isAppError } from '#shared/errors.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';
import type { ClaimResult, FinishResult, OrderLedger, Settlement } from './ledger.js';
import type { Order, OrderOutcome } from './order.js';
import {
  copiesOf,
  customerRejection,
  deleteOneCopy,
  failingItems,
  lookUpRejection,
  rewardOf,
  transactionItem,
} from './partnero-transactions.js';

export interface OrderDeps {
  partnero: PartneroClient;
  ledger: OrderLedger;
  /** A new claim token per call. @default crypto.randomUUID */
  newOwner?: () => string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** Partnero documents no batch limit; 100 keeps one request well inside any body limit. */
const MAX_BATCH = 100;

/** What one POST did to one order. */
type Sent =
  | { kind: 'created'; reward: number }
  /** The answer was lost (5xx, timeout, unreadable 2xx): it may or may not have been recorded. */
  | { kind: 'unknown' }
  /** A strict Partnero said the key exists. */
  | { kind: 'exists' }
  | { kind: 'not_referred'; reason: string }
  | { kind: 'unknown_customer'; reason: string }
  /** Definitely not recorded. */
  | { kind: 'refused'; error: unknown };

/** An order this call holds the claim of, with how to settle it. */
interface Held {
  order: Order;
  /** An earlier holder may have sent it: verify copies later. */
  doubt: boolean;
}

/**
 * Turns orders into Partnero transactions, each exactly once, through the order ledger: the one code
 * path behind `POST /transactions`, the order-events consumer and the reconciler. Each order is claimed
 * with a conditional write; only claimed orders are sent, one batch request per customer and currency;
 * an unknown outcome is looked up by key before anything is sent again; a refund that arrived meanwhile
 * is reversed by whoever finishes. An order id used twice in one call is recorded once.
 * Returns one outcome per input order, in input order.
 */
export async function recordOrders(
  deps: OrderDeps,
  orders: Order[],
  call: CallOptions = {},
): Promise<OrderOutcome[]> {
  const owner = (deps.newOwner ?? randomUUID)();
  const unique = [...new Map(orders.map((o) => [o.orderId, o])).values()];
  const outcomes = new Map<string, OrderOutcome>();
  const toSend: Held[] = [];

  await Promise.all(
    unique.map(async (order) => {
      const held = await claimOne(deps, order, owner, call);
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
    if (seen.has(o.orderId)) return { orderId: o.orderId, status: 'duplicate' };
    seen.add(o.orderId);
    return (
      outcomes.get(o.orderId) ?? { orderId: o.orderId, status: 'failed', error: new Error('no outcome') }
    );
  });
}

/** Claims one order; answers its outcome when it needs no POST, else what to send. */
async function claimOne(
  deps: OrderDeps,
  order: Order,
  owner: string,
  call: CallOptions,
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
    if (entry.state === 'recorded')
      return { orderId, status: entry.refundRequested ? 'already_refunded' : 'duplicate' };
    if (entry.state === 'refunded') return { orderId, status: 'already_refunded' };
    if (entry.state === 'not_referred')
      return { orderId, status: 'not_referred', reason: entry.reason ?? 'not referred' };
    return { orderId, status: 'in_progress' };
  }
  if (claim.refundRequested) return reverseHeld(deps, claim.order, owner, call);
  if (!claim.takeover) return { order: claim.order, doubt: false };
  // An earlier holder may have sent it (its answer lost, or it died): look before sending again.
  try {
    const copies = await copiesOf(deps.partnero, claim.order, call);
    if (copies.length === 0) return { order: claim.order, doubt: true };
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
    await deps.ledger.release(orderId, owner).catch(() => undefined);
    return { orderId, status: 'pending' };
  }
}

/** Orders in the same currency for the same customer can share one batch request. */
function groupOrders(held: Held[]): Held[][] {
  const groups = new Map<string, Held[][]>();
  for (const h of held) {
    const id = `${h.order.customerKey}\u0000${h.order.currency}`;
    const chunks = groups.get(id) ?? [[]];
    const last = chunks.at(-1) as Held[];
    if (last.length === MAX_BATCH) chunks.push([h]);
    else last.push(h);
    groups.set(id, chunks);
  }
  return [...groups.values()].flat();
}

type SentOrder = { held: Held; result: Sent };

/** One customer's orders in one request; a batch Partnero refuses for some items is re-sent without them. */
async function sendGroup(client: PartneroClient, group: Held[], call: CallOptions): Promise<SentOrder[]> {
  const first = group[0] as Held;
  const customer = { key: first.order.customerKey };
  try {
    if (group.length === 1) {
      const t = await client.transactions.create({ customer, ...transactionItem(first.order) }, call);
      return [{ held: first, result: { kind: 'created', reward: rewardOf(t) } }];
    }
    const created = await client.transactions.createBatch(
      { customer, transactions: group.map((h) => transactionItem(h.order)) },
      call,
    );
    const byKey = new Map(created.map((t) => [t.key, t]));
    return group.map((held) => ({
      held,
      result: { kind: 'created', reward: rewardOf(byKey.get(held.order.orderId)) },
    }));
  } catch (error) {
    return rejected(client, group, error, call);
  }
}

async function rejected(
  client: PartneroClient,
  group: Held[],
  error: unknown,
  call: CallOptions,
): Promise<SentOrder[]> {
  const all = (result: Sent) => group.map((held) => ({ held, result }));
  // Only a library error proves nothing left this process; anything else may have been sent.
  if (!isAppError(error) || (isPartneroError(error) && error.code === 'unknown_outcome'))
    return all({ kind: 'unknown' });
  const rejection = customerRejection(error);
  if (rejection) {
    try {
      const settled = await lookUpRejection(client, (group[0] as Held).order.customerKey, rejection, call);
      if (settled.kind === 'ambiguous') return all({ kind: 'refused', error });
      return all({ kind: settled.kind, reason: settled.reason });
    } catch (lookupError) {
      return all({ kind: 'refused', error: lookupError });
    }
  }
  if (!isPartneroError(error) || (error.code !== 'validation' && error.code !== 'conflict'))
    return all({ kind: 'refused', error });
  if (group.length === 1)
    return all(error.code === 'conflict' ? { kind: 'exists' } : { kind: 'refused', error });
  const failing = failingItems(error, group.length);
  if (!failing) return (await Promise.all(group.map((h) => sendGroup(client, [h], call)))).flat();
  const settled: SentOrder[] = [];
  const rest: Held[] = [];
  group.forEach((held, i) => {
    if (failing.existing.has(i)) settled.push({ held, result: { kind: 'exists' } });
    else if (failing.invalid.has(i)) settled.push({ held, result: { kind: 'refused', error } });
    else rest.push(held);
  });
  return [...settled, ...(rest.length ? await sendGroup(client, rest, call) : [])];
}

/** Writes what the POST did into the ledger and answers the order's outcome. */
const settlementOf = (held: Held, sent: Sent): Settlement => ({
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
    // After a takeover an earlier attempt may still land: the rejection keeps that doubt.
    await ledger.reject(orderId, owner, { reason, doubt: held.doubt });
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
async function finished(
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
