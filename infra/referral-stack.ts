import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ReferralConfig } from './config.js';
import { IdempotencyTable } from './constructs/idempotency-table.js';
import { LedgerReconciler } from './constructs/ledger-reconciler.js';
import { ReferralMonitoring } from './constructs/monitoring.js';
import { OrderEvents } from './constructs/order-events.js';
import { OrderLedgerTable } from './constructs/order-ledger-table.js';
import { type ImportedSecret, PartneroSecret } from './constructs/partnero-secret.js';
import { ReferralApi } from './constructs/referral-api.js';
import type { ReferralFunctionDefaults } from './constructs/referral-function.js';
import { PartneroWebhooks } from './constructs/webhooks.js';
import { DEFAULT_FUNCTIONS_DIR } from './entries.js';
import { addStackOutputs } from './stack-outputs.js';

/** Powertools' service name and metrics namespace of every function (and of the repair alarm). */
const POWERTOOLS_SERVICE = 'partnero-referrals';
const POWERTOOLS_NAMESPACE = 'PartneroReferrals';

export interface ReferralStackProps extends StackProps {
  /** Validated configuration (`loadConfig` in infra/config.ts). */
  readonly config: ReferralConfig;
  /**
   * Directory holding the Lambda entry files.
   * @default the repository's functions/
   */
  readonly functionsDir?: string;
}

/** What the constructs of the stack share. */
interface Base {
  config: ReferralConfig;
  functionsDir: string;
  functionDefaults: ReferralFunctionDefaults;
  partnero: PartneroSecret;
  webhookSecret: ImportedSecret | undefined;
  idempotency: IdempotencyTable;
  orderLedger: OrderLedgerTable;
}

/** The refer-a-friend backend: Partnero secret, HTTP API, order-events pipeline, webhooks, alarms. */
export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);
    const base = this.createBase(props.config, props.functionsDir ?? DEFAULT_FUNCTIONS_DIR);
    const { config, functionsDir, functionDefaults, partnero, orderLedger } = base;
    const api = new ReferralApi(this, 'Api', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      idempotencyTable: base.idempotency,
      orderLedger,
      corsOrigins: config.corsOrigins,
      throttle: config.throttle,
      accessLogRetention: config.logRetentionDays,
      existingJwtIssuer: config.jwt,
      customerKeyClaim: config.customerKeyClaim,
      referralCookieDomain: config.referralCookieDomain,
    });
    const orderEvents = this.createOrderEvents(base);
    const webhooks = this.createWebhooks(base, api, orderEvents);
    const reconciler = new LedgerReconciler(this, 'Reconciler', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      orderLedger,
      interval: Duration.minutes(config.reconcilerIntervalMinutes),
    });
    new ReferralMonitoring(this, 'Monitoring', {
      ledgerRepairs: {
        namespace: POWERTOOLS_NAMESPACE,
        service: POWERTOOLS_SERVICE,
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
    addStackOutputs(this, {
      api,
      webhooks,
      orderEvents,
      partnero,
      idempotency: base.idempotency,
      orderLedger,
    });
  }

  /** The secrets, the tables and the settings every function shares. */
  private createBase(config: ReferralConfig, functionsDir: string): Base {
    const partnero = new PartneroSecret(this, 'PartneroSecret', {
      existingSecretNameOrArn: config.partneroSecret,
    });
    return {
      config,
      functionsDir,
      partnero,
      webhookSecret: config.webhookSecret
        ? PartneroSecret.import(this, 'WebhookSecret', config.webhookSecret)
        : undefined,
      functionDefaults: {
        logRetention: config.logRetentionDays,
        commonEnvironment: {
          PARTNERO_SECRET_ID: partnero.secretId,
          PARTNERO_API_URL: config.partneroApiUrl,
          SECRET_CACHE_TTL_SECONDS: String(config.secretCacheTtlSeconds),
          POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          POWERTOOLS_METRICS_NAMESPACE: POWERTOOLS_NAMESPACE,
        },
      },
      idempotency: new IdempotencyTable(this, 'Idempotency'),
      orderLedger: new OrderLedgerTable(this, 'OrderLedger'),
    };
  }

  private createOrderEvents({
    config,
    functionsDir,
    functionDefaults,
    partnero,
    orderLedger,
  }: Base): OrderEvents {
    const orders = config.orderEvents;
    return new OrderEvents(this, 'OrderEvents', {
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
  }

  private createWebhooks(base: Base, api: ReferralApi, orderEvents: OrderEvents): PartneroWebhooks {
    const { config, webhookSecret } = base;
    return new PartneroWebhooks(this, 'Webhooks', {
      api,
      functionsDir: base.functionsDir,
      functionDefaults: base.functionDefaults,
      eventBus: orderEvents.eventBus,
      idempotencyTable: base.idempotency,
      signingSecret: webhookSecret?.secret ?? base.partnero.secret,
      signingSecretId: webhookSecret?.secretId,
      eventSource: config.webhookEventSource,
      ...(config.webhookToleranceSeconds > 0
        ? { maxDeliveryAge: Duration.seconds(config.webhookToleranceSeconds) }
        : {}),
      throttle: config.webhookThrottle,
    });
  }
}
