/** GetItem, PutItem, UpdateItem, DeleteItem, BatchGetItem and BatchWriteItem. */
import { type Operation, requireString } from '#local/aws/json-protocol.js';
import { evaluate } from './conditions.js';
import type { LocalDynamoDb } from './database.js';
import { conditionalCheckFailed, invalidParameter, validation } from './errors.js';
import { type Condition, requestExpressions } from './expressions.js';
import { project } from './paths.js';
import { applyActions } from './updates.js';
import { type Item, normalizeItem } from './values.js';

type Input = Record<string, unknown>;

const tableName = (input: Input) => requireString(input, 'TableName', validation);

function returnValues(input: Input, allowed: readonly string[]): string {
  const value = input.ReturnValues ?? 'NONE';
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw validation(
      allowed.length === 2
        ? 'ReturnValues can only be ALL_OLD or NONE'
        : 'Return values set to invalid value',
    );
  }
  return value;
}

function checkCondition(condition: Condition | undefined, existing: Item | undefined, input: Input): void {
  const onFailure = input.ReturnValuesOnConditionCheckFailure ?? 'NONE';
  if (onFailure !== 'NONE' && onFailure !== 'ALL_OLD') {
    throw validation('ReturnValuesOnConditionCheckFailure can only be ALL_OLD or NONE');
  }
  if (condition && !evaluate(condition, existing, 'ConditionExpression')) {
    throw conditionalCheckFailed(onFailure === 'ALL_OLD' ? existing : undefined);
  }
}

const attributes = (item: Item | undefined) =>
  item && Object.keys(item).length > 0 ? { Attributes: item } : {};

function putItem(db: LocalDynamoDb, input: Input) {
  const table = db.table(tableName(input));
  if (input.Item === undefined)
    throw validation(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  const item = normalizeItem(input.Item);
  const { condition } = requestExpressions(input, ['ConditionExpression']);
  const mode = returnValues(input, ['NONE', 'ALL_OLD']);
  const existing = table.current(item);
  checkCondition(condition, existing, input);
  table.put(item);
  return mode === 'ALL_OLD' ? attributes(existing) : {};
}

function updateItem(db: LocalDynamoDb, input: Input) {
  const table = db.table(tableName(input));
  const key = normalizeItem(input.Key ?? {});
  table.idOfKey(key);
  const { condition, update = [] } = requestExpressions(input, ['ConditionExpression', 'UpdateExpression']);
  const mode = returnValues(input, ['NONE', 'ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW']);
  for (const action of update) {
    const name = action.path[0] as string;
    if (table.keyNames.includes(name)) {
      throw invalidParameter(`Cannot update attribute ${name}. This attribute is part of the key`);
    }
  }
  const existing = table.get(key);
  checkCondition(condition, existing, input);
  const updated = applyActions(update, existing ?? key);
  table.put(updated);
  const paths = update.map((a) => a.path);
  if (mode === 'ALL_OLD') return attributes(existing);
  if (mode === 'ALL_NEW') return attributes(updated);
  if (mode === 'UPDATED_OLD') return attributes(existing && project(existing, paths));
  if (mode === 'UPDATED_NEW') return attributes(project(updated, paths));
  return {};
}

function deleteItem(db: LocalDynamoDb, input: Input) {
  const table = db.table(tableName(input));
  const key = normalizeItem(input.Key ?? {});
  table.idOfKey(key);
  const { condition } = requestExpressions(input, ['ConditionExpression']);
  const mode = returnValues(input, ['NONE', 'ALL_OLD']);
  const existing = table.get(key);
  checkCondition(condition, existing, input);
  table.delete(key);
  return mode === 'ALL_OLD' ? attributes(existing) : {};
}

function getItem(db: LocalDynamoDb, input: Input) {
  const table = db.table(tableName(input));
  const key = normalizeItem(input.Key ?? {});
  const { projection } = requestExpressions(input, ['ProjectionExpression']);
  const item = table.get(key);
  if (!item) return {};
  return { Item: projection ? project(item, projection) : item };
}

function requestItems(input: Input, max: number, what: string): [string, unknown][] {
  const raw = input.RequestItems;
  if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0) {
    throw validation(
      "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  // BatchWriteItem: a list of write requests per table; BatchGetItem: `{Keys: [...]}` per table.
  const sizeOf = (v: unknown) =>
    Array.isArray(v) ? v.length : ((v as { Keys?: unknown[] })?.Keys?.length ?? 0);
  const total = entries.reduce((sum, [, v]) => sum + sizeOf(v), 0);
  if (total > max) throw validation(`Too many items requested for the ${what} call`);
  return entries;
}

function assertUnique(ids: string[]): void {
  if (new Set(ids).size !== ids.length) throw validation('Provided list of item keys contains duplicates');
}

function batchGetItem(db: LocalDynamoDb, input: Input) {
  const Responses: Record<string, Item[]> = {};
  for (const [name, raw] of requestItems(input, 100, 'BatchGetItem')) {
    const table = db.table(name);
    const request = (raw ?? {}) as Input;
    if (!Array.isArray(request.Keys) || request.Keys.length === 0) {
      throw validation(
        "1 validation error detected: Value null at 'keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const keys = request.Keys.map(normalizeItem);
    assertUnique(keys.map((k) => table.idOfKey(k)));
    const { projection } = requestExpressions(request, ['ProjectionExpression']);
    Responses[name] = keys.flatMap((key) => {
      const item = table.get(key);
      if (!item) return [];
      return [projection ? project(item, projection) : item];
    });
  }
  return { Responses, UnprocessedKeys: {} };
}

/** Checks every request of the batch first: DynamoDB applies all of it or none. */
function batchWriteItem(db: LocalDynamoDb, input: Input) {
  const writes: (() => void)[] = [];
  for (const [name, raw] of requestItems(input, 25, 'BatchWriteItem')) {
    const table = db.table(name);
    if (!Array.isArray(raw) || raw.length === 0)
      throw validation(`The list of write requests for ${name} is empty`);
    const ids: string[] = [];
    for (const request of raw as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]) {
      if (Boolean(request.PutRequest) === Boolean(request.DeleteRequest)) {
        throw validation('Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest');
      }
      if (request.PutRequest) {
        const item = normalizeItem(request.PutRequest.Item ?? {});
        ids.push(table.idOfItem(item));
        writes.push(() => table.put(item));
      } else {
        const key = normalizeItem(request.DeleteRequest?.Key ?? {});
        ids.push(table.idOfKey(key));
        writes.push(() => table.delete(key));
      }
    }
    assertUnique(ids);
  }
  for (const write of writes) write();
  return { UnprocessedItems: {} };
}

export function itemOperations(db: LocalDynamoDb): Record<string, Operation> {
  return {
    GetItem: (input) => getItem(db, input),
    PutItem: (input) => putItem(db, input),
    UpdateItem: (input) => updateItem(db, input),
    DeleteItem: (input) => deleteItem(db, input),
    BatchGetItem: (input) => batchGetItem(db, input),
    BatchWriteItem: (input) => batchWriteItem(db, input),
  };
}
