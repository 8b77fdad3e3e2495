/**
 * The Powertools metrics the dashboard and the alarms read (namespace POWERTOOLS_METRICS_NAMESPACE,
 * dimension `service`). Each name is defined once, beside the code that emits it. A metric with an extra
 * dimension is emitted both with and without it (the total).
 */

export { CREDIT_METRICS } from '#shared/credits/idempotent-credit.js';
export { DROP_REASONS, SIGNUP_METRICS, SIGNUP_OUTCOMES } from '#shared/referrals/signup-report.js';
export { WEBHOOK_METRICS } from '#shared/webhooks/delivery-metrics.js';

/** What became of placed orders (order consumer and `POST /transactions`). */
export const ORDER_METRICS = [
  'OrdersRecorded',
  'OrdersDuplicate',
  'OrdersAlreadyRefunded',
  'OrdersSkippedNotReferred',
  'OrdersUnknownCustomer',
  'OrdersPending',
  'OrdersParked',
  'OrdersRetried',
] as const;

/** What became of refunds (order consumer and `DELETE /transactions/{key}`). */
export const REFUND_METRICS = [
  'OrdersRefunded',
  'OrdersPartiallyRefunded',
  'OrdersNothingToReverse',
  'OrdersRefundPending',
] as const;

/** The reconciler; `LedgerRepairs` also by `reason`. */
export const LEDGER_METRICS = ['LedgerEntriesChecked', 'LedgerEntriesUnsettled'] as const;

/**
 * An order the ledger gave up on (its customer stayed unknown to Partnero through every retry): counted by
 * the consumer, the transaction routes and the reconciler; any one raises the parked-order alarm.
 */
export const LEDGER_PARKED_METRIC = 'LedgerEntriesParked';
