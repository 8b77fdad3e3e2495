/**
 * The Powertools metrics the dashboard and the alarms read (namespace POWERTOOLS_METRICS_NAMESPACE,
 * dimension `service`). Each name is defined once, beside the code that emits it. A metric with an extra
 * dimension is emitted both with and without it (the total).
 */

import { CREDIT_METRICS } from '#shared/credits/idempotent-credit.js';
import { LEDGER_METRICS, ORDER_METRICS } from '#shared/orders/order-outcomes.js';
import { WEBHOOK_METRICS } from '#shared/webhooks/delivery-metrics.js';

export { DROP_REASONS, SIGNUP_METRICS, SIGNUP_OUTCOMES } from '#shared/referrals/signup-report.js';
export { CREDIT_METRICS, LEDGER_METRICS, ORDER_METRICS, WEBHOOK_METRICS };

const O = ORDER_METRICS;

/** The dashboard's series: what became of placed orders (order consumer and `POST /transactions`). */
export const PLACED_SERIES = [
  O.recorded,
  O.duplicates,
  O.alreadyRefunded,
  O.skipped,
  O.unknownCustomer,
  O.pending,
  O.parked,
  O.retried,
];

/** What became of refunds (order consumer and `DELETE /transactions/{key}`). */
export const REFUND_SERIES = [O.refunded, O.partiallyRefunded, O.nothingToReverse, O.refundPending];

/** `POST /customers/{id}/credit`. */
export const CREDIT_SERIES = [CREDIT_METRICS.issued, CREDIT_METRICS.replayed];

/** The webhook function's deliveries and what became of them. */
export const WEBHOOK_SERIES = [
  WEBHOOK_METRICS.deliveries,
  WEBHOOK_METRICS.unauthorized,
  WEBHOOK_METRICS.published,
  WEBHOOK_METRICS.duplicate,
];

/** The reconciler's sweeps, beside `LedgerRepairs` (also by `reason`). */
export const LEDGER_SERIES = [LEDGER_METRICS.checked, LEDGER_METRICS.unsettled];
