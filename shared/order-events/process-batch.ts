import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { logger as defaultLogger } from '#shared/observability/logger.js';
import {
  type Order,
  type OrderOutcome,
  type RefundLedger,
  recordOrders,
  refundOrder,
} from '#shared/orders/index.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';
import type { ParkInDlq, ParkReason } from './dlq.js';
import { DEFAULT_ORDER_EVENTS_MAPPING, type OrderEventMapping } from './mapping.js';
import { isPoisonMessageError, type OrderMessage, parseOrderMessage } from './parse-message.js';

export interface OrderBatchCounts {
  recorded: number;
  duplicates: number;
  /** Placed events of orders refunded before (a replay, or a refund that overtook its order). */
  alreadyRefunded: number;
  refunded: number;
  nothingToReverse: number;
  /** Orders of customers Partnero does not know as referred. */
  skipped: number;
  parked: number;
  /** Records returned as batch item failures (SQS redelivers them). */
  retried: number;
}

/** An SQSBatchResponse plus what happened, for metrics and tests. */
export interface OrderBatchResult {
  batchItemFailures: SQSBatchItemFailure[];
  counts: OrderBatchCounts;
}

export interface OrderBatchDeps {
  partnero: PartneroClient;
  parkInDlq: ParkInDlq;
  /** Default: the default contract. */
  mapping?: OrderEventMapping;
  /** Receives one Count metric per counter; the caller publishes (e.g. Powertools `logMetrics`). */
  metrics?: Pick<Metrics, 'addMetric'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Deadline/abort for the Partnero calls. */
  call?: CallOptions;
  /** Refunded order ids, so a replayed placed event after its refund is not recorded again. */
  ledger?: RefundLedger;
}

/** Metric name per counter (namespace and service dimension come from the Metrics instance). */
export const ORDER_BATCH_METRICS: Record<keyof OrderBatchCounts, string> = {
  recorded: 'OrdersRecorded',
  duplicates: 'OrdersDuplicate',
  alreadyRefunded: 'OrdersAlreadyRefunded',
  refunded: 'OrdersRefunded',
  nothingToReverse: 'OrdersNothingToReverse',
  skipped: 'OrdersSkippedNotReferred',
  parked: 'OrdersParked',
  retried: 'OrdersRetried',
};

type Verdict =
  | {
      status: 'done';
      count: 'recorded' | 'duplicates' | 'alreadyRefunded' | 'refunded' | 'nothingToReverse' | 'skipped';
    }
  | { status: 'park'; reason: ParkReason }
  | { status: 'retry'; error: unknown };

/** Validation is the only failure a retry cannot fix; auth, secret and 5xx problems heal and are retried. */
function verdictOf(error: unknown): Verdict {
  if (isPartneroError(error) && error.code === 'validation' && !error.retryable) {
    const fields = error.fields
      ? ` (${Object.entries(error.fields)
          .map(([f, reasons]) => `${f}: ${reasons.join(' ')}`)
          .join('; ')})`
      : '';
    return { status: 'park', reason: { code: 'partnero_validation', reason: `${error.message}${fields}` } };
  }
  return { status: 'retry', error };
}

const errorCode = (e: unknown) =>
  (e as { code?: unknown })?.code ??
  (e as { name?: unknown })?.name ??
  (e === undefined ? 'unknown' : typeof e);
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function safeRecord(
  partnero: PartneroClient,
  orders: Order[],
  call: CallOptions,
  ledger: RefundLedger | undefined,
): Promise<OrderOutcome[]> {
  if (orders.length === 0) return [];
  try {
    return await recordOrders(partnero, orders, call, ledger);
  } catch (error) {
    return orders.map((o) => ({ orderId: o.orderId, status: 'failed', error }));
  }
}

/**
 * Turns one SQS batch of order events into Partnero calls and says which records SQS must redeliver.
 * All placed orders go through ONE `recordOrders` call (a customer's orders share batch requests),
 * then refunds, so a placed + refunded pair in one batch ends refunded. A refund whose placed order
 * in this batch is retried is retried too (never lost as "nothing to reverse"); one whose placed order
 * was parked is parked with it. Poison and validation failures are parked in the DLQ at once with the
 * reason; when parking fails the record is retried instead. Everything else failing is retried.
 */
