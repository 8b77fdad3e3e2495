import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { OrderOutcome, RefundOutcome } from './order.js';

/**
 * The order metrics of the HTTP routes, under the names the consumer's batches use (one dashboard for
 * both ways in): a Count per outcome.
 */
const PLACED: Record<OrderOutcome['status'], string | undefined> = {
  recorded: 'OrdersRecorded',
  duplicate: 'OrdersDuplicate',
  key_reused: 'OrdersKeyReused',
  already_refunded: 'OrdersAlreadyRefunded',
  not_referred: 'OrdersSkippedNotReferred',
  unknown_customer: 'OrdersUnknownCustomer',
  pending: 'OrdersPending',
  in_progress: 'OrdersPending',
  failed: undefined,
};

const REFUNDS: Record<RefundOutcome['status'], string> = {
  refunded: 'OrdersRefunded',
  partially_refunded: 'OrdersPartiallyRefunded',
  nothing_to_reverse: 'OrdersNothingToReverse',
  already_refunded: 'OrdersNothingToReverse',
  duplicate_refund: 'OrdersNothingToReverse',
  refund_id_reused: 'OrdersNothingToReverse',
  refund_pending: 'OrdersRefundPending',
  not_recorded: 'OrdersPending',
  in_progress: 'OrdersPending',
  order_refused: 'OrdersNothingToReverse',
};

export type OrderMetrics = Pick<Metrics, 'addMetric'>;

export function countOrderOutcomes(metrics: OrderMetrics | undefined, outcomes: readonly OrderOutcome[]) {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const name = PLACED[o.status];
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const [name, n] of counts) metrics?.addMetric(name, 'Count', n);
}

export const countRefundOutcome = (metrics: OrderMetrics | undefined, outcome: RefundOutcome) =>
  metrics?.addMetric(REFUNDS[outcome.status], 'Count', 1);
