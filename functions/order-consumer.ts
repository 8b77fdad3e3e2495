import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { numberEnv } from '#shared/lambda/env.js';
import { lazy } from '#shared/lambda/lazy.js';
import { logger } from '#shared/lambda/logger.js';
import { createMetrics, publishMetrics } from '#shared/lambda/metrics.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { createDlqParker } from '#shared/order-events/dlq.js';
import { orderEventsMappingFromEnv } from '#shared/order-events/mapping.js';
import { type OrderBatchDeps, processOrderBatch } from '#shared/order-events/process-batch.js';
import { createRequeuer } from '#shared/order-events/requeue.js';
import { createRetryDelayer } from '#shared/order-events/retry-delay.js';
import { orderLedgerFromEnv } from '#shared/orders/ledger-env.js';

/**
 * SQS (order events) — EventBridge `Order Placed` / `Order Refunded` → Partnero transactions, each
 * exactly once through the order ledger. Answers with partial batch failures; poison and
 * non-retryable events are parked in `ORDER_DLQ_URL`; rate-limited ones are re-enqueued on
 * `ORDER_QUEUE_URL` with a delay (so a 429 storm does not spend the queue's `maxReceiveCount`).
 */
export type ConsumerDeps = Omit<OrderBatchDeps, 'call'> & { metrics: Metrics };

export const createHandler = (deps: () => ConsumerDeps) =>
  middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      const batchDeps = deps();
      try {
        const { batchItemFailures } = await processOrderBatch(event.Records ?? [], {
          ...batchDeps,
          call: { deadline: deadlineOf(context) },
        });
        return { batchItemFailures };
      } finally {
        // What this invocation counted, as one EMF record (what Powertools' logMetrics middleware does).
        publishMetrics(batchDeps.metrics);
      }
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
    onParked: () => metrics.addMetric('LedgerEntriesParked', 'Count', 1),
    logger,
  };
}

export const handler = createHandler(lazy(() => fromEnv()));
