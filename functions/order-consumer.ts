import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaHandler, lazy } from '#lambda';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { createMetrics, logger, numberEnv } from '#shared/lambda/runtime.js';
import { orderEventsMappingFromEnv } from '#shared/order-events/mapping.js';
import { type OrderBatchDeps, processOrderBatch } from '#shared/order-events/process-batch.js';
import { createDlqParker, createRequeuer, createRetryDelayer } from '#shared/order-events/send-back.js';
import { orderLedgerFromEnv } from '#shared/orders/dynamo-ledger.js';
import { countParked } from '#shared/orders/order-outcomes.js';

/**
 * SQS (order events) — EventBridge `Order Placed` / `Order Refunded` → Partnero transactions, each
 * exactly once through the order ledger. Answers with partial batch failures; poison and
 * non-retryable events are parked in `ORDER_DLQ_URL`; rate-limited ones are re-enqueued on
 * `ORDER_QUEUE_URL` with a delay (so a 429 storm does not spend the queue's `maxReceiveCount`).
 */
export type ConsumerDeps = Omit<OrderBatchDeps, 'call'> & { metrics: Metrics };

export const createHandler = (deps: () => ConsumerDeps) =>
  lambdaHandler(deps, async (event: SQSEvent, batchDeps, { deadline }): Promise<SQSBatchResponse> => {
    const { batchItemFailures } = await processOrderBatch(event.Records ?? [], {
      ...batchDeps,
      call: { deadline },
    });
    return { batchItemFailures };
  });

export function fromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerDeps {
  /** Only needed to park or delay a message, so most containers never create it. */
  const sqs = lazy(() => new SQSClient({}));
  const metrics = createMetrics(env);
  return {
    partnero: partneroFromEnv(env).partnero,
    ledger: orderLedgerFromEnv(env),
    mapping: orderEventsMappingFromEnv(env),
    parkInDlq: createDlqParker({ client: sqs, queueUrl: env.ORDER_DLQ_URL }),
    delayRetry: createRetryDelayer({ client: sqs, queueUrl: env.ORDER_QUEUE_URL }),
    requeue: createRequeuer({ client: sqs, queueUrl: env.ORDER_QUEUE_URL }),
    unknownCustomerMaxReceives: numberEnv(env, 'ORDER_UNKNOWN_CUSTOMER_MAX_RECEIVES', 4),
    metrics,
    onParked: countParked(metrics),
    logger,
  };
}

export const handler = createHandler(lazy(() => fromEnv()));
