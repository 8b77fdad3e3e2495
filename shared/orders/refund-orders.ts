import { validationError } from '#shared/errors.js';
import type { CallOptions, PartneroClient } from '#shared/partnero/index.js';
import { amountProblem } from '#shared/schemas/fields.js';
import {
  abandonedClaim,
  type LedgerEntry,
  type OrderLedger,
  type PartialRefundRegistration,
  remainderOf,
  versionKey,
  versionsBelow,
} from './ledger.js';
import type { OrderDeps } from './order-deps.js';
import type { RefundOutcome } from './order-outcomes.js';
import { deleteOneCopy } from './partnero-transactions.js';
import { recordOrders } from './record-orders.js';

/**
 * Refunds, whole and partial. Partnero cannot change a transaction's amount: a whole refund deletes the
 * order's transaction (which reverses its reward); a partial one retires it and records what is left
 * under the next version's key. The ledger registers every refund first, so a duplicate, a crash or a
 * lost answer ends the same.
 */

export interface RefundDeps {
  partnero: PartneroClient;
  ledger: OrderLedger;
}

/**
 * Refunds an order: the ledger remembers the refund first (so a placed event racing or replaying after
 * it is never recorded), then the order's transaction is deleted, which reverses its reward (one DELETE;
 * the reconciler counts the key's copies after every refund, so a duplicate or late write goes too). An
 * order being recorded right now is left to its holder, which reverses it when it finishes. A partially
 * refunded order also loses the transactions of its versions.
 * A failed delete throws; the refund stays requested in the ledger and the reconciler completes it.
 */
export async function refundOrder(
  deps: RefundDeps,
  orderId: string,
  call: CallOptions = {},
): Promise<RefundOutcome> {
  const before = await deps.ledger.requestRefund(orderId);
  // A resent refund answers as the first did: the entry remembers whether a refund reversed a reward.
  if (before?.state === 'refunded')
    return {
      orderId,
      status: before.reversed || before.reward !== undefined ? 'already_refunded' : 'nothing_to_reverse',
    };
  if (before?.state === 'not_referred') return { orderId, status: 'nothing_to_reverse' };
  if (before?.state === 'claimed' && !abandonedClaim(before, deps.ledger.now()))
    return { orderId, status: 'refund_pending' };
  // Recorded, an abandoned claim, or unknown to the ledger (recorded before it existed, or never).
  const versions = liveVersions(before);
  await retireVersions(deps, orderId, versions.later, call);
  const deleted = versions.own ? await deleteOneCopy(deps.partnero, orderId, call) : false;
  const reversed = deleted || before?.state === 'recorded';
  await deps.ledger.completeRefund(orderId, before?.state === 'claimed' ? before.owner : undefined, reversed);
  return { orderId, status: reversed ? 'refunded' : 'nothing_to_reverse' };
}

/**
 * Which versions of an order may still hold a transaction: the order's own (until a partial refund
 * retired it) and every later one from the first not yet retired up to the newest.
 */
export function liveVersions(entry: LedgerEntry | undefined) {
  const settled = entry?.settledVersion ?? 0;
  const newest = entry?.version ?? 0;
  const later: number[] = [];
  for (let k = Math.max(1, settled); k <= newest; k++) later.push(k);
  return { own: settled === 0, later };
}

/**
 * Retires versions of an order: the order's own transaction (version 0) loses its copy, a later one is
 * refunded through its own ledger entry (so one still being recorded is reversed by its holder).
 */
export async function retireVersions(
  deps: RefundDeps,
  orderId: string,
  versions: readonly number[],
  call: CallOptions,
): Promise<void> {
  await Promise.all(
    versions.map((k) =>
      k === 0 ? deleteOneCopy(deps.partnero, orderId, call) : refundOrder(deps, versionKey(orderId, k), call),
    ),
  );
}

/** One partial refund: `refundId` makes it count once, however often it is delivered. */
export interface RefundPart {
  refundId: string;
  amount: number;
}

/**
 * Takes `part.amount` off a recorded order. Partnero cannot change a transaction's amount, so the ledger
 * registers the refund (once per refund id), the order's live transaction is deleted, and what is left is
 * recorded under the next version's key: the reward follows what was really paid. Several partial refunds
 * add up; one that reaches the order's amount refunds it in full. Every step goes through the ledger, so
 * a duplicate, a crash or a lost answer ends the same (the reconciler finishes what a caller left).
 */
