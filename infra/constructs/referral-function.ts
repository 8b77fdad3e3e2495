import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { referralBundling } from '#infra/bundling.js';
import { PROJECT_ROOT } from '#infra/entries.js';

/** What every function of the stack shares; built once by the stack and spread into each function's props. */
export interface ReferralFunctionDefaults {
  /** Variables every function reads ("common" in docs/runtime-contract.md). */
  readonly commonEnvironment: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Memory in MB (CPU scales with it, so it also sets cold-start speed).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * esbuild options.
   * @default referralBundling (infra/bundling.ts)
   */
  readonly bundling?: BundlingOptions;
}

export interface ReferralFunctionProps extends ReferralFunctionDefaults {
  /** Absolute path of the entry file (one of `functions/*.ts`), which exports `handler`. */
  readonly entry: string;
  /**
   * What the function does, shown in the Lambda console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Maximum run time of one invocation.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Variables for this function only, added to `commonEnvironment`.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * A Lambda function the way this project runs them: Node.js 22 on arm64, the shared ESM bundle, X-Ray
 * tracing, its own log group with a retention, and a role that may write only to that log group
 * (no AWSLambdaBasicExecutionRole, whose log permissions span every log group of the account).
 */
export class ReferralFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** Its log group (retention from props). */
  public readonly logGroup: LogGroup;
  /** Its execution role. */
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: ReferralFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      bundling: props.bundling ?? referralBundling,
      environment: { ...props.commonEnvironment, ...props.environment },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Tracing.ACTIVE: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime this project targets and tests (local Node 20/22); move to 24 after testing.',
    });
  }

  /** Lets the function read `secret` (GetSecretValue/DescribeSecret on that secret only). */
  public grantSecretRead(secret: ISecret) {
    return secret.grantRead(this.function);
  }
}
