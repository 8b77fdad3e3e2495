/**
 * TransactWriteItems: Put, Update, Delete and ConditionCheck on up to 100 distinct items, all applied
 * or none. Every condition is evaluated against the items as they are before any write; when one
 * fails the call answers TransactionCanceledException with one CancellationReason per action, in order
 * (`ConditionalCheckFailed`, with `Item` under ReturnValuesOnConditionCheckFailure=ALL_OLD, or `None`).
 */
import { AwsError, type Operation } from '#local/aws/json-protocol.js';
import { evaluate } from './conditions.js';
import type { LocalDynamoDb } from './database.js';
import { invalidParameter, validation } from './errors.js';
import { requestExpressions } from './expressions.js';
import type { Table } from './tables.js';
import { applyActions } from './updates.js';
import { type Item, normalizeItem } from './values.js';

type Input = Record<string, unknown>;
type Kind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
const KINDS: readonly Kind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];

interface Prepared {
  id: string;
  failed: boolean;
  /** The item as it was, for a failed condition with ALL_OLD. */
  existing: Item | undefined;
  returnOld: boolean;
  write: () => void;
}

function prepare(table: Table, kind: Kind, action: Input): Prepared {
  const fields =
    kind === 'Update'
      ? (['ConditionExpression', 'UpdateExpression'] as const)
      : (['ConditionExpression'] as const);
  const { condition, update = [] } = requestExpressions(action, fields);
  const item = kind === 'Put' ? normalizeItem(action.Item ?? {}) : undefined;
  const key = item ? undefined : normalizeItem(action.Key ?? {});
  const id = item ? table.idOfItem(item) : table.idOfKey(key as Item);
  const existing = item ? table.current(item) : table.get(key as Item);
  if (kind === 'Update') {
    for (const a of update)
      if (table.keyNames.includes(a.path[0] as string))
        throw invalidParameter(
          `Cannot update attribute ${String(a.path[0])}. This attribute is part of the key`,
        );
  }
  const write =
    kind === 'Put'
      ? () => table.put(item as Item)
      : kind === 'Update'
        ? () => table.put(applyActions(update, existing ?? (key as Item)))
        : kind === 'Delete'
          ? () => table.delete(key as Item)
          : () => {};
  return {
    id: `${table.name}\u0000${id}`,
    failed: condition !== undefined && !evaluate(condition, existing, 'ConditionExpression'),
    existing,
    returnOld: action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
    write,
  };
}

function transactWriteItems(db: LocalDynamoDb, input: Input) {
  const items = input.TransactItems;
  if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
    throw validation('TransactItems must hold from 1 to 100 actions');
  }
  const prepared = items.map((raw: Input) => {
    const kinds = KINDS.filter((k) => raw?.[k] !== undefined);
    if (kinds.length !== 1)
      throw validation('Each TransactItem must hold exactly one of Put, Update, Delete, ConditionCheck');
    const kind = kinds[0] as Kind;
    const action = raw[kind] as Input;
    return prepare(db.table(String(action.TableName ?? '')), kind, action);
  });
  if (new Set(prepared.map((p) => p.id)).size !== prepared.length) {
    throw validation('Transaction request cannot include multiple operations on one item');
  }
  if (prepared.some((p) => p.failed)) {
    const reasons = prepared.map((p) =>
      p.failed
        ? {
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(p.returnOld && p.existing ? { Item: p.existing } : {}),
          }
        : { Code: 'None' },
    );
    throw new AwsError(
      400,
      'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      undefined,
      { CancellationReasons: reasons },
    );
  }
  for (const p of prepared) p.write();
  return {};
}

export function transactOperations(db: LocalDynamoDb): Record<string, Operation> {
  return { TransactWriteItems: (input) => transactWriteItems(db, input) };
}
