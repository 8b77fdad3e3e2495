import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { logger as defaultLogger } from '#shared/lambda/runtime.js';
import { DEFAULT_ORDER_EVENTS_MAPPING } from './mapping.js';
import { isPoisonMessageError, type OrderMessage, parseOrderMessage } from './parse-message.js';
import { placedVerdicts } from './placed-verdicts.js';
import { refundVerdicts } from './refund-verdicts.js';
import {
  type Logs,
  ORDER_BATCH_METRICS,
  type OrderBatchCounts,
  type OrderBatchDeps,
  type OrderBatchResult,
  type Verdict,
} from './verdicts.js';

export {
  ORDER_BATCH_METRICS,
  type OrderBatchCounts,
  type OrderBatchDeps,
  type OrderBatchResult,
  verdictOf,
} from './verdicts.js';

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
  log: Logs,
): Promise<OrderBatchResult> {
  const counts = Object.fromEntries(
    Object.keys(ORDER_BATCH_METRICS).map((k) => [k, 0]),
  ) as unknown as OrderBatchCounts;
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const retry = async (record: SQSRecord, delaySeconds?: number, requeue = false) => {
    if (requeue && deps.requeue) {
      // A copy with a delay, and the original answered as done: no receive is spent on the wait.
      const requeued = await deps.requeue(record, delaySeconds ?? 0).then(
        () => true,
        (error: unknown) => {
          log.warn('could not re-enqueue a rate-limited order event; it is retried in place', {
            messageId: record.messageId,
            error: errorMessage(error),
          });
          return false;
        },
      );
      if (requeued) {
        counts.retried += 1;
        return;
      }
    }
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
        await retry(record, verdict.delaySeconds, verdict.requeue);
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
  counts.retried += batchItemFailures.length;
  // Only what happened: zero counts would add bytes to every EMF record and nothing to the graphs.
  for (const [counter, name] of Object.entries(ORDER_BATCH_METRICS) as [keyof OrderBatchCounts, string][]) {
    if (counts[counter] > 0) deps.metrics?.addMetric(name, 'Count', counts[counter]);
  }
  log.info('order batch processed', { records: records.length, ...counts });
  return { batchItemFailures, counts };
}
