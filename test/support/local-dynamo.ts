import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RetryStrategyV2 } from '@aws-sdk/types';
import { dynamoDbService, LocalDynamoDb, type LocalDynamoDbOptions } from '#local/aws/dynamodb/index.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { closeServer, listen } from '#local/listen.js';
import { createProjectTables } from '#local/project-tables.js';
import { DynamoOrderLedger } from '#shared/orders/dynamo-ledger.js';
import type { LedgerTimings } from '#shared/orders/ledger.js';

export const TEST_TABLES = {
  idempotency: 'test-idempotency',
  orderLedger: 'test-order-ledger',
  referralKeys: 'test-referral-keys',
  quota: 'test-quota',
} as const;
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * The SDK's retry rules (throttles, 5xx and transient errors are retried, up to `maxAttempts`) without
 * its backoff sleeps, which would only make fault-heavy tests slow.
 */
export const quickRetries = (maxAttempts: number): RetryStrategyV2 => ({
  acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
  refreshRetryTokenForRetry: async (token, error) => {
    const count = token.getRetryCount() + 1;
    if (count >= maxAttempts || error.errorType === 'CLIENT_ERROR') throw new Error('no more retries');
    return { getRetryCount: () => count, getRetryDelay: () => 1 };
  },
  recordSuccess: () => {},
});

/**
 * The project's code on the test tables, through `shared` unless told otherwise: the order ledger and
 * Powertools' real persistence layer on the idempotency table. Any DynamoDB endpoint (ours, moto's).
 */
export function tableUsers(shared: DynamoDBClient) {
  return {
    ledger: (
      timings: Partial<LedgerTimings> = {},
      now?: () => number,
      ddb: Pick<DynamoDBClient, 'send'> = shared,
    ) =>
      new DynamoOrderLedger({
        client: ddb,
        tableName: TEST_TABLES.orderLedger,
        timings: { leaseMs: 60_000, verifyDelayMs: 60_000, ...timings },
        ...(now ? { now } : {}),
      }),
    persistence: () =>
      new DynamoDBPersistenceLayer({ tableName: TEST_TABLES.idempotency, awsSdkV3Client: shared }),
  };
}

/**
 * The local DynamoDB endpoint on a free port, with the project's tables, and real SDK clients pointed
 * at it: what the tests use instead of any in-memory store.
 */
export async function startLocalDynamo(options: LocalDynamoDbOptions = {}) {
  const db = new LocalDynamoDb(options);
  createProjectTables(db, TEST_TABLES);
  const endpoint = createAwsEndpoint([dynamoDbService(db)]);
  const port = await listen(endpoint.server, 0, '127.0.0.1', { what: 'test DynamoDB', setting: '-' });
  const url = `http://127.0.0.1:${port}`;
  const client = (maxAttempts = 3) =>
    new DynamoDBClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts,
      retryStrategy: quickRetries(maxAttempts),
    });
  const shared = client();
  return {
    db,
    url,
    /** A DynamoDB client of its own (e.g. `client(1)` to see every failure). */
    client,
    ...tableUsers(shared),
    /** Items of the ledger, as stored. */
    ledgerItems: () => db.table(TEST_TABLES.orderLedger).all(),
    reset: () => db.reset(),
    close: async () => {
      shared.destroy();
      await closeServer(endpoint.server);
    },
  };
}

export type LocalDynamo = Awaited<ReturnType<typeof startLocalDynamo>>;
