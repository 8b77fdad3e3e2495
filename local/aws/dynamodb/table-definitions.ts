/** CreateTable requests read into table definitions, and tables described as DescribeTable answers. */
import { LOCAL_ACCOUNT_ID } from '#local/config.js';
import { invalidParameter, unsupported, validation } from './errors.js';
import type { IndexDefinition, KeySchema, KeyType, Table, TableDefinition } from './table.js';
import { itemSize } from './values.js';

const NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export const notNull = (field: string) =>
  validation(
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );

function checkName(value: unknown, field: string): string {
  if (value === undefined || value === null) throw notNull(field);
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255`,
    );
  }
  return value;
}

function keySchemaOf(raw: unknown, field: string): KeySchema {
  if (!Array.isArray(raw) || raw.length === 0) throw notNull(field);
  const elements = raw as { AttributeName?: unknown; KeyType?: unknown }[];
  const [hash, range, ...rest] = elements;
  if (rest.length > 0) throw validation(`Invalid KeySchema: Too many key schema elements`);
  if (hash?.KeyType !== 'HASH')
    throw validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (range && range.KeyType !== 'RANGE') {
    throw validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  if (typeof hash.AttributeName !== 'string' || (range && typeof range.AttributeName !== 'string')) {
    throw notNull(`${field}.member.attributeName`);
  }
  if (range && range.AttributeName === hash.AttributeName) {
    throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  return range
    ? { hash: hash.AttributeName, range: range.AttributeName as string }
    : { hash: hash.AttributeName };
}

function indexOf(raw: Record<string, unknown>): IndexDefinition {
  const name = checkName(raw.IndexName, 'globalSecondaryIndexes.member.indexName');
  const projection = (raw.Projection ?? {}) as { ProjectionType?: unknown; NonKeyAttributes?: unknown };
  const type = projection.ProjectionType ?? 'ALL';
  if (type !== 'ALL' && type !== 'KEYS_ONLY' && type !== 'INCLUDE') {
    throw validation(`Unknown ProjectionType: ${String(type)}`);
  }
  const nonKey = projection.NonKeyAttributes;
  if (type === 'INCLUDE' && (!Array.isArray(nonKey) || nonKey.length === 0)) {
    throw invalidParameter('ProjectionType is INCLUDE, but NonKeyAttributes is not specified');
  }
  if (type !== 'INCLUDE' && nonKey !== undefined) {
    throw invalidParameter(`ProjectionType is ${type}, but NonKeyAttributes is specified`);
  }
  return {
    name,
    key: keySchemaOf(raw.KeySchema, 'globalSecondaryIndexes.member.keySchema'),
    projection: { type, nonKeyAttributes: (nonKey as string[] | undefined) ?? [] },
  };
}

function attributeTypesOf(raw: unknown, used: string[]): Record<string, KeyType> {
  if (!Array.isArray(raw) || raw.length === 0) throw notNull('attributeDefinitions');
  const types: Record<string, KeyType> = {};
  for (const d of raw as { AttributeName?: unknown; AttributeType?: unknown }[]) {
    if (typeof d.AttributeName !== 'string') throw notNull('attributeDefinitions.member.attributeName');
    if (d.AttributeType !== 'S' && d.AttributeType !== 'N' && d.AttributeType !== 'B') {
      throw validation(`Invalid AttributeType: ${String(d.AttributeType)} (S, N or B)`);
    }
    types[d.AttributeName] = d.AttributeType;
  }
  const defined = Object.keys(types);
  const missing = used.filter((n) => !types[n]);
  if (missing.length > 0) {
    throw invalidParameter(
      `Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(', ')}], AttributeDefinitions: [${defined.join(', ')}]`,
    );
  }
  if (defined.some((n) => !used.includes(n))) {
    throw invalidParameter(
      `Some AttributeDefinitions are not used. AttributeDefinitions: [${defined.join(', ')}], keys used: [${used.join(', ')}]`,
    );
  }
  return types;
}

/** A CreateTable request, checked as DynamoDB checks it. */
export function definitionOf(input: Record<string, unknown>): TableDefinition {
  const name = checkName(input.TableName, 'tableName');
  if (input.LocalSecondaryIndexes !== undefined) throw unsupported('LocalSecondaryIndexes');
  if ((input.StreamSpecification as { StreamEnabled?: boolean } | undefined)?.StreamEnabled) {
    throw unsupported('DynamoDB Streams (StreamSpecification)');
  }
  const key = keySchemaOf(input.KeySchema, 'keySchema');
  const rawIndexes = input.GlobalSecondaryIndexes;
  if (rawIndexes !== undefined && (!Array.isArray(rawIndexes) || rawIndexes.length === 0)) {
    throw invalidParameter('List of GlobalSecondaryIndexes is empty');
  }
  const indexes = ((rawIndexes ?? []) as Record<string, unknown>[]).map(indexOf);
  const duplicate = indexes.find((index, i) => indexes.findIndex((j) => j.name === index.name) !== i);
  if (duplicate) throw invalidParameter(`Duplicate index name: ${duplicate.name}`);
  const used = [
    ...new Set([key, ...indexes.map((i) => i.key)].flatMap((k) => (k.range ? [k.hash, k.range] : [k.hash]))),
  ];
  return { name, key, indexes, attributeTypes: attributeTypesOf(input.AttributeDefinitions, used) };
}

const keySchemaWire = (key: KeySchema) => [
  { AttributeName: key.hash, KeyType: 'HASH' },
  ...(key.range ? [{ AttributeName: key.range, KeyType: 'RANGE' }] : []),
];
const throughput = { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 };

/** DescribeTable's `Table` (CreateTable's and DeleteTable's `TableDescription`). */
export function describe(table: Table, region: string, status = 'ACTIVE') {
  const arn = `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${table.name}`;
  const items = table.all();
  return {
    TableName: table.name,
    TableArn: arn,
    TableStatus: status,
    CreationDateTime: table.createdAt / 1000,
    KeySchema: keySchemaWire(table.key),
    AttributeDefinitions: Object.entries(table.attributeTypes).map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    ItemCount: items.length,
    TableSizeBytes: items.reduce((sum, item) => sum + itemSize(item), 0),
    ProvisionedThroughput: throughput,
    ...(table.indexes.size > 0
      ? {
          GlobalSecondaryIndexes: [...table.indexes.values()].map((index) => {
            const rows = table.rows(index.name);
            return {
              IndexName: index.name,
              IndexArn: `${arn}/index/${index.name}`,
              IndexStatus: status,
              KeySchema: keySchemaWire(index.key),
              Projection: {
                ProjectionType: index.projection.type,
                ...(index.projection.type === 'INCLUDE'
                  ? { NonKeyAttributes: index.projection.nonKeyAttributes }
                  : {}),
              },
              ItemCount: rows.length,
              IndexSizeBytes: rows.reduce((sum, item) => sum + itemSize(item), 0),
              ProvisionedThroughput: throughput,
            };
          }),
        }
      : {}),
  };
}

export const tableName = (input: Record<string, unknown>) => checkName(input.TableName, 'tableName');
