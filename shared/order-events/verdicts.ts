import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { isAppError } from '#shared/errors.js';
import type { OrderDeps } from '#shared/orders/index.js';
import type { CallOptions } from '#shared/partnero/index.js';
import type { ParkInDlq, ParkReason } from './dlq.js';
import type { OrderEventMapping } from './mapping.js';
import { MAX_DELAY_SECONDS, type Requeue, requeuesOf } from './requeue.js';
import type { DelayRetry } from './retry-delay.js';

/** What the consumer decides for each record, and the counters behind its metrics. */

export interface OrderBatchCounts {
  recorded: number;
  /** Placed events of orders recorded before (redeliveries, replays). */
  duplicates: number;
  /** Placed events of orders refunded before (a replay, or a refund that overtook its order). */
  alreadyRefunded: number;
  refunded: number;
  /** Refunds of part of an order: its reward now follows what is left. */
  partiallyRefunded: number;
  nothingToReverse: number;
  /** Refunds of orders being recorded right now: the ledger holds them for the recorder. */
  refundPending: number;
  /** Orders of customers Partnero knows as not referred. */
  skipped: number;
  /** Orders of customers Partnero does not know (yet): retried with backoff, then parked. */
  unknownCustomer: number;
  /** Orders in doubt or in progress elsewhere, and partial refunds of orders not recorded yet: retried. */
  pending: number;
  parked: number;
  /** Records returned as batch item failures (SQS redelivers them) or re-enqueued with a delay. */
  retried: number;
}

/** An SQSBatchResponse plus what happened, for metrics and tests. */
export interface OrderBatchResult {
  batchItemFailures: SQSBatchItemFailure[];
  counts: OrderBatchCounts;
}

export interface OrderBatchDeps extends OrderDeps {
  parkInDlq: ParkInDlq;
  /** Default: the default contract. */
  mapping?: OrderEventMapping;
  /** Receives one Count metric per counter that moved; the caller publishes (e.g. Powertools `logMetrics`). */
  metrics?: Pick<Metrics, 'addMetric'>;
  /** Deadline/abort for the Partnero calls. */
  call?: CallOptions;
  /** From this receive on, an order of an unknown customer is parked instead of retried. @default 4 */
  unknownCustomerMaxReceives?: number;
  /** Sets when a retried record comes back (SQS ChangeMessageVisibility); without it, the queue's timeout. */
  delayRetry?: DelayRetry;
  /**
   * Re-enqueues a rate-limited record with a delay (SQS SendMessage), so a 429 storm does not use up the
   * queue's `maxReceiveCount`; without it (or when it fails), the record is retried in place.
   */
  requeue?: Requeue;
}

/** Metric name per counter (namespace and service dimension come from the Metrics instance). */
export const ORDER_BATCH_METRICS: Record<keyof OrderBatchCounts, string> = {
  recorded: 'OrdersRecorded',
  duplicates: 'OrdersDuplicate',
  alreadyRefunded: 'OrdersAlreadyRefunded',
  refunded: 'OrdersRefunded',
  partiallyRefunded: 'OrdersPartiallyRefunded',
  nothingToReverse: 'OrdersNothingToReverse',
  refundPending: 'OrdersRefundPending',
  skipped: 'OrdersSkippedNotReferred',
  unknownCustomer: 'OrdersUnknownCustomer',
  pending: 'OrdersPending',
  parked: 'OrdersParked',
  retried: 'OrdersRetried',
};

export type Count = Exclude<keyof OrderBatchCounts, 'parked' | 'retried'>;
export type Verdict =
  | { status: 'done'; count: Count }
  | { status: 'park'; reason: ParkReason; count?: Count }
  | {
      status: 'retry';
      error: unknown;
      count?: Count;
      delaySeconds?: number;
      /** Retry through a delayed copy instead of a redelivery (which would count toward maxReceiveCount). */
      requeue?: boolean;
    };

/**
 * "Retryable → retry, else park": a failure a retry cannot fix goes to the DLQ at once, with its reason.
 * A rate-limited call (Partnero's 429, or our own budget refusing it) is retried through a delayed copy
 * (at least its `Retry-After`, and 1, 2, 4 … seconds as the copies add up, at most 15 minutes), so
 * however long the storm lasts, the order never reaches the DLQ for it.
 */
export function verdictOf(error: unknown, record?: SQSRecord): Verdict {
  if (isAppError(error) && error.code === 'rate_limited') {
    const backoff = 2 ** (record ? requeuesOf(record) : 0);
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(error.retryAfterSeconds ?? 0, backoff));
    return { status: 'retry', error, delaySeconds, requeue: true };
  }
  if (isAppError(error) && !error.retryable) {
    const fields = error.fields
      ? ` (${Object.entries(error.fields)
          .map(([f, reasons]) => `${f}: ${reasons.join(' ')}`)
          .join('; ')})`
      : '';
    const code = error.name === 'PartneroError' ? `partnero_${error.code}` : error.code;
    return { status: 'park', reason: { code, reason: `${error.message}${fields}` } };
  }
  return { status: 'retry', error };
}

export const receiveCount = (record: SQSRecord) =>
  Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;

/** Backoff of a record that waits for its customer: 30 s, 1, 2, 4 … minutes, at most 15. */
export const backoffSeconds = (receives: number) => Math.min(900, 30 * 2 ** Math.max(0, receives - 1));

/**
 * A record that waits for something that has not happened yet (its customer's sign-up, its sale):
 * retried with a growing delay, then parked with `code` once it was received `maxReceives` times.
 */
export function waitOrPark(
  record: SQSRecord,
  maxReceives: number,
  wait: { code: string; reason: string; detail?: string; count: Count },
): Verdict {
  const receives = receiveCount(record);
  if (receives >= maxReceives) {
    const reason = `${wait.reason} after ${receives} attempts${wait.detail ? `: ${wait.detail}` : ''}`;
    return { status: 'park', reason: { code: wait.code, reason }, count: wait.count };
  }
  const error = new Error(`${wait.reason}${wait.detail ? ` (${wait.detail})` : ''}; retried later`);
  return { status: 'retry', error, count: wait.count, delaySeconds: backoffSeconds(receives) };
}

export type Logs = Pick<Logger, 'info' | 'warn' | 'error'>;
