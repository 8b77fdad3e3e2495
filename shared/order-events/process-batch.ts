import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { isAppError } from '#shared/errors.js';
import { logger as defaultLogger } from '#shared/lambda/logger.js';
import { type OrderDeps, type OrderOutcome, recordOrders, refundOrder } from '#shared/orders/index.js';
import type { CallOptions } from '#shared/partnero/index.js';
import type { ParkInDlq, ParkReason } from './dlq.js';
import { DEFAULT_ORDER_EVENTS_MAPPING, type OrderEventMapping } from './mapping.js';
import { isPoisonMessageError, type OrderMessage, parseOrderMessage } from './parse-message.js';
import type { DelayRetry } from './retry-delay.js';

export interface OrderBatchCounts {
  recorded: number;
  /** Placed events of orders recorded before (redeliveries, replays). */
  duplicates: number;
  /** Placed events of orders refunded before (a replay, or a refund that overtook its order). */
  alreadyRefunded: number;
  refunded: number;
  nothingToReverse: number;
  /** Refunds of orders being recorded right now: the ledger holds them for the recorder. */
  refundPending: number;
  /** Orders of customers Partnero knows as not referred. */
  skipped: number;
  /** Orders of customers Partnero does not know (yet): retried with backoff, then parked. */
  unknownCustomer: number;
  /** Orders in doubt or in progress elsewhere: retried. */
  pending: number;
  parked: number;
  /** Records returned as batch item failures (SQS redelivers them). */
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
}

/** Metric name per counter (namespace and service dimension come from the Metrics instance). */
export const ORDER_BATCH_METRICS: Record<keyof OrderBatchCounts, string> = {
  recorded: 'OrdersRecorded',
  duplicates: 'OrdersDuplicate',
  alreadyRefunded: 'OrdersAlreadyRefunded',
  refunded: 'OrdersRefunded',
  nothingToReverse: 'OrdersNothingToReverse',
  refundPending: 'OrdersRefundPending',
  skipped: 'OrdersSkippedNotReferred',
  unknownCustomer: 'OrdersUnknownCustomer',
  pending: 'OrdersPending',
  parked: 'OrdersParked',
  retried: 'OrdersRetried',
};

type Count = Exclude<keyof OrderBatchCounts, 'parked' | 'retried'>;
type Verdict =
  | { status: 'done'; count: Count }
  | { status: 'park'; reason: ParkReason; count?: Count }
  | { status: 'retry'; error: unknown; count?: Count; delaySeconds?: number };