export async function processOrderBatch(
  records: readonly SQSRecord[],
  deps: OrderBatchDeps,
): Promise<OrderBatchResult> {
  const mapping = deps.mapping ?? DEFAULT_ORDER_EVENTS_MAPPING;
  const log = deps.logger ?? defaultLogger;
  const call = deps.call ?? {};
  const verdicts = new Map<SQSRecord, Verdict>();
  const messages = new Map<SQSRecord, OrderMessage>();

  for (const record of records) {
    try {
      messages.set(record, parseOrderMessage(record.body, mapping));
    } catch (error) {
      verdicts.set(
        record,
        isPoisonMessageError(error)
          ? { status: 'park', reason: { code: error.code, reason: error.message } }
          : { status: 'retry', error },
      );
    }
  }

  // Placed orders first, in one call.
  const placed = [...messages].filter(
    (e): e is [SQSRecord, Extract<OrderMessage, { kind: 'placed' }>] => e[1].kind === 'placed',
  );
  const outcomes = await safeRecord(
    deps.partnero,
    placed.map(([, m]) => m.order),
    call,
    deps.ledger,
  );
  /** Orders of this batch that did not settle, so their refunds must wait for them. */
  const unsettled = new Map<string, 'retry' | 'park'>();
  placed.forEach(([record, { order }], i) => {
    const outcome = outcomes[i] ?? {
      orderId: order.orderId,
      status: 'failed',
      error: new Error('no outcome'),
    };
    let verdict: Verdict;
    if (outcome.status === 'recorded') verdict = { status: 'done', count: 'recorded' };
    else if (outcome.status === 'duplicate') verdict = { status: 'done', count: 'duplicates' };
    else if (outcome.status === 'already_refunded') verdict = { status: 'done', count: 'alreadyRefunded' };
    else if (outcome.status === 'not_referred') {
      verdict = { status: 'done', count: 'skipped' };
      log.info('order skipped: customer is not referred', {
        orderId: order.orderId,
        customerKey: order.customerKey,
        reason: outcome.reason,
        messageId: record.messageId,
      });
    } else verdict = verdictOf(outcome.error);
    if (verdict.status !== 'done' && !unsettled.has(order.orderId))
      unsettled.set(order.orderId, verdict.status);
    verdicts.set(record, verdict);
  });

  // Then refunds: one Partnero call per order id.
  const refunds = [...messages].filter(
    (e): e is [SQSRecord, Extract<OrderMessage, { kind: 'refunded' }>] => e[1].kind === 'refunded',
  );
  const refundGroups = new Map<string, SQSRecord[]>();
  for (const [record, { orderId }] of refunds) {
    const waiting = unsettled.get(orderId);
    if (waiting === 'retry') {
      verdicts.set(record, {
        status: 'retry',
        error: new Error(`placed order ${orderId} of this batch is retried first`),
      });
    } else if (waiting === 'park') {
      const reason = `the "${mapping.placed}" event of order ${orderId} in the same batch was parked; its refund is kept with it`;
      verdicts.set(record, { status: 'park', reason: { code: 'placed_order_parked', reason } });
    } else {
      refundGroups.set(orderId, [...(refundGroups.get(orderId) ?? []), record]);
    }
  }
  await Promise.all(
    [...refundGroups].map(async ([orderId, group]) => {
      const verdict = await refundOrder(deps.partnero, orderId, call, deps.ledger).then(
        (r): Verdict => ({
          status: 'done',
          count: r.status === 'refunded' ? 'refunded' : 'nothingToReverse',
        }),
        verdictOf,
      );
      // The same refund twice in one batch: the later copies have nothing left to reverse.
      group.forEach((record, i) => {
        verdicts.set(
          record,
          i > 0 && verdict.status === 'done' ? { status: 'done', count: 'nothingToReverse' } : verdict,
        );
      });
    }),
  );

  // Settle: count, park, or hand back to SQS.
  const counts: OrderBatchCounts = {
    recorded: 0,
    duplicates: 0,
    alreadyRefunded: 0,
    refunded: 0,
    nothingToReverse: 0,
    skipped: 0,
    parked: 0,
    retried: 0,
  };
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const retry = (record: SQSRecord) => batchItemFailures.push({ itemIdentifier: record.messageId });

  await Promise.all(
    records.map(async (record) => {
      const verdict = verdicts.get(record) ?? {
        status: 'retry',
        error: new Error('record was not processed'),
      };
      if (verdict.status === 'done') {
        counts[verdict.count] += 1;
      } else if (verdict.status === 'retry') {
        log.warn('order event will be retried', {
          messageId: record.messageId,
          code: errorCode(verdict.error),
          error: errorMessage(verdict.error),
        });
        retry(record);
      } else {
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
          retry(record);
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
