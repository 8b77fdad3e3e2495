/**
 * DynamoDB over its JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`), for
 * `createAwsEndpoint`: the real SDK clients (`@aws-sdk/client-dynamodb`, `@aws-sdk/lib-dynamodb`,
 * Powertools' DynamoDBPersistenceLayer) work against it unchanged. Every call is counted in
 * `db.calls` and may be failed by `db.faults`.
 */
import type { AwsService, Operation } from '#local/aws/json-protocol.js';
import type { LocalDynamoDb } from './database.js';
import { itemOperations } from './item-operations.js';
import { queryOperations } from './query-operations.js';
import { tableOperations } from './table-operations.js';
import { transactOperations } from './transact-operations.js';

/** The tables a request names (a batch names several), for fault rules scoped to tables. */
function tablesOf(input: Record<string, unknown>): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  const items = input.RequestItems;
  if (typeof items === 'object' && items !== null) return Object.keys(items);
  const actions = Array.isArray(input.TransactItems)
    ? (input.TransactItems as Record<string, { TableName?: string }>[])
    : [];
  return [...new Set(actions.flatMap((a) => Object.values(a).map((x) => x?.TableName ?? '')))];
}

export function dynamoDbService(db: LocalDynamoDb): AwsService {
  const operations: Record<string, Operation> = {
    ...tableOperations(db),
    ...itemOperations(db),
    ...queryOperations(db),
    ...transactOperations(db),
  };
  return {
    name: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    jsonVersion: '1.0',
    operations: Object.fromEntries(
      Object.entries(operations).map(([name, operation]) => [
        name,
        (input: Record<string, unknown>) => {
          db.calls[name] = (db.calls[name] ?? 0) + 1;
          return db.faults.apply(db.faults.pick(name, tablesOf(input)), () => operation(input));
        },
      ]),
    ),
  };
}
