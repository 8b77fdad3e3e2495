/**
 * The Powertools metrics the functions emit (namespace POWERTOOLS_METRICS_NAMESPACE, dimension
 * `service`), as the dashboard and the alarms read them. A metric with an extra dimension is emitted both
 * with and without it (the total).
 */

/** `Signups` by `outcome`. */
export const SIGNUP_OUTCOMES = ['attributed', 'unattributed', 'existing'] as const;

/** `ReferralsDropped` by `reason`: the customer was enrolled, the referral was not recorded. */
export const DROP_REASONS = [
  'self_referral',
  'unknown_referrer',
  'already_enrolled',
  'invalid_referral',
  'disposable_email',
] as const;

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

/** `POST /customers/{id}/credit`. */
export const CREDIT_METRICS = ['CreditsIssued', 'CreditsReplayed'] as const;

/** The amount of each credit (unit None, once per Idempotency-Key); its maximum raises the large-credit alarm. */
export const CREDIT_AMOUNT_METRIC = 'CreditAmount';

/** The webhook function; `WebhooksPublished` also by `event` (the Partnero event name). */
export const WEBHOOK_METRICS = [
  'WebhookDeliveries',
  'WebhooksUnauthorized',
  'WebhooksPublished',
  'WebhooksDuplicate',
] as const;

/** The reconciler; `LedgerRepairs` also by `reason`. */
export const LEDGER_METRICS = ['LedgerEntriesChecked', 'LedgerEntriesUnsettled'] as const;

/**
 * An order the ledger gave up on (its customer stayed unknown to Partnero through every retry): counted by
 * the consumer, the transaction routes and the reconciler; any one raises the parked-order alarm.
 */
export const LEDGER_PARKED_METRIC = 'LedgerEntriesParked';
