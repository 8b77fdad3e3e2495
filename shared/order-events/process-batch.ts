import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { isAppError } from '#shared/errors.js';
import { logger as defaultLogger } from '#shared/lambda/runtime.js';
import type { OrderDeps } from '#shared/orders/order-deps.js';
import {
  ORDER_METRICS,
  type OrderCounter,
  type OrderOutcome,
  PLACED_COUNTERS,
  REFUND_COUNTERS,
  type RefundOutcome,
} from '#shared/orders/order-outcomes.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { refundOrder, refundPart } from '#shared/orders/refund-orders.js';
import type { CallOptions } from '#shared/partnero/index.js';
import { DEFAULT_ORDER_EVENTS_MAPPING, type OrderEventMapping } from './mapping.js';
import { type OrderMessage, PoisonMessageError, parseOrderMessage } from './parse-message.js';
import {
  type Logs,
  MAX_DELAY_SECONDS,
  type ParkReason,
  parkCodeOf,
  requeuesOf,
  SendBack,
  type SendBackDeps,
} from './send-back.js';

export interface OrderBatchDeps extends OrderDeps, SendBackDeps {
  /** Default: the default contract. */
  mapping?: OrderEventMapping;
  /** Receives one Count metric per counter that moved; the caller publishes (e.g. Powertools `logMetrics`). */
  metrics?: Pick<Metrics, 'addMetric'>;
  /** Deadline/abort for the Partnero calls. */
  call?: CallOptions;
  /** From this receive on, an order of an unknown customer is parked instead of retried. @default 4 */
  unknownCustomerMaxReceives?: number;
}

/** The consumer's counters: every order metric but `keyReused` (it parks a reused key, counted as parked). */
export type OrderBatchCounts = Record<Exclude<OrderCounter, 'keyReused'>, number>;

/** An SQSBatchResponse plus what happened, for metrics and tests. */
export interface OrderBatchResult {
  batchItemFailures: SQSBatchItemFailure[];
  counts: OrderBatchCounts;
}

/** What becomes of one record, and what it counts as (parked and retried are counted as they happen). */
type Count = Exclude<keyof OrderBatchCounts, 'parked' | 'retried'>;
type Verdict =
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

type Placed = [SQSRecord, Extract<OrderMessage, { kind: 'placed' }>];
type Refund = [SQSRecord, Extract<OrderMessage, { kind: 'refunded' }>];

/**
 * Turns one SQS batch of order events into Partnero calls and says which records SQS must redeliver.
 * Each record is parsed; all placed orders go through ONE `recordOrders` call (a customer's orders share
 * batch requests, the ledger makes each exactly once), then refunds, which the ledger remembers whatever
 * their order's state. Each outcome becomes a verdict: done, park or retry. Poison and non-retryable
 * failures are parked in the DLQ at once with the reason; when parking fails the record is retried
 * instead. Everything else failing is retried, only that record.
 */