export async function refundPart(
  deps: OrderDeps,
  orderId: string,
  part: RefundPart,
  call: CallOptions = {},
): Promise<RefundOutcome> {
  await refusePartOutOfUnits(deps, orderId, part);
  const register = () => deps.ledger.registerPartialRefund(orderId, part.refundId, part.amount);
  let registration = await register();
  const abandoned = !registration.registered && abandonedOrder(registration.entry, deps.ledger.now());
  if (abandoned) {
    // Its recording was abandoned (the holder stopped, its lease is over): finish it here, as the
    // reconciler would, so the refund does not wait for the next sweep.
    await recordOrders(deps, [abandoned], call);
    registration = await register();
  }
  if (!registration.registered) return unregistered(orderId, registration);
  return applyVersion(deps, registration.entry, call);
}

/**
 * A part with decimals must be whole minor units of the order's currency, as the order itself was
 * (`amountProblem`): 0.001 off a USD order, or 0.5 off a JPY one, would leave a remainder Partnero should
 * never hold. The currency is the order's, so it is read first; a whole part needs no read.
 */
async function refusePartOutOfUnits(deps: OrderDeps, orderId: string, part: RefundPart) {
  if (Number.isInteger(part.amount)) return;
  const currency = (await deps.ledger.entry(orderId))?.order?.currency;
  const problem = currency ? amountProblem(part.amount, { currency }) : undefined;
  if (problem) throw validationError({ amount: [problem] }, `The refund amount ${problem}`);
}

/** The order of a claim whose holder's lease ran out, if `entry` is one. */
const abandonedOrder = (entry: LedgerEntry | undefined, now: number) =>
  abandonedClaim(entry, now) && !entry?.refundRequested ? entry?.order : undefined;

function unregistered(
  orderId: string,
  registration: Extract<PartialRefundRegistration, { registered: false }>,
): RefundOutcome {
  if (registration.conflict) return { orderId, status: 'refund_id_reused' };
  if (registration.duplicate) return { orderId, status: 'duplicate_refund' };
  const entry = registration.entry;
  if (!entry) return { orderId, status: 'not_recorded' };
  if (entry.state === 'refunded' || entry.state === 'not_referred' || entry.refundRequested)
    return { orderId, status: 'nothing_to_reverse' };
  // Refused for good, or given up on: nothing is recorded and retrying the refund cannot change that.
  if (entry.state === 'rejected' || entry.state === 'parked')
    return { orderId, status: 'order_refused', reason: entry.reason ?? `the order was ${entry.state}` };
  // Being recorded right now, or still owed after a retryable answer (e.g. its customer is not known yet).
  return { orderId, status: 'in_progress' };
}

/**
 * Makes an entry's newest version the live one: retires the versions before it, records the remainder
 * under its key, and marks them settled. Safe to repeat (the reconciler does, for an entry left due).
 */
export async function applyVersion(
  deps: OrderDeps,
  entry: LedgerEntry,
  call: CallOptions = {},
): Promise<RefundOutcome> {
  const { orderId, order } = entry;
  if (!order) throw new Error(`order ${orderId} has a partial refund but no order fields`);
  const version = entry.version ?? 0;
  const remaining = remainderOf(order.amount, entry.refundedTotal ?? 0);
  if (remaining <= 0) {
    const full = await refundOrder(deps, orderId, call);
    return { orderId, status: full.status === 'nothing_to_reverse' ? 'nothing_to_reverse' : 'refunded' };
  }
  // Take the old transactions away before adding the new one: a payout in between pays less, never more.
  await retireVersions(deps, orderId, versionsBelow(entry.settledVersion, version), call);
  const [outcome] = await recordOrders(
    deps,
    [{ ...order, orderId: versionKey(orderId, version), amount: remaining }],
    call,
  );
  // A retryable answer leaves the version's own entry owed (deferred, or released in doubt): the
  // reconciler records it from there, so only a failure before its ledger entry existed is retried here.
  if (!outcome || outcome.status === 'failed') throw outcome?.error ?? new Error('no outcome');
  if (outcome.status === 'not_referred' || outcome.status === 'unknown_customer') {
    deps.logger?.warn('the rest of a partially refunded order could not be recorded', {
      orderId,
      version,
      reason: outcome.reason,
    });
  }
  await deps.ledger.settleVersions(orderId, version);
  return { orderId, status: 'partially_refunded', remaining };
}
