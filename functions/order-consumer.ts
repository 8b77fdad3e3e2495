import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deadlineOf } from '#shared/http/index.js';
import { logger } from '#shared/observability/logger.js';
import { createDlqParker, orderEventsMappingFromEnv, processOrderBatch } from '#shared/order-events/index.js';
import { refundLedgerFromEnv } from '#shared/orders/index.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/**
 * SQS (order events) — EventBridge `Order Placed` / `Order Refunded` → Partnero transactions.
 * Answers with partial batch failures; poison and invalid events are parked in `ORDER_DLQ_URL`.
 */
const runtime = lazy(() => createPartneroRuntime());
const ledger = lazy(() => refundLedgerFromEnv());
/** Only needed to park a message, so most containers never create it. */
const sqs = lazy(() => new SQSClient({}));
/** One per container; `logMetrics` publishes what an invocation added, at its end. */
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'PartneroReferrals',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'partnero-referrals',
});

async function consume(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await processOrderBatch(event.Records ?? [], {
    partnero: runtime().partnero,
    mapping: orderEventsMappingFromEnv(),
    parkInDlq: createDlqParker({ client: sqs, queueUrl: process.env.ORDER_DLQ_URL }),
    metrics,
    logger,
    call: { deadline: deadlineOf(context) },
    ledger: ledger(),
  });
  return { batchItemFailures };
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(consume);