/** "Retryable → retry, else park": a failure a retry cannot fix goes to the DLQ at once, with its reason. */
export function verdictOf(error: unknown): Verdict {
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

const receiveCount = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;

/** Backoff of a record that waits for its customer: 30 s, 1, 2, 4 … minutes, at most 15. */
const backoffSeconds = (receives: number) => Math.min(900, 30 * 2 ** Math.max(0, receives - 1));

function placedVerdict(outcome: OrderOutcome, record: SQSRecord, deps: OrderBatchDeps): Verdict {
  switch (outcome.status) {
    case 'recorded':
      return { status: 'done', count: 'recorded' };
    case 'duplicate':
      return { status: 'done', count: 'duplicates' };
    case 'already_refunded':
      return { status: 'done', count: 'alreadyRefunded' };
    case 'not_referred':
      deps.logger?.info('order skipped: customer is not referred', {
        orderId: outcome.orderId,
        reason: outcome.reason,
      });
      return { status: 'done', count: 'skipped' };
    case 'unknown_customer': {
      const receives = receiveCount(record);
      if (receives >= (deps.unknownCustomerMaxReceives ?? 4)) {
        const reason = `Partnero does not know the customer after ${receives} attempts: ${outcome.reason}`;
        return { status: 'park', reason: { code: 'unknown_customer', reason }, count: 'unknownCustomer' };
      }
      const error = new Error(`customer unknown to Partnero (${outcome.reason}); retried later`);
      return { status: 'retry', error, count: 'unknownCustomer', delaySeconds: backoffSeconds(receives) };
    }
    case 'pending':
    case 'in_progress':
      return {
        status: 'retry',
        error: new Error(`order ${outcome.orderId} is ${outcome.status}`),
        count: 'pending',
      };
    default:
      return verdictOf(outcome.error);
  }
}

async function placedVerdicts(
  placed: [SQSRecord, Extract<OrderMessage, { kind: 'placed' }>][],
  deps: OrderBatchDeps,
) {
  const verdicts = new Map<SQSRecord, Verdict>();
  if (placed.length === 0) return verdicts;
  let outcomes: OrderOutcome[];
  try {
    outcomes = await recordOrders(
      deps,
      placed.map(([, m]) => m.order),
      deps.call,
    );
  } catch (error) {
    outcomes = placed.map(([, m]) => ({ orderId: m.order.orderId, status: 'failed', error }));
  }
  placed.forEach(([record, { order }], i) => {
    const outcome = outcomes[i] ?? {
      orderId: order.orderId,
      status: 'failed',
      error: new Error('no outcome'),
    };
    verdicts.set(record, placedVerdict(outcome, record, deps));
  });
  return verdicts;
}

/** One refund per order id; the same refund twice in one batch: the later copies have nothing to reverse. */
async function refundVerdicts(
  refunds: [SQSRecord, Extract<OrderMessage, { kind: 'refunded' }>][],
  deps: OrderBatchDeps,
) {
  const verdicts = new Map<SQSRecord, Verdict>();
  const groups = new Map<string, SQSRecord[]>();
  for (const [record, { orderId }] of refunds) groups.set(orderId, [...(groups.get(orderId) ?? []), record]);
  await Promise.all(
    [...groups].map(async ([orderId, group]) => {
      const verdict = await refundOrder(deps, orderId, deps.call).then(
        (r): Verdict => ({
          status: 'done',
          count:
            r.status === 'refunded'
              ? 'refunded'
              : r.status === 'refund_pending'
                ? 'refundPending'
                : 'nothingToReverse',
        }),
        verdictOf,
      );
      group.forEach((record, i) => {
        verdicts.set(
          record,
          i > 0 && verdict.status === 'done' ? { status: 'done', count: 'nothingToReverse' } : verdict,
        );
      });
    }),
  );
  return verdicts;
}

/**
 * Turns one SQS batch of order events into Partnero calls and says which records SQS must redeliver.
 * All placed orders go through ONE `recordOrders` call (a customer's orders share batch requests, the
 * ledger makes each exactly once), then refunds, which the ledger remembers whatever their order's state.
 * Poison and non-retryable failures are parked in the DLQ at once with the reason; when parking fails
 * the record is retried instead. Everything else failing is retried, only that record.
 */
export async function processOrderBatch(
  records: readonly SQSRecord[],
  deps: OrderBatchDeps,
): Promise<OrderBatchResult> {
  const mapping = deps.mapping ?? DEFAULT_ORDER_EVENTS_MAPPING;
  const log = deps.logger ?? defaultLogger;
  const verdicts = new Map<SQSRecord, Verdict>();
  const placed: [SQSRecord, Extract<OrderMessage, { kind: 'placed' }>][] = [];
  const refunds: [SQSRecord, Extract<OrderMessage, { kind: 'refunded' }>][] = [];
  for (const record of records) {
    try {
      const message = parseOrderMessage(record.body, mapping);
      if (message.kind === 'placed') placed.push([record, message]);
      else refunds.push([record, message]);
    } catch (error) {
      verdicts.set(
        record,
        isPoisonMessageError(error)
          ? { status: 'park', reason: { code: error.code, reason: error.message } }
          : { status: 'retry', error },
      );
    }
  }
  for (const [record, verdict] of await placedVerdicts(placed, { ...deps, logger: log }))
    verdicts.set(record, verdict);
  for (const [record, verdict] of await refundVerdicts(refunds, deps)) verdicts.set(record, verdict);
  return settleBatch(records, verdicts, deps, log);
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function settleBatch(
  records: readonly SQSRecord[],
  verdicts: Map<SQSRecord, Verdict>,
  deps: OrderBatchDeps,
  log: Pick<Logger, 'info' | 'warn' | 'error'>,
): Promise<OrderBatchResult> {
  const counts = Object.fromEntries(
    Object.keys(ORDER_BATCH_METRICS).map((k) => [k, 0]),
  ) as unknown as OrderBatchCounts;
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const retry = async (record: SQSRecord, delaySeconds?: number) => {
    batchItemFailures.push({ itemIdentifier: record.messageId });
    if (delaySeconds && deps.delayRetry) {
      await deps.delayRetry(record, delaySeconds).catch((error: unknown) => {
        log.warn('could not delay a retried order event', {
          messageId: record.messageId,
          error: errorMessage(error),
        });
      });
    }
  };
  await Promise.all(
    records.map(async (record) => {
      const verdict = verdicts.get(record) ?? {
        status: 'retry',
        error: new Error('record was not processed'),
      };
      if (verdict.count) counts[verdict.count] += 1;
      if (verdict.status === 'retry') {
        log.warn('order event will be retried', {
          messageId: record.messageId,
          error: errorMessage(verdict.error),
        });
        await retry(record, verdict.delaySeconds);
      } else if (verdict.status === 'park') {
        try {
          await deps.parkInDlq(record, verdict.reason);
          counts.parked += 1;
          log.warn('order event parked in the DLQ', { messageId: record.messageId, ...verdict.reason });
        } catch (error) {
          log.error('could not park order event in the DLQ; it will be retried', {
            messageId: record.messageId,
            ...verdict.reason,
            error: errorMessage(error),
          });
          await retry(record);
        }
      }
    }),
  );
  counts.retried = batchItemFailures.length;
  // Only what happened: zero counts would add bytes to every EMF record and nothing to the graphs.
  for (const [counter, name] of Object.entries(ORDER_BATCH_METRICS) as [keyof OrderBatchCounts, string][]) {
    if (counts[counter] > 0) deps.metrics?.addMetric(name, 'Count', counts[counter]);
  }
  log.info('order batch processed', { records: records.length, ...counts });
  return { batchItemFailures, counts };
}
