/**
 * One table in memory: items by primary key, global secondary indexes (sparse, computed on read:
 * an item without an index's key attributes is not in it) and time to live.
 *
 * TTL: on DynamoDB an expired item is deleted eventually (typically within days) and stays readable
 * until then. Here it counts as deleted as soon as it has expired, and is removed when touched.
 * Code must not depend on TTL timing either way (Powertools' idempotency layer checks the
 * expiration itself).
 */
import { invalidParameter, validation } from './errors.js';
import { type AttributeValue, compareValues, type Item, itemSize, typeOf } from './values.js';

export type KeyType = 'S' | 'N' | 'B';
export interface KeySchema {
  hash: string;
  range?: string;
}
export interface IndexDefinition {
  name: string;
  key: KeySchema;
  projection: { type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes: string[] };
}
export interface TableDefinition {
  name: string;
  key: KeySchema;
  attributeTypes: Record<string, KeyType>;
  indexes: IndexDefinition[];
}

const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB's TTL ignores expiration times more than five years in the past. */
const TTL_HORIZON_SECONDS = 5 * 365 * 86_400;

const keyNames = (key: KeySchema) => (key.range ? [key.hash, key.range] : [key.hash]);

/** Orders rows by the given key attributes in turn (a missing attribute ties). */
export function compareBy(names: readonly string[]) {
  return (a: Item, b: Item): number => {
    for (const name of names) {
      const order = compareValues(a[name], b[name]) ?? 0;
      if (order !== 0) return order;
    }
    return 0;
  };
}

export class Table {
  readonly name: string;
  readonly key: KeySchema;
  readonly attributeTypes: Record<string, KeyType>;
  readonly indexes: ReadonlyMap<string, IndexDefinition>;
  readonly createdAt: number;
  ttlAttribute: string | undefined;
  private readonly items = new Map<string, Item>();

  constructor(
    definition: TableDefinition,
    private readonly now: () => number,
  ) {
    this.name = definition.name;
    this.key = definition.key;
    this.attributeTypes = definition.attributeTypes;
    this.indexes = new Map(definition.indexes.map((i) => [i.name, i]));
    this.createdAt = now();
  }

  get keyNames(): string[] {
    return keyNames(this.key);
  }

  /** The primary key attributes of `item`. */
  keyOf(item: Item): Item {
    return Object.fromEntries(this.keyNames.map((n) => [n, item[n] as AttributeValue]));
  }

  /** The storage id of a request's `Key`, which must hold exactly the key attributes. */
  idOfKey(key: Item): string {
    const names = Object.keys(key);
    const matches =
      names.length === this.keyNames.length &&
      this.keyNames.every(
        (n) => key[n] !== undefined && typeOf(key[n] as AttributeValue) === this.attributeTypes[n],
      );
    if (!matches) throw validation('The provided key element does not match the schema');
    return this.idOf(key);
  }

  private idOf(item: Item): string {
    return JSON.stringify(
      this.keyNames.map((n) => {
        const value = Object.values(item[n] as AttributeValue)[0] as string;
        if (value === '') {
          throw validation(
            `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${n}`,
          );
        }
        return value;
      }),
    );
  }

  /** The storage id of an item about to be stored, once its key, index keys and size are checked. */
  idOfItem(item: Item): string {
    for (const name of this.keyNames) {
      const value = item[name];
      if (!value) throw invalidParameter(`Missing the key ${name} in the item`);
      if (typeOf(value) !== this.attributeTypes[name]) {
        throw invalidParameter(
          `Type mismatch for key ${name} expected: ${this.attributeTypes[name]} actual: ${typeOf(value)}`,
        );
      }
    }
    for (const index of this.indexes.values()) {
      for (const name of keyNames(index.key)) {
        const value = item[name];
        if (!value) continue;
        if (typeOf(value) !== this.attributeTypes[name]) {
          throw invalidParameter(
            `Type mismatch for Index Key ${name} Expected: ${this.attributeTypes[name]} Actual: ${typeOf(value)} IndexName: ${index.name}`,
          );
        }
        if (Object.values(value)[0] === '') {
          throw validation(
            `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index.name}, IndexKey: ${name}`,
          );
        }
      }
    }
    if (itemSize(item) > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
    return this.idOf(item);
  }

  isExpired(item: Item): boolean {
    const value = this.ttlAttribute ? item[this.ttlAttribute] : undefined;
    if (!value || value.N === undefined) return false;
    const expiresAt = Number(value.N);
    const now = this.now() / 1000;
    return expiresAt < now && expiresAt > now - TTL_HORIZON_SECONDS;
  }

  private live(id: string): Item | undefined {
    const item = this.items.get(id);
    if (item && this.isExpired(item)) {
      this.items.delete(id);
      return undefined;
    }
    return item;
  }

  /** The item stored under a request's `Key`, unless absent or expired. */
  get(key: Item): Item | undefined {
    return this.live(this.idOfKey(key));
  }

  /** The item stored under the key of `item` (checked as for `put`), unless absent or expired. */
  current(item: Item): Item | undefined {
    return this.live(this.idOfItem(item));
  }

  /** Stores `item` (replacing any under its key) and returns what was there (unless expired). */
  put(item: Item): Item | undefined {
    const id = this.idOfItem(item);
    const old = this.live(id);
    this.items.set(id, item);
    return old;
  }

  /** Deletes the item under a request's `Key` and returns it (unless absent or expired). */
  delete(key: Item): Item | undefined {
    const id = this.idOfKey(key);
    const old = this.live(id);
    this.items.delete(id);
    return old;
  }

  /** Every live item (expired ones are removed on the way). */
  all(): Item[] {
    return [...this.items.keys()].flatMap((id): Item[] => {
      const item = this.live(id);
      return item ? [item] : [];
    });
  }

  get size(): number {
    return this.all().length;
  }

  clear(): void {
    this.items.clear();
  }

  index(name: string): IndexDefinition {
    const index = this.indexes.get(name);
    if (!index) {
      throw validation(`The table does not have the specified index: ${name}`);
    }
    return index;
  }

  /** The key attributes rows of the table (no index) or of `indexName` are ordered by. */
  orderOf(indexName?: string): string[] {
    return indexName ? [...keyNames(this.index(indexName).key), ...this.keyNames] : this.keyNames;
  }

  /** The rows of the table or of an index (sparse, projected), in key order. */
  rows(indexName?: string): Item[] {
    const items = this.all();
    const order = compareBy(this.orderOf(indexName));
    if (!indexName) return items.sort(order);
    const index = this.index(indexName);
    const names = keyNames(index.key);
    const keep = new Set([...names, ...this.keyNames, ...index.projection.nonKeyAttributes]);
    return items
      .filter((item) => names.every((n) => item[n] !== undefined))
      .map((item) =>
        index.projection.type === 'ALL'
          ? item
          : Object.fromEntries(Object.entries(item).filter(([name]) => keep.has(name))),
      )
      .sort(order);
  }
}
