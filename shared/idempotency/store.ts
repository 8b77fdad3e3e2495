import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { requiredEnv } from '#shared/config/env.js';
import { InMemoryPersistenceLayer } from './memory-persistence.js';

/**
 * The idempotency store named by the environment: the DynamoDB table `IDEMPOTENCY_TABLE_NAME`, or
 * with `IDEMPOTENCY_STORE=memory` (local runs only) a store inside this process.
 */
export function idempotencyStoreFromEnv(env: NodeJS.ProcessEnv = process.env): BasePersistenceLayer {
  if (env.IDEMPOTENCY_STORE === 'memory') return new InMemoryPersistenceLayer();
  return new DynamoDBPersistenceLayer({ tableName: requiredEnv(env, 'IDEMPOTENCY_TABLE_NAME') });
}
