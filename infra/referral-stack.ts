import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ReferralConfig } from './config.js';
import { IdempotencyTable } from './constructs/idempotency-table.js';
import { LedgerReconciler } from './constructs/ledger-reconciler.js';
import { ReferralMonitoring } from './constructs/monitoring.js';
import { OrderEvents } from './constructs/order-events.js';
import { OrderLedgerTable } from './constructs/order-ledger-table.js';
import { PartneroSecret } from './constructs/partnero-secret.js';
import { ReferralApi } from './constructs/referral-api.js';
import type { ReferralFunctionDefaults } from './constructs/referral-function.js';
import { PartneroWebhooks } from './constructs/webhooks.js';
import { DEFAULT_FUNCTIONS_DIR } from './entries.js';

export interface ReferralStackProps extends StackProps {
  /** Validated configuration (`loadConfig` in infra/config.ts). */
  readonly config: ReferralConfig;
  /**
   * Directory holding the Lambda entry files.
   * @default the repository's functions/
   */
  readonly functionsDir?: string;
}

/** The refer-a-friend backend: Partnero secret, HTTP API, order-events pipeline, webhooks, alarms. */
export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);
    const { config } = props;
    const functionsDir = props.functionsDir ?? DEFAULT_FUNCTIONS_DIR;

    const partnero = new PartneroSecret(this, 'PartneroSecret', {
      existingSecretNameOrArn: config.partneroSecret,
    });
    const webhookSecret = config.webhookSecret
      ? PartneroSecret.import(this, 'WebhookSecret', config.webhookSecret)
      : undefined;
    const functionDefaults: ReferralFunctionDefaults = {
      logRetention: config.logRetentionDays,
      commonEnvironment: {
        PARTNERO_SECRET_ID: partnero.secretId,
        PARTNERO_API_URL: config.partneroApiUrl,
        SECRET_CACHE_TTL_SECONDS: String(config.secretCacheTtlSeconds),
        POWERTOOLS_SERVICE_NAME: 'partnero-referrals',
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: 'PartneroReferrals',
      },
    };
    const idempotency = new IdempotencyTable(this, 'Idempotency');
    const orderLedger = new OrderLedgerTable(this, 'OrderLedger');

    const api = new ReferralApi(this, 'Api', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      idempotencyTable: idempotency,
      orderLedger,
      corsOrigins: config.corsOrigins,
      throttle: config.throttle,
      accessLogRetention: config.logRetentionDays,
      existingJwtIssuer: config.jwt,
      customerKeyClaim: config.customerKeyClaim,
      referralCookieDomain: config.referralCookieDomain,
    });

    const { orderEvents: orders } = config;
    const orderEvents = new OrderEvents(this, 'OrderEvents', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      orderLedger,
      existingEventBusInterface: orders.busName
        ? EventBus.fromEventBusName(this, 'OrderBus', orders.busName)
        : undefined,
      // Bus names are unique per account and region: one per stage.
      eventBusProps: { eventBusName: `partnero-referrals-${config.stageName}` },
      source: orders.source,
      placedDetailType: orders.placedDetailType,
      refundedDetailType: orders.refundedDetailType,
      mapping: orders.mapping,
      consumerTimeout: Duration.seconds(orders.consumerTimeoutSeconds),
      batchSize: orders.batchSize,
      maxBatchingWindow: Duration.seconds(orders.maxBatchingWindowSeconds),
      maxReceiveCount: orders.maxReceiveCount,
      maxConcurrency: orders.maxConcurrency,
    });

    const webhooks = new PartneroWebhooks(this, 'Webhooks', {
      api,
      functionsDir,
      functionDefaults,
      eventBus: orderEvents.eventBus,
      idempotencyTable: idempotency,
      signingSecret: webhookSecret?.secret ?? partnero.secret,
      signingSecretId: webhookSecret?.secretId,
      eventSource: config.webhookEventSource,
      ...(config.webhookToleranceSeconds > 0
        ? { maxDeliveryAge: Duration.seconds(config.webhookToleranceSeconds) }
        : {}),
      throttle: config.webhookThrottle,
    });

    const reconciler = new LedgerReconciler(this, 'Reconciler', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      orderLedger,
      interval: Duration.minutes(config.reconcilerIntervalMinutes),
    });

    new ReferralMonitoring(this, 'Monitoring', {
      ledgerRepairs: {
        namespace: 'PartneroReferrals',
        service: 'partnero-referrals',
        period: Duration.minutes(config.reconcilerIntervalMinutes),
      },
      functions: {
        ...Object.fromEntries(Object.entries(api.functions).map(([name, fn]) => [name, fn.function])),
        orderConsumer: orderEvents.consumer.function,
        partneroWebhook: webhooks.handler.function,
        reconciler: reconciler.handler.function,
      },
      deadLetterQueues: { orderDeadLetterQueue: orderEvents.deadLetterQueue },
      httpStage: api.stage,
      alarmTopic: config.alarmTopicArn
        ? Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn)
        : undefined,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', api.url, 'Base URL of the HTTP API');
    output('WebhookUrl', webhooks.url, 'Register this URL as the webhook endpoint in Partnero');
    output('SecretName', partnero.secretName, 'Secret holding the Partnero API key');
    if (partnero.created) {
      output(
        'PutSecretCommand',
        `aws secretsmanager put-secret-value --secret-id ${partnero.secretId} --secret-string '{"apiKey":"<Partnero API key>","webhookSecret":"<Partnero webhook signing secret>"}'`,
        'Put the Partnero API key (and webhook signing secret) in',
      );
    }
    if (api.userPool && api.userPoolClient) {
      output('UserPoolId', api.userPool.userPoolId, 'Cognito user pool of the customers');
      output('UserPoolClientId', api.userPoolClient.userPoolClientId, 'App client for the web frontend');
    }
    output(
      'EventBusName',
      orderEvents.eventBus.eventBusName,
      'Bus for order events and republished webhooks',
    );
    output('OrderQueueUrl', orderEvents.queue.queueUrl, 'Queue between the order rule and the consumer');
    output('OrderDlqUrl', orderEvents.deadLetterQueue.queueUrl, 'Dead-letter queue of order events');
    output('OrderDlqArn', orderEvents.deadLetterQueue.queueArn, 'Dead-letter queue ARN (redrive source)');
    output(
      'OrderDlqRedriveCommand',
      `aws sqs start-message-move-task --source-arn ${orderEvents.deadLetterQueue.queueArn} --destination-arn ${orderEvents.queue.queueArn}`,
      'After fixing the cause: move dead-lettered order events back to the queue',
    );
    output('IdempotencyTableName', idempotency.table.tableName, 'Idempotency records (credit, webhook)');
    output(
      'OrderLedgerTableName',
      orderLedger.table.tableName,
      'Order ledger (exactly-once transactions and refunds)',
    );
  }
}
