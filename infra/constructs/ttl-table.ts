import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** An on-demand table keyed by `id` (string) whose items expire through the `expiration` TTL attribute. */
export function ttlTable(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
  overrides: Partial<TableProps> = {},
): Table {
  return new Table(scope, id, {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    timeToLiveAttribute: 'expiration',
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
    ...overrides,
  });
}