export async function processOrderBatch(
  records: readonly SQSRecord[],
  deps: OrderBatchDeps,
): Promise<OrderBatchResult> {
  const mapping = deps.mapping ?? DEFAULT_ORDER_EVENTS_MAPPING;
  const log = deps.logger ?? defaultLogger;
  const verdicts = new Map<SQSRecord, Verdict>();
  const placed: Placed[] = [];
  const refunds: Refund[] = [];
  for (const record of records) {
    try {
      const message = parseOrderMessage(record.body, mapping);
      if (message.kind === 'placed') placed.push([record, message]);
      else refunds.push([record, message]);
    } catch (error) {
      verdicts.set(
        record,
        error instanceof PoisonMessageError
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

async function placedVerdicts(placed: Placed[], deps: OrderBatchDeps) {
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

function placedVerdict(outcome: OrderOutcome, record: SQSRecord, deps: OrderBatchDeps): Verdict {
  switch (outcome.status) {
    case 'key_reused':
      // Not a redelivery: another order under a settled id. A retry cannot fix it; someone must look.
      return { status: 'park', reason: { code: 'order_key_reused', reason: outcome.reason } };
    case 'unknown_customer':
      return waitOrPark(record, deps.unknownCustomerMaxReceives ?? 4, {
        code: 'unknown_customer',
        reason: 'Partnero does not know the customer',
        detail: outcome.reason,
        count: PLACED_COUNTERS.unknown_customer,
      });
    case 'pending':
    case 'in_progress':
      return {
        status: 'retry',
        error: new Error(`order ${outcome.orderId} is ${outcome.status}`),
        count: PLACED_COUNTERS[outcome.status],
      };
    case 'failed':
      return verdictOf(outcome.error, record);
    case 'not_referred':
      deps.logger?.info('order skipped: customer is not referred', {
        orderId: outcome.orderId,
        reason: outcome.reason,
      });
      return { status: 'done', count: PLACED_COUNTERS.not_referred };
    default:
      return { status: 'done', count: PLACED_COUNTERS[outcome.status] };
  }
}

/**
 * The refunds of one batch, one order at a time and in arrival order within an order (two partial
 * refunds of one order add up; they must not race each other for nothing). A whole refund delivered
 * twice in one batch costs one call: the later copies have nothing to reverse.
 */
async function refundVerdicts(refunds: Refund[], deps: OrderBatchDeps) {
  const verdicts = new Map<SQSRecord, Verdict>();
  const groups = new Map<string, Refund[]>();
  for (const item of refunds) groups.set(item[1].orderId, [...(groups.get(item[1].orderId) ?? []), item]);
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let wholeDone = false;
      for (const [record, { orderId, part }] of group) {
        if (!part && wholeDone) {
          verdicts.set(record, { status: 'done', count: 'nothingToReverse' });
          continue;
        }
        const outcome = part
          ? refundPart(deps, orderId, part, deps.call)
          : refundOrder(deps, orderId, deps.call);
        const verdict = await outcome.then(
          (r) => refundVerdict(r, record, deps),
          (error: unknown) => verdictOf(error, record),
        );
        if (!part && verdict.status === 'done') wholeDone = true;
        verdicts.set(record, verdict);
      }
    }),
  );
  return verdicts;
}

function refundVerdict(outcome: RefundOutcome, record: SQSRecord, deps: OrderBatchDeps): Verdict {
  const { orderId } = outcome;
  switch (outcome.status) {
    case 'not_recorded':
      // A partial refund that overtook its sale: it waits for the sale like an order waits for its customer.
      return waitOrPark(record, deps.unknownCustomerMaxReceives ?? 4, {
        code: 'order_not_recorded',
        reason: `order ${orderId} is not recorded, so part of it cannot be refunded yet`,
        count: REFUND_COUNTERS.not_recorded,
      });
    case 'refund_id_reused': {
      // Final: two refunds under one id; the first stands, someone must look at the second.
      const reason = `refund id of order ${orderId} was applied before with another amount; the first stands`;
      return { status: 'park', reason: { code: 'refund_id_reused', reason } };
    }
    case 'order_refused': {
      // Final: the sale was refused or parked; someone must look (a redrive after fixing the sale).
      const reason = `order ${orderId} was not recorded, so part of it cannot be refunded: ${outcome.reason}`;
      return { status: 'park', reason: { code: 'order_refused', reason } };
    }
    case 'in_progress':
      return { status: 'retry', error: new Error(`order ${orderId} is in_progress`), count: 'pending' };
    default:
      return { status: 'done', count: REFUND_COUNTERS[outcome.status] };
  }
}

/**
 * "Retryable → retry, else park": a failure a retry cannot fix goes to the DLQ at once, with its reason.
 * A rate-limited call (Partnero's 429, or our own budget refusing it) is retried through a delayed copy
 * (at least its `Retry-After`, and 1, 2, 4 … seconds as the copies add up, at most 15 minutes), so
 * however long the storm lasts, the order never reaches the DLQ for it.
 */
function verdictOf(error: unknown, record: SQSRecord): Verdict {
  if (isAppError(error) && error.code === 'rate_limited') {
    const backoff = 2 ** requeuesOf(record);
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(error.retryAfterSeconds ?? 0, backoff));
    return { status: 'retry', error, delaySeconds, requeue: true };
  }
  if (isAppError(error) && !error.retryable) {
    const fields = error.fields
      ? ` (${Object.entries(error.fields)
          .map(([f, reasons]) => `${f}: ${reasons.join(' ')}`)
          .join('; ')})`
      : '';
    return { status: 'park', reason: { code: parkCodeOf(error), reason: `${error.message}${fields}` } };
  }
  return { status: 'retry', error };
}

/**
 * A record that waits for something that has not happened yet (its customer's sign-up, its sale):
 * retried with a growing delay (30 s, 1, 2, 4 … minutes, at most 15), then parked with `code` once it
 * was received `maxReceives` times.
 */
function waitOrPark(
  record: SQSRecord,
  maxReceives: number,
  wait: { code: string; reason: string; detail?: string; count: Count },
): Verdict {
  const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;
  if (receives >= maxReceives) {
    const reason = `${wait.reason} after ${receives} attempts${wait.detail ? `: ${wait.detail}` : ''}`;
    return { status: 'park', reason: { code: wait.code, reason }, count: wait.count };
  }
  const error = new Error(`${wait.reason}${wait.detail ? ` (${wait.detail})` : ''}; retried later`);
  const delaySeconds = Math.min(900, 30 * 2 ** Math.max(0, receives - 1));
  return { status: 'retry', error, count: wait.count, delaySeconds };
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Acts on every verdict (SQS gets the records back as they say), then counts what happened. */
async function settleBatch(
  records: readonly SQSRecord[],
  verdicts: Map<SQSRecord, Verdict>,
  deps: OrderBatchDeps,
  log: Logs,
): Promise<OrderBatchResult> {
  const counts = Object.fromEntries(
    Object.keys(ORDER_METRICS)
      .filter((k) => k !== 'keyReused')
      .map((k) => [k, 0]),
  ) as OrderBatchCounts;
  const back = new SendBack(deps, log);
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
        await back.retry(record, verdict.delaySeconds, verdict.requeue);
      } else if (verdict.status === 'park') await back.park(record, verdict.reason);
    }),
  );
  counts.parked += back.parked;
  counts.retried += back.requeued + back.batchItemFailures.length;
  // Only what happened: zero counts would add bytes to every EMF record and nothing to the graphs.
  for (const [counter, n] of Object.entries(counts) as [keyof OrderBatchCounts, number][]) {
    if (n > 0) deps.metrics?.addMetric(ORDER_METRICS[counter], 'Count', n);
  }
  log.info('order batch processed', { records: records.length, ...counts });
  return { batchItemFailures: back.batchItemFailures, counts };
}
