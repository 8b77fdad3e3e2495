/**
 * The control plane: CreateTable, DescribeTable, DeleteTable, ListTables, UpdateTimeToLive and
 * DescribeTimeToLive. Tables are ACTIVE at once (DynamoDB passes through CREATING); capacity,
 * billing mode, tags and encryption settings are accepted and ignored.
 */

import type { Operation } from '#local/aws/json-protocol.js';
import type { LocalDynamoDb } from './database.js';
import { validation } from './errors.js';
import { describe, notNull, tableName } from './table-definitions.js';

function updateTimeToLive(db: LocalDynamoDb, input: Record<string, unknown>) {
  const table = db.table(tableName(input));
  const spec = input.TimeToLiveSpecification as { Enabled?: unknown; AttributeName?: unknown } | undefined;
  if (!spec || typeof spec.Enabled !== 'boolean') throw notNull('timeToLiveSpecification.enabled');
  if (typeof spec.AttributeName !== 'string' || spec.AttributeName === '') {
    throw notNull('timeToLiveSpecification.attributeName');
  }
  if (spec.Enabled && table.ttlAttribute) throw validation('TimeToLive is already enabled');
  if (!spec.Enabled && !table.ttlAttribute) throw validation('TimeToLive is already disabled');
  table.ttlAttribute = spec.Enabled ? spec.AttributeName : undefined;
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
}

export function tableOperations(db: LocalDynamoDb): Record<string, Operation> {
  return {
    CreateTable: (input) => ({ TableDescription: db.createTable(input) }),
    DescribeTable: (input) => ({ Table: describe(db.table(tableName(input)), db.region) }),
    DeleteTable: (input) => ({
      TableDescription: describe(db.deleteTable(tableName(input)), db.region, 'DELETING'),
    }),
    ListTables: (input) => {
      const limit = input.Limit === undefined ? 100 : Number(input.Limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw validation(
          `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
        );
      }
      const start =
        typeof input.ExclusiveStartTableName === 'string' ? input.ExclusiveStartTableName : undefined;
      const names = db.tableNames().filter((n) => start === undefined || n > start);
      const page = names.slice(0, limit);
      return { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page.at(-1) } : {}) };
    },
    UpdateTimeToLive: (input) => updateTimeToLive(db, input),
    DescribeTimeToLive: (input) => {
      const table = db.table(tableName(input));
      return {
        TimeToLiveDescription: table.ttlAttribute
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    },
  };
}
