/**
 * The project's DynamoDB tables as the stack makes them (infra/constructs/ttl-table.ts,
 * order-ledger-table.ts): partition key `id` (string), TTL on `expiration`; the order ledger also
 * has the sparse `sweep` index the reconciler queries. Created explicitly: the local endpoint, like
 * DynamoDB, answers ResourceNotFoundException for any other table.
 */
import type { LocalDynamoDb } from '#local/aws/dynamodb/index.js';
import { SWEEP_INDEX } from '#shared/orders/ledger-store.js';

export interface TableNames {
  idempotency: string;
  orderLedger: string;
  /** The public-key map (infra/constructs/referral-keys.ts): keyed by `id`, no TTL. */
  referralKeys?: string;
  /** The Partnero budget (infra/constructs/partnero-budget.ts): quota windows and the dashboard cache. */
  quota?: string;
}

const TTL_ATTRIBUTE = 'expiration';

function createTtlTable(db: LocalDynamoDb, name: string, indexed = false): void {
  db.createTable({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'id', AttributeType: 'S' },
      ...(indexed
        ? ([
            { AttributeName: 'sweepShard', AttributeType: 'S' },
            { AttributeName: 'sweepAt', AttributeType: 'N' },
          ] as const)
        : []),
    ],
    ...(indexed
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: SWEEP_INDEX,
              KeySchema: [
                { AttributeName: 'sweepShard', KeyType: 'HASH' },
                { AttributeName: 'sweepAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }
      : {}),
  });
  db.table(name).ttlAttribute = TTL_ATTRIBUTE;
}

export function createProjectTables(db: LocalDynamoDb, names: TableNames): void {
  createTtlTable(db, names.idempotency);
  createTtlTable(db, names.orderLedger, true);
  if (names.quota) createTtlTable(db, names.quota);
  if (names.referralKeys) {
    db.createTable({
      TableName: names.referralKeys,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    });
  }
}
