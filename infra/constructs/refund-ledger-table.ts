import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ttlTable } from './ttl-table.js';

/** What shared/orders/refund-ledger.ts does with its table. */
export const REFUND_LEDGER_ACTIONS = ['dynamodb:PutItem', 'dynamodb:BatchGetItem'] as const;

export interface RefundLedgerTableProps {
  /**
   * An existing table with partition key `id` (string) and TTL attribute `expiration`.
   * @default - a new table is created
   */
  readonly existingTable?: ITable;
}

/**
 * Refunded order ids. Partnero forgets a transaction once it is deleted, so this is what stops a
 * replayed `Order Placed` (or one that arrives after its refund) from being recorded again.
 * Entries expire after 90 days (TTL). Used by the order consumer and the transaction routes.
 */
export class RefundLedgerTable extends Construct {
  /** The table. */
  public readonly table: ITable;

  constructor(scope: Construct, id: string, props: RefundLedgerTableProps = {}) {
    super(scope, id);
    this.table =
      props.existingTable ??
      // Losing it would let replays of refunded orders through: keep it when the stack goes.
      ttlTable(this, 'Table', RemovalPolicy.RETAIN);
  }

  /** PutItem and BatchGetItem on this table only. */
  public grantUse(grantee: IGrantable) {
    return this.table.grant(grantee, ...REFUND_LEDGER_ACTIONS);
  }
}
