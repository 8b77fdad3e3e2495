/**
 * DynamoDB in memory, for the local system, the tests and the benchmark. `dynamoDbService(db)`
 * (service.ts) serves it over the real JSON 1.0 protocol; tests can also use it in-process.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { resourceInUse, tableNotFound } from './errors.js';
import { Faults } from './faults.js';
import { Table } from './table.js';
import { definitionOf, describe } from './table-definitions.js';

export interface LocalDynamoDbOptions {
  /** The clock of TTL expiry and table creation times, in epoch ms. @default Date.now */
  now?: () => number;
  /** The randomness of fault injection (see `seededRandom`). @default Math.random */
  random?: () => number;
  /** Region in table ARNs. @default 'us-east-1' */
  region?: string;
}

export class LocalDynamoDb {
  readonly now: () => number;
  readonly region: string;
  readonly faults: Faults;
  /** Calls per operation (e.g. `PutItem`) since the last `reset()`, failed ones included. */
  readonly calls: Record<string, number> = {};
  private readonly tables = new Map<string, Table>();

  constructor(options: LocalDynamoDbOptions = {}) {
    this.now = options.now ?? Date.now;
    this.region = options.region ?? 'us-east-1';
    this.faults = new Faults(options.random);
  }

  /** Creates a table from a CreateTable request and returns its description. */
  createTable(input: CreateTableCommandInput | Record<string, unknown>) {
    const definition = definitionOf(input as Record<string, unknown>);
    if (this.tables.has(definition.name)) throw resourceInUse(`Table already exists: ${definition.name}`);
    const table = new Table(definition, this.now);
    this.tables.set(table.name, table);
    return describe(table, this.region);
  }

  /** A table, to read or seed its items; throws ResourceNotFoundException for an unknown one. */
  table(name: string): Table {
    const table = this.tables.get(name);
    if (!table) throw tableNotFound(name);
    return table;
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  deleteTable(name: string): Table {
    const table = this.table(name);
    this.tables.delete(name);
    return table;
  }

  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /** Empties every table (they stay, with their indexes and TTL), clears faults and call counts. */
  reset(): void {
    for (const table of this.tables.values()) table.clear();
    this.faults.clear();
    for (const name of Object.keys(this.calls)) delete this.calls[name];
  }
}
