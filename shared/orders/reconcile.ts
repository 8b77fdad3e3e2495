import { randomUUID } from 'node:crypto';
import type { CallOptions } from '#shared/partnero/index.js';
import type { LedgerEntry } from './ledger.js';
import type { OrderDeps } from './order-deps.js';
import { copiesOf, deleteAllCopies, rewardOf, transactionItem } from './partnero-transactions.js';
import { recordOrders } from './record-orders.js';
import { applyVersion, liveVersions, retireVersions } from './refund-orders.js';

/** Why the reconciler changed something; each repair is logged and counted (`LedgerRepairs` by reason). */
export type RepairReason =
  /** A claim whose holder vanished: looked up, then recorded (or sent) by the reconciler. */
  | 'stuck_claim_settled'
  /** An order Partnero answered with something retryable (429, unknown customer): recorded on a later try. */
  | 'deferred_order_recorded'
  /** A requested refund whose delete had not gone through. */
  | 'refund_completed'
  /** A transaction of a refunded order that landed after the refund (a late commit). */
  | 'refund_reversed'
  /** A second copy of a recorded order (two writes landed): deleted. */
  | 'extra_copy_deleted'
  /** A recorded order whose transaction is gone from Partnero (deleted outside this system): logged only. */
  | 'missing_transaction'
  /** An order Partnero first refused whose earlier, doubtful attempt landed after all: recorded. */
  | 'late_write_recorded'
  /** A recorded order whose copies were trimmed too far (a retried DELETE): sent once more. */
  | 'copy_restored'
  /** A partial refund whose caller stopped before the order's new version was live: carried through. */
  | 'partial_refund_completed';

export interface ReconcileDeps extends OrderDeps {
  /** Told of every repair, e.g. to add a metric. */
  onRepair?: (reason: RepairReason, entry: LedgerEntry) => void;
}

export interface ReconcileResult {
  /** Entries looked at. */
  checked: number;
  repairs: Partial<Record<RepairReason, number>>;
  /** Entries that could not be settled this time (looked at again after a growing delay). */
  failed: number;
}

const CONCURRENCY = 4;

/**
 * One sweep: every ledger entry whose `sweepAt` has come (at most `limit`), checked against Partnero by
 * key and repaired. Safe to run concurrently with the pipeline and with itself: every change goes
 * through the same conditional ledger writes, and an entry that changed meanwhile is left for later.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: { limit?: number; call?: CallOptions } = {},
): Promise<ReconcileResult> {
  const due = await deps.ledger.due(options.limit ?? 100);
  const result: ReconcileResult = { checked: due.length, repairs: {}, failed: 0 };
  const queue = [...due];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        const reason = await reconcileEntry(deps, entry, options.call ?? {});
        if (reason) {
          result.repairs[reason] = (result.repairs[reason] ?? 0) + 1;
          deps.logger?.warn('ledger repair', { reason, orderId: entry.orderId, state: entry.state });
          deps.onRepair?.(reason, entry);
        }
      } catch (error) {
        result.failed += 1;
        deps.logger?.warn('ledger entry not settled; it is looked at again later', {
          orderId: entry.orderId,
          failures: (entry.failures ?? 0) + 1,
          error: String(error),
        });
        await deps.ledger.postpone(entry).catch(() => undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return result;
}

/** Settles one due entry; answers the repair it made, if any. Throws when it must be tried again later. */
async function reconcileEntry(
  deps: ReconcileDeps,
  entry: LedgerEntry,
  call: CallOptions,
): Promise<RepairReason | undefined> {
  if (entry.state === 'claimed' || entry.state === 'deferred') {
    // Still owed: the same claim a redelivery would make (it looks up first after doubt, and waits
    // for Partnero's look-up lag). A retryable answer defers it again (or parks it), never rejects it.
    if (!entry.order) throw new Error(`${entry.state} entry without its order`);
    const [outcome] = await recordOrders(deps, [entry.order], call);
    if (outcome?.status === 'recorded')
      return entry.state === 'claimed' ? 'stuck_claim_settled' : 'deferred_order_recorded';
    if (outcome?.status === 'already_refunded') return 'refund_completed';
    if (
      outcome?.status === 'not_referred' ||
      outcome?.status === 'in_progress' ||
      outcome?.status === 'duplicate'
    )
      return undefined;
    // Rescheduled by the claim's release or deferral; counted as a failure of this sweep.
    throw outcome?.status === 'failed'
      ? outcome.error
      : new Error(`order ${entry.orderId} is ${outcome?.status}`);
  }
  if (entry.state === 'recorded' && entry.refundRequested) {
    const versions = liveVersions(entry);
    await retireVersions(deps, entry.orderId, versions.later, call);
    if (versions.own) await deleteAllCopies(deps.partnero, entry.orderId, call);
    await deps.ledger.completeRefund(entry.orderId);
    return 'refund_completed';
  }
  if (entry.state === 'recorded' && (entry.version ?? 0) > (entry.settledVersion ?? 0)) {
    await applyVersion(deps, entry, call);
    return 'partial_refund_completed';
  }
  if (entry.state === 'rejected' || entry.state === 'parked') {
    // Refused after an attempt in doubt: due once that attempt has landed and shows.
    const copies = await copiesOf(
      deps.partnero,
      { orderId: entry.orderId, customerKey: entry.order?.customerKey },
      call,
    );
    if (copies.length === 0) {
      await deps.ledger.settleSweep(entry);
      return undefined;
    }
    await deps.ledger.adoptLateWrite(entry, rewardOf(copies[0]));
    return 'late_write_recorded';
  }
  const { repair, wrote, seen, waitUntil } = await checkCopies(deps, entry, call);
  if (waitUntil !== undefined) await deps.ledger.settleSweep(entry, { waitUntil });
  // A DELETE or POST of this check may itself land late: count once more, once its trim is quiet.
  else await deps.ledger.settleSweep(seen ?? entry, { again: wrote });
  return repair;
}

