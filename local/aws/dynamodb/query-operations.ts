/**
 * Query and Scan, on a table or a global secondary index, with DynamoDB's paging: `Limit` caps the
 * items read (before FilterExpression), a page stops at 1 MB, and LastEvaluatedKey is returned
 * whenever the read stopped early — also when the limit happened to fall on the last item.
 */
import { type Operation, requireString } from '#local/aws/json-protocol.js';
import { evaluate } from './conditions.js';
import type { LocalDynamoDb } from './database.js';
import { invalidParameter, unsupported, validation } from './errors.js';
import { type Condition, type Path, requestExpressions } from './expressions.js';
import type { Operand } from './parser.js';
import { project } from './paths.js';
import { compareBy, type KeySchema, type Table } from './table.js';
import { type AttributeValue, type Item, itemSize, normalizeItem, typeOf, valuesEqual } from './values.js';

type Input = Record<string, unknown>;

const PAGE_BYTES = 1024 * 1024;

interface PageOptions {
  table: Table;
  indexName: string | undefined;
  filter: Condition | undefined;
  projection: Path[] | undefined;
  forward: boolean;
}

function selectOf(input: Input, table: Table, indexName: string | undefined, projection: Path[] | undefined) {
  const select = input.Select ?? (projection ? 'SPECIFIC_ATTRIBUTES' : undefined);
  if (select === 'COUNT' && projection) {
    throw validation('Cannot specify the ProjectionExpression when choosing to get only the COUNT');
  }
  if (select === 'SPECIFIC_ATTRIBUTES' && !projection) {
    throw validation('SPECIFIC_ATTRIBUTES requires a ProjectionExpression');
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && !indexName) {
    throw validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  }
  if (select === 'ALL_ATTRIBUTES' && indexName && table.index(indexName).projection.type !== 'ALL') {
    throw invalidParameter(
      `Select type ALL_ATTRIBUTES is not supported for global secondary index ${indexName} because its projection type is not ALL`,
    );
  }
  if (
    select !== undefined &&
    !['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'].includes(String(select))
  ) {
    throw validation(`Unknown Select value: ${String(select)}`);
  }
  return select;
}

