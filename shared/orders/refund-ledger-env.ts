import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRefundLedger, memoryRefundLedger, type RefundLedger } from './refund-ledger.js';

/**
 * The ledger named by the environment: the DynamoDB table `REFUND_LEDGER_TABLE_NAME`, or with
 * `IDEMPOTENCY_STORE=memory` (local runs) the in-process one. Undefined when neither is set.
 */
export function refundLedgerFromEnv(env: NodeJS.ProcessEnv = process.env): RefundLedger | undefined {
  if (env.IDEMPOTENCY_STORE === 'memory') return memoryRefundLedger;
  const table = env.REFUND_LEDGER_TABLE_NAME?.trim();
  return table ? new DynamoRefundLedger(new DynamoDBClient({}), table) : undefined;
}