/**
 * What a count did; `seen`: the entry as this run's trim mark left it; `waitUntil`: the count cannot be
 * trusted before then (a trim's own writes may still land), so nothing was done.
 */
type Check = { repair?: RepairReason; wrote: boolean; seen?: LedgerEntry; waitUntil?: number };

/**
 * Counts the key's copies at Partnero against what the ledger says there should be (0 or 1). A trim is
 * judged by time: a DELETE whose answer was lost may still land, so while the trim mark is not quiet a
 * count of one (or none) proves nothing and changes nothing; extra copies are still trimmed at once.
 */
async function checkCopies(deps: ReconcileDeps, entry: LedgerEntry, call: CallOptions): Promise<Check> {
  if (entry.state === 'not_referred') return { wrote: false };
  const copies = await copiesOf(
    deps.partnero,
    { orderId: entry.orderId, customerKey: entry.order?.customerKey },
    call,
  );
  // A refunded order, or one whose own transaction a partial refund retired, has no copy of this key.
  if (entry.state === 'refunded' || (entry.settledVersion ?? 0) >= 1) {
    if (copies.length === 0) return { wrote: false };
    await deleteAllCopies(deps.partnero, entry.orderId, call);
    return { repair: 'refund_reversed', wrote: true };
  }
  const quietAt = entry.trimming ? (entry.trimQuietAt ?? 0) : 0;
  const now = deps.ledger.now();
  // Not quiet yet: counted again soon (a late write's extra copy is trimmed at once), cleared only then.
  if (copies.length <= 1 && now < quietAt)
    return { wrote: false, waitUntil: Math.min(quietAt, now + deps.ledger.recheckMs) };
  if (copies.length === 1) return { wrote: false };
  // Gone, and not by a trim of ours: someone deleted it at Partnero.
  if (copies.length === 0 && (!entry.trimming || !entry.order))
    return { repair: 'missing_transaction', wrote: false };
  const trim = await deps.ledger.markTrimming(entry, (deps.newOwner ?? randomUUID)());
  if (!trim) throw new Error(`order ${entry.orderId} changed while being checked`);
  if (copies.length === 0) {
    // Gone because an earlier trim deleted too many (all its writes have landed): put the one back.
    const restored = await restoreCopy(deps, trim, call);
    return { ...(restored ? { repair: 'copy_restored' } : {}), wrote: restored, seen: trim };
  }
  // Whichever copy each DELETE removes, one is left; if a retried DELETE took more, the mark puts one
  // back once the trim is quiet.
  for (let i = 1; i < copies.length; i++) await deps.partnero.transactions.delete(entry.orderId, call);
  return { repair: 'extra_copy_deleted', wrote: true, seen: trim };
}

/**
 * Sends the one transaction of a recorded order whose copies a trim deleted too many of (a DELETE
 * retried after a lost answer, or a Partnero that deletes every copy of a key at once). Only the run
 * holding the trim sends it, and only while the order is owed one: a refund (or partial refund) that
 * arrives while the copy is on its way may have deleted before it landed, so the copy is reversed here.
 * Answers false when the order was no longer owed a copy. An unknown outcome throws: the entry is due
 * again once the trim's lease is over, and is counted once that trim is quiet.
 */
async function restoreCopy(deps: ReconcileDeps, trim: LedgerEntry, call: CallOptions): Promise<boolean> {
  const order = trim.order as NonNullable<LedgerEntry['order']>;
  if (!(await deps.ledger.holdsTrim(trim)).holds) return false;
  const t = await deps.partnero.transactions.create(
    { customer: { id: order.customerKey }, ...transactionItem(order) },
    call,
  );
  deps.logger?.warn('re-recorded an order whose copies were trimmed too far', {
    orderId: trim.orderId,
    reward: rewardOf(t),
  });
  const after = await deps.ledger.holdsTrim(trim);
  const current = after.holds ? undefined : after.entry;
  if (current && (current.refundRequested || (current.version ?? 0) !== (trim.version ?? 0)))
    await deleteAllCopies(deps.partnero, trim.orderId, call);
  return true;
}
