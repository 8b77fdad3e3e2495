import type { CallOptions, PartneroClient } from '#shared/partnero/index.js';
import { abandonedClaim, type LedgerEntry, type OrderLedger } from './ledger.js';
import type { RefundOutcome } from './order.js';
import { deleteOneCopy } from './partnero-transactions.js';
import { versionKey } from './versions.js';

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
