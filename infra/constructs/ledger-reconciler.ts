import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { entryPath, FUNCTION_TIMEOUT_SECONDS } from '#infra/entries.js';
import type { OrderLedgerTable } from './order-ledger-table.js';
import { ReferralFunction, type ReferralFunctionDefaults } from './referral-function.js';

export interface LedgerReconcilerProps {
  /** Directory holding the entry files (docs/runtime-contract.md). */
  readonly functionsDir: string;
  /** Settings every function shares (common environment, log retention, bundling). */
  readonly functionDefaults: ReferralFunctionDefaults;
  /** The secret holding the Partnero API key. */
  readonly partneroSecret: ISecret;
  /** The ledger it sweeps. */
  readonly orderLedger: OrderLedgerTable;
  /**
   * How often the sweep runs.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * Timeout of one sweep.
   * @default Duration.seconds(120)
   */
  readonly timeout?: Duration;
}

/**
 * The order ledger's reconciler: an EventBridge Scheduler schedule invoking `functions/reconciler.ts`
 * every `interval`. It finishes claims whose holder vanished, completes refunds and deletes stray
 * transactions (late commits, extra copies), counting each repair as `LedgerRepairs` by reason.
 */
export class LedgerReconciler extends Construct {
  /** The reconciler function. */
  public readonly handler: ReferralFunction;
  /** Its schedule. */
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: LedgerReconcilerProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS.reconciler);
    this.handler = new ReferralFunction(this, 'Handler', {
      ...props.functionDefaults,
      entry: entryPath(props.functionsDir, 'reconciler'),
      description: 'Order ledger sweep: repairs what crashes and lost answers left (EventBridge Scheduler)',
      timeout,
      environment: {
        ORDER_LEDGER_TABLE_NAME: props.orderLedger.table.tableName,
        LEDGER_LEASE_SECONDS: String(timeout.toSeconds() + 30),
      },
    });
    this.handler.grantSecretRead(props.partneroSecret);
    props.orderLedger.grantUse(this.handler.function, { sweep: true });

    const role = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the reconciler schedule invoke the reconciler function',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Sweeps the order ledger',
      schedule: ScheduleExpression.rate(props.interval ?? Duration.minutes(5)),
      // A missed sweep is simply done by the next one.
      target: new LambdaInvoke(this.handler.function, { role, retryAttempts: 0 }),
    });
    const functionId = Stack.of(this).resolve(
      (this.handler.function.node.defaultChild as CfnFunction).logicalId,
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'grantInvoke adds `<function ARN>:*` (versions and aliases of this one function) to lambda:InvokeFunction; nothing else.',
    });
  }
}
