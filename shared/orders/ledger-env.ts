import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { numberEnv, requiredEnv } from '#shared/lambda/runtime.js';
import { DynamoOrderLedger } from './dynamo-ledger.js';

/**
 * The order ledger named by the environment: table `ORDER_LEDGER_TABLE_NAME`, lease
 * `LEDGER_LEASE_SECONDS` (default 60: longer than a function runs), `LEDGER_VERIFY_DELAY_SECONDS`
 * (default 60: how long after a doubtful write the reconciler counts copies) and
 * `LEDGER_LOOKUP_LAG_SECONDS` (default 60: how far Partnero's look-up by key may lag behind its writes;
 * at most the verify delay).
 */
export function orderLedgerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<DynamoDBClient, 'send'> = new DynamoDBClient({}),
): DynamoOrderLedger {
  return new DynamoOrderLedger({
    client,
    tableName: requiredEnv(env, 'ORDER_LEDGER_TABLE_NAME'),
    timings: {
      leaseMs: numberEnv(env, 'LEDGER_LEASE_SECONDS', 60) * 1000,
      verifyDelayMs: numberEnv(env, 'LEDGER_VERIFY_DELAY_SECONDS', 60) * 1000,
      lookupLagMs: numberEnv(env, 'LEDGER_LOOKUP_LAG_SECONDS', 60) * 1000,
    },
  });
}
