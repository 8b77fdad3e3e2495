import type { CallOptions, PartneroClient } from '#shared/partnero/index.js';
import type { OrderLedger } from './ledger.js';
import type { RefundOutcome } from './order.js';
import { deleteOneCopy } from './partnero-transactions.js';

export interface RefundDeps {
  partnero: PartneroClient;
  ledger: OrderLedger;
}

/**
 * Refunds an order: the ledger remembers the refund first (so a placed event racing or replaying after
 * it is never recorded), then the order's transaction is deleted, which reverses its reward (one DELETE;
 * the reconciler counts the key's copies after every refund, so a duplicate or late write goes too). An order being recorded right now is left to its holder, which reverses it when it finishes.
 * A failed delete throws; the refund stays requested in the ledger and the reconciler completes it.
 */
export async function refundOrder(
  deps: RefundDeps,
  orderId: string,
  call: CallOptions = {},
): Promise<RefundOutcome> {
  const before = await deps.ledger.requestRefund(orderId);
  if (before?.state === 'refunded' || before?.state === 'not_referred')
    return { orderId, status: 'nothing_to_reverse' };
  if (before?.state === 'claimed' && (before.leaseUntil ?? 0) >= deps.ledger.now())
    return { orderId, status: 'refund_pending' };
  // Recorded, an abandoned claim, or unknown to the ledger (recorded before it existed, or never).
  const deleted = await deleteOneCopy(deps.partnero, orderId, call);
  await deps.ledger.completeRefund(orderId, before?.state === 'claimed' ? before.owner : undefined);
  return { orderId, status: deleted || before?.state === 'recorded' ? 'refunded' : 'nothing_to_reverse' };
}
