import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { moneyOf } from '#test/support/balance.js';
import { lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import { handlerSandbox } from '#test/support/sandbox.js';
import {
  captureMetrics,
  DLQ_URL,
  failedIds,
  orderPlaced,
  orderRefunded,
  redelivered,
  sqsEvent,
  sqsRecord,
} from './helpers.js';

// Metrics are off in tests (setup-env); this file asserts them.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const { handler } = await import('#functions/order-consumer.js');

// A file of its own: the container's first read of the secret is the one that fails (a fresh module
// registry means no cached key from other tests). The handler is built from its environment, as on
// Lambda: Secrets Manager mocked, the ledger on the local DynamoDB through AWS_ENDPOINT_URL_DYNAMODB.
let env: Awaited<ReturnType<typeof handlerSandbox>>;
let dynamo: LocalDynamo;
let emf: ReturnType<typeof captureMetrics>;
const sqs = mockClient(SQSClient);

beforeAll(async () => {
  env = await handlerSandbox();
  dynamo = await startLocalDynamo();
  process.env.ORDER_DLQ_URL = DLQ_URL;
  process.env.ORDER_LEDGER_TABLE_NAME = TEST_TABLES.orderLedger;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  emf = captureMetrics();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
  await env.createCustomer({ key: 'bob', email: 'bob@example.com', referring_customer: { key: 'alice' } });
  await env.resetRequests();
});
afterAll(async () => {
  emf.restore();
  delete process.env.ORDER_DLQ_URL;
  delete process.env.ORDER_LEDGER_TABLE_NAME;
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  await env.sandbox.close();
  await dynamo.close();
});

describe('order consumer during a Secrets Manager outage', () => {
  it('returns every record as a batch item failure, parks nothing, and recovers on redelivery', async () => {
    sqs.on(SendMessageCommand).resolves({});
    env.secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const records = [
      sqsRecord(orderPlaced('order-1', 'bob', 100)),
      sqsRecord(orderPlaced('order-2', 'bob', 50)),
      sqsRecord(orderRefunded('order-0')),
    ];
    const down = (await handler(sqsEvent(records), lambdaContext())) as SQSBatchResponse;
    expect(failedIds(down).sort()).toEqual(records.map((r) => r.messageId).sort());
    expect((await env.requests()).total).toBe(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(emf.metric('OrdersRetried')).toBe(3);

    env.secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ apiKey: env.sandbox.apiKey }) });
    const up = (await handler(sqsEvent(records.map(redelivered)), lambdaContext())) as SQSBatchResponse;
    expect(up).toEqual({ batchItemFailures: [] });
    expect(moneyOf((await env.api('GET', '/customers/alice/balance')).body.data)).toBe(15);
    expect(emf.metric('OrdersRecorded')).toBe(2);
    expect(emf.metric('OrdersNothingToReverse')).toBe(1);
  });
});
