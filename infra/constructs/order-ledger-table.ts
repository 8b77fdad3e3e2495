import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, type ITable, ProjectionType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { keyOf, SWEEP_INDEX, SWEEP_SHARDS } from '#shared/orders/ledger-store.js';
import { ttlTable } from './ttl-table.js';

/** What shared/orders/dynamo-ledger.ts does with its table: conditional writes, and the sweep query. */
export const ORDER_LEDGER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;
export const ORDER_LEDGER_INDEX_ACTIONS = ['dynamodb:Query'] as const;

/** Every ledger item's partition key (`id`) starts with this: `order#<orderId>` (ledger-store.ts `keyOf`). */
export const ORDER_KEY_PREFIX = keyOf('').id.S ?? 'order#';
/**
 * The partition keys (`sweepShard`) of the sweep index: `sweep#0` … `sweep#3`. A Query on an index is
 * matched by `dynamodb:LeadingKeys` against the index's partition key, not the table's.
 */
export const SWEEP_SHARD_KEYS = Array.from({ length: SWEEP_SHARDS }, (_, i) => `sweep#${i}`);

export interface OrderLedgerTableProps {
  /**
   * An existing table laid out like the one made here (partition key `id` string, TTL `expiration`, a
   * global secondary index `sweep` on `sweepShard` (string) + `sweepAt` (number) projecting all attributes).
   * @default - a new table is created
   */
  readonly existingTable?: ITable;
}

/**
 * The order ledger: one item per order id, the one owner of "exactly once" (Partnero records a second
 * transaction for a key it already has). Claims, recordings and refunds are conditional writes; entries
 * that need a second look sit in the sparse `sweep` index the reconciler queries. Retained when the
 * stack goes: without it, replays of old orders would be recorded again.
 */
export class OrderLedgerTable extends Construct {
  /** The table. */
  public readonly table: ITable;

  constructor(scope: Construct, id: string, props: OrderLedgerTableProps = {}) {
    super(scope, id);
    if (props.existingTable) {
      this.table = props.existingTable;
      return;
    }
    const table: Table = ttlTable(this, 'Table', RemovalPolicy.RETAIN);
    table.addGlobalSecondaryIndex({
      indexName: SWEEP_INDEX,
      partitionKey: { name: 'sweepShard', type: AttributeType.STRING },
      sortKey: { name: 'sweepAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });
    this.table = table;
  }

  /**
   * The ledger's item writes on this table, on `order#…` items only; with `sweep` (the reconciler, the
   * only caller of `due()`), also Query on its sweep index only (no wildcard), on the sweep shards only.
   */
  public grantUse(grantee: IGrantable, { sweep = false }: { sweep?: boolean } = {}) {
    const items = Grant.addToPrincipal({
      grantee,
      actions: [...ORDER_LEDGER_ACTIONS],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ORDER_KEY_PREFIX}*`] } },
    });
    if (!sweep) return items;
    const query = Grant.addToPrincipal({
      grantee,
      actions: [...ORDER_LEDGER_INDEX_ACTIONS],
      resourceArns: [`${this.table.tableArn}/index/${SWEEP_INDEX}`],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': SWEEP_SHARD_KEYS } },
    });
    return items.combine(query);
  }
}