function limitOf(input: Input): number {
  if (input.Limit === undefined) return Infinity;
  const limit = Number(input.Limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw validation(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  return limit;
}

/** One page of `rows` (in read order), after ExclusiveStartKey, filtered and projected. */
function page(rows: Item[], input: Input, options: PageOptions) {
  const order = options.table.orderOf(options.indexName);
  const compare = compareBy(order);
  let remaining = rows;
  if (input.ExclusiveStartKey !== undefined) {
    const start = normalizeItem(input.ExclusiveStartKey);
    if (!order.every((n) => start[n] !== undefined) || Object.keys(start).length !== order.length) {
      throw validation(
        'The provided starting key is invalid: The provided key element does not match the schema',
      );
    }
    remaining = rows.filter((row) => (options.forward ? compare(row, start) > 0 : compare(row, start) < 0));
  }
  const limit = limitOf(input);
  const read: Item[] = [];
  let bytes = 0;
  for (const row of remaining) {
    if (read.length >= limit || bytes >= PAGE_BYTES) break;
    read.push(row);
    bytes += itemSize(row);
  }
  const last = read.length === limit || read.length < remaining.length ? read.at(-1) : undefined;
  const matched = options.filter
    ? read.filter((row) => evaluate(options.filter as Condition, row, 'FilterExpression'))
    : read;
  const select = selectOf(input, options.table, options.indexName, options.projection);
  return {
    ...(select === 'COUNT'
      ? {}
      : {
          Items: options.projection
            ? matched.map((row) => project(row, options.projection as Path[]))
            : matched,
        }),
    Count: matched.length,
    ScannedCount: read.length,
    ...(last
      ? { LastEvaluatedKey: Object.fromEntries(order.map((n) => [n, last[n] as AttributeValue])) }
      : {}),
  };
}

function conjunctsOf(condition: Condition): Condition[] {
  return condition.kind === 'and'
    ? [...conjunctsOf(condition.left), ...conjunctsOf(condition.right)]
    : [condition];
}

/** `key op :value`, `key BETWEEN :a AND :b` or `begins_with(key, :v)`: the subject and its operands. */
function keyOperands(c: Condition): [Operand, (Operand | undefined)[]] {
  switch (c.kind) {
    case 'compare':
      return [c.left, [c.right]];
    case 'between':
      return [c.operand, [c.low, c.high]];
    case 'call':
      if (c.fn !== 'begins_with')
        throw validation(`Invalid operator used in KeyConditionExpression: ${c.fn}`);
      return [{ kind: 'path', path: c.path }, [c.arg]];
    default:
      throw validation(`Invalid operator used in KeyConditionExpression: ${c.kind.toUpperCase()}`);
  }
}

/** The key attribute one part of a KeyConditionExpression is about. */
function keyPart(c: Condition, table: Table): string {
  const [subject, operands] = keyOperands(c);
  if (subject.kind !== 'path' || subject.path.length !== 1 || operands.some((o) => o?.kind !== 'value')) {
    throw validation('Query key condition not supported');
  }
  const name = subject.path[0] as string;
  for (const operand of operands) {
    if (operand?.kind === 'value' && typeOf(operand.value) !== table.attributeTypes[name]) {
      throw invalidParameter('Condition parameter type does not match schema type');
    }
  }
  return name;
}

/** The partition value and the optional sort key condition of a KeyConditionExpression. */
function keyConditions(condition: Condition, key: KeySchema, table: Table) {
  let partition: AttributeValue | undefined;
  let sort: Condition | undefined;
  const once = (seen: unknown) => {
    if (seen) throw validation('KeyConditionExpressions must only contain one condition per key');
  };
  for (const c of conjunctsOf(condition)) {
    const name = keyPart(c, table);
    if (name === key.hash) {
      if (c.kind !== 'compare' || c.op !== '=') throw validation('Query key condition not supported');
      once(partition);
      partition = (c.right as { value: AttributeValue }).value;
    } else if (name === key.range) {
      once(sort);
      if (c.kind === 'compare' && c.op === '<>') {
        throw validation('Unsupported operator on KeyConditionExpression: operator: <>');
      }
      sort = c;
    } else throw validation('Query key condition not supported');
  }
  if (!partition) throw validation(`Query condition missed key schema element: ${key.hash}`);
  return { partition, sort };
}

function indexNameOf(input: Input, table: Table): string | undefined {
  if (input.IndexName === undefined) return undefined;
  const name = String(input.IndexName);
  table.index(name);
  if (input.ConsistentRead === true)
    throw validation('Consistent reads are not supported on global secondary indexes');
  return name;
}

function query(db: LocalDynamoDb, input: Input) {
  const table = db.table(requireString(input, 'TableName', validation));
  const indexName = indexNameOf(input, table);
  const { keyCondition, filter, projection } = requestExpressions(input, [
    'KeyConditionExpression',
    'FilterExpression',
    'ProjectionExpression',
  ]);
  if (!keyCondition) {
    throw validation(
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  }
  const key = indexName ? table.index(indexName).key : table.key;
  const { partition, sort } = keyConditions(keyCondition, key, table);
  const forward = input.ScanIndexForward !== false;
  const rows = table
    .rows(indexName)
    .filter(
      (row) =>
        valuesEqual(row[key.hash], partition) && (!sort || evaluate(sort, row, 'KeyConditionExpression')),
    );
  if (!forward) rows.reverse();
  return page(rows, input, { table, indexName, filter, projection, forward });
}

function scan(db: LocalDynamoDb, input: Input) {
  const table = db.table(requireString(input, 'TableName', validation));
  if (input.Segment !== undefined || input.TotalSegments !== undefined) {
    throw unsupported('Parallel Scan (Segment, TotalSegments)');
  }
  const indexName = indexNameOf(input, table);
  const { filter, projection } = requestExpressions(input, ['FilterExpression', 'ProjectionExpression']);
  return page(table.rows(indexName), input, { table, indexName, filter, projection, forward: true });
}

export function queryOperations(db: LocalDynamoDb): Record<string, Operation> {
  return {
    Query: (input) => query(db, input),
    Scan: (input) => scan(db, input),
  };
}
