/**
 * TransactWriteItems: Put, Update, Delete and ConditionCheck on up to 100 distinct items, all applied
 * or none. Every condition is evaluated against the items as they are before any write, and every
 * write is worked out (update expression applied, item checked) before any is made; when a condition
 * fails or a write is invalid (an operand of the wrong type, a missing attribute in `SET a = b + :x`,
 * an index key of the wrong type), the call answers TransactionCanceledException with one
 * CancellationReason per action, in order (`ConditionalCheckFailed`, with `Item` under
 * ReturnValuesOnConditionCheckFailure=ALL_OLD; `ValidationError` with its message; or `None`) and
 * nothing is written.
 */
import { AwsError, type Operation } from '#local/aws/json-protocol.js';
import { evaluate } from './conditions.js';
import type { LocalDynamoDb } from './database.js';
import { invalidParameter, validation } from './errors.js';
import { requestExpressions } from './expressions.js';
import type { Table } from './table.js';
import { applyActions } from './updates.js';
import { type Item, normalizeItem } from './values.js';

type Input = Record<string, unknown>;
type Kind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
const KINDS: readonly Kind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];

interface Prepared {
  id: string;
  /** Why the action cancels the transaction, if it does. */
  reason?: { Code: 'ConditionalCheckFailed' | 'ValidationError'; Message: string; Item?: Item };
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
  const id = `${table.name}\u0000${item ? table.idOfItem(item) : table.idOfKey(key as Item)}`;
  const existing = item ? table.current(item) : table.get(key as Item);
  if (kind === 'Update') {
    for (const a of update)
      if (table.keyNames.includes(a.path[0] as string))
        throw invalidParameter(
          `Cannot update attribute ${String(a.path[0])}. This attribute is part of the key`,
        );
  }
  if (condition !== undefined && !evaluate(condition, existing, 'ConditionExpression')) {
    const returnOld = action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
    return {
      id,
      reason: {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(returnOld && existing ? { Item: existing } : {}),
      },
      write: () => {},
    };
  }
  if (kind === 'Put') return { id, write: () => table.put(item as Item) };
  if (kind === 'Delete') return { id, write: () => table.delete(key as Item) };
  if (kind === 'ConditionCheck') return { id, write: () => {} };
  // The update's outcome, worked out now: an invalid one cancels the transaction instead of failing
  // half way through its writes.
  try {
    const updated = applyActions(update, existing ?? (key as Item));
    table.idOfItem(updated);
    return { id, write: () => table.put(updated) };
  } catch (error) {
    if (!(error instanceof AwsError) || error.status !== 400) throw error;
    return { id, reason: { Code: 'ValidationError', Message: error.message }, write: () => {} };
  }
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
  if (prepared.some((p) => p.reason)) {
    const reasons = prepared.map((p) => p.reason ?? { Code: 'None' });
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
