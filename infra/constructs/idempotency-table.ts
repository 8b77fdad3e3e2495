import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable, TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ttlTable } from './ttl-table.js';

/** What Powertools idempotency does with its table. */
export const IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * The Powertools `keyPrefix` of each kind of record (keys are `<prefix>#<hash>`): each function may touch
 * only items under its own prefix (`dynamodb:LeadingKeys`).
 */
export const IDEMPOTENCY_KEY_PREFIXES = {
  /** shared/credits/idempotent-credit.ts */
  credit: 'credit',
  /** shared/webhooks/publish-once.ts (`DEDUP_KEY_PREFIX`) */
  webhook: 'webhook',
} as const;

export interface IdempotencyTableProps {
  /**
   * An existing table laid out for Powertools idempotency (partition key `id` string, TTL `expiration`).
   * @default - a new table is created
   */
  readonly existingTable?: ITable;
  /**
   * Overrides for the table created when `existingTable` is not set.
   * @default - on-demand, point-in-time recovery on, TTL on `expiration`, destroyed with the stack
   */
  readonly tableProps?: Partial<TableProps>;
}

/**
 * Records of requests already handled (Powertools for AWS Lambda idempotency layout), shared by the
 * functions that must not act twice: manual credit (Idempotency-Key header) and the Partnero webhook
 * (duplicate deliveries). Only those functions get access, through `grantUse`.
 */
export class IdempotencyTable extends Construct {
  /** The table. */
  public readonly table: ITable;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table =
      props.existingTable ??
      // Records expire within hours (TTL); nothing of value is lost when the stack goes.
      ttlTable(this, 'Table', RemovalPolicy.DESTROY, props.tableProps);
  }

  /**
   * The item operations of Powertools' DynamoDBPersistenceLayer on this table, and nothing else
   * (narrower than grantReadWriteData: no Scan, Query or batch operations), on the items whose key
   * starts with `<keyPrefix>#` only: the credit function cannot touch webhook records, nor the reverse.
   */
  public grantUse(grantee: IGrantable, keyPrefix: string) {
    return Grant.addToPrincipal({
      grantee,
      actions: [...IDEMPOTENCY_ACTIONS],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keyPrefix}#*`] } },
    });
  }
}
