import { Annotations, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DEV_CORS_ORIGINS, type ReferralConfig } from './config.js';
import { BackOfficeRole } from './constructs/back-office-role.js';
import { ReferralDashboard } from './constructs/dashboard.js';
import { IdempotencyTable } from './constructs/idempotency-table.js';
import { LedgerReconciler } from './constructs/ledger-reconciler.js';
import { ReferralMonitoring } from './constructs/monitoring.js';
import { restrictOrderProducers } from './constructs/order-bus-policy.js';
import { OrderEvents } from './constructs/order-events.js';
import { OrderLedgerTable } from './constructs/order-ledger-table.js';
import { PartneroBudget } from './constructs/partnero-budget.js';
import { PartneroSecret } from './constructs/partnero-secret.js';
import { ReferralApi } from './constructs/referral-api.js';
import type { ReferralFunctionDefaults } from './constructs/referral-function.js';
import { ReferralKeys } from './constructs/referral-keys.js';
import { WebhookFirewall } from './constructs/webhook-firewall.js';
import { WebhookSigningSecret } from './constructs/webhook-signing-secret.js';
import { PartneroWebhooks } from './constructs/webhooks.js';
import { DEFAULT_FUNCTIONS_DIR } from './entries.js';
import { addStackOutputs } from './stack-outputs.js';

/** Powertools' service name and metrics namespace of every function (and of the alarms and dashboard). */
const POWERTOOLS_SERVICE = 'partnero-referrals';
const POWERTOOLS_NAMESPACE = 'PartneroReferrals';
const METRICS = { namespace: POWERTOOLS_NAMESPACE, service: POWERTOOLS_SERVICE };

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
  webhookSecret: WebhookSigningSecret;
  idempotency: IdempotencyTable;
  referralKeys: ReferralKeys;
  orderLedger: OrderLedgerTable;
}

/**
 * The refer-a-friend backend: the API key and webhook secrets, HTTP API, order-events pipeline, webhooks,
 * alarms (with a topic) and a dashboard.
 */
export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);
    const base = this.createBase(props.config, props.functionsDir ?? DEFAULT_FUNCTIONS_DIR);
    const { config, functionsDir, functionDefaults, partnero, orderLedger } = base;
    const api = this.createApi(base);
    const orderEvents = this.createOrderEvents(base);
    const webhooks = this.createWebhooks(base, api, orderEvents);
    const security = this.createSecurity(config, api, orderEvents);
    const reconciler = new LedgerReconciler(this, 'Reconciler', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      orderLedger,
      interval: Duration.minutes(config.reconcilerIntervalMinutes),
    });
    // Partnero's rate limit, shared by every function that calls it, and the dashboard cache.
    new PartneroBudget(this, 'PartneroBudget', config.partneroBudget).attach({
      ...api.functions,
      orderConsumer: orderEvents.consumer,
      reconciler: reconciler.handler,
      partneroWebhook: webhooks.handler,
    });
    const { monitoring, dashboard } = this.createObservability(
      base,
      {
        ...Object.fromEntries(Object.entries(api.functions).map(([name, fn]) => [name, fn.function])),
        orderConsumer: orderEvents.consumer.function,
        partneroWebhook: webhooks.handler.function,
        reconciler: reconciler.handler.function,
      },
      api,
      orderEvents,
    );
    addStackOutputs(this, {
      api,
      webhooks,
      orderEvents,
      partnero,
      webhookSecret: base.webhookSecret,
      idempotency: base.idempotency,
      orderLedger,
      monitoring,
      dashboard,
      ...security,
    });
  }

  /**
   * The back-office role, the order bus's producer Deny (a bus made here), the webhook firewall (when
   * configured) and the dev stage's CORS notice (docs/security.md).
   */
  private createSecurity(config: ReferralConfig, api: ReferralApi, orderEvents: OrderEvents) {
    const backOffice = new BackOfficeRole(this, 'BackOffice', {
      api,
      ...(config.backOfficePrincipals ? { principals: config.backOfficePrincipals } : {}),
    });
    if (!config.orderEvents.busName && orderEvents.eventBus instanceof EventBus) {
      restrictOrderProducers(orderEvents.eventBus, {
        source: config.orderEvents.source,
        ...(config.orderProducers ? { producers: config.orderProducers } : {}),
      });
    }
    const sameOrigins =
      config.corsOrigins.length === DEV_CORS_ORIGINS.length &&
      config.corsOrigins.every((origin, i) => origin === DEV_CORS_ORIGINS[i]);
    if (config.stageName === 'dev' && sameOrigins) {
      Annotations.of(this).addInfo(
        `CORS allows ${DEV_CORS_ORIGINS.join(', ')} only (the dev stage's default): set corsOrigins to your site's origins; every other stage requires them.`,
      );
    }
    const webhookFirewall = config.webhookFirewall
      ? new WebhookFirewall(this, 'WebhookFirewall', { api, rateLimit: config.webhookFirewallRateLimit })
      : undefined;
    return { backOffice, ...(webhookFirewall ? { webhookFirewall } : {}) };
  }

  private createApi({
    config,
    functionsDir,
    functionDefaults,
    partnero,
    idempotency,
    orderLedger,
    referralKeys,
  }: Base) {
    return new ReferralApi(this, 'Api', {
      functionsDir,
      functionDefaults,
      partneroSecret: partnero.secret,
      idempotencyTable: idempotency,
      referralKeys,
      orderLedger,
      corsOrigins: config.corsOrigins,
      throttle: config.throttle,
      // One throttle per kind of route of infra/routes.ts.
      routeThrottles: {
        jwt: config.customerThrottle,
        iam: config.backOfficeThrottle,
        none: config.webhookThrottle,
      },
      accessLogRetention: config.logRetentionDays,
      existingJwtIssuer: config.jwt,
      customerKeyClaim: config.customerKeyClaim,
      blockDisposableEmails: config.blockDisposableEmails,
      referralCookieDomain: config.referralCookieDomain,
    });
  }

  /** Alarms on everything that needs a look, all notifying one topic, and the dashboard. */
  private createObservability(
    base: Base,
    functions: Record<string, IFunction>,
    api: ReferralApi,
    orderEvents: OrderEvents,
  ) {
    const monitoring = new ReferralMonitoring(this, 'Monitoring', {
      functions,
      deadLetterQueues: { orderDeadLetterQueue: orderEvents.deadLetterQueue },
      queues: { orderQueue: orderEvents.queue },
      tables: { idempotencyTable: base.idempotency.table, orderLedgerTable: base.orderLedger.table },
      httpStage: api.stage,
      ledgerRepairs: { ...METRICS, period: Duration.minutes(base.config.reconcilerIntervalMinutes) },
      webhookDeliveries: METRICS,
      creditAmount: { ...METRICS, threshold: base.config.creditAlarmThreshold },
      ledgerParked: METRICS,
      ...(base.config.alarmTopicArn
        ? { existingAlarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', base.config.alarmTopicArn) }
        : {}),
      ...(base.config.alarmEmail ? { alarmEmail: base.config.alarmEmail } : {}),
    });
    const dashboard = new ReferralDashboard(this, 'Dashboard', {
      metrics: METRICS,
      functions,
      httpStage: api.stage,
      orderQueue: orderEvents.queue,
      deadLetterQueues: { orders: orderEvents.deadLetterQueue },
      alarms: monitoring.alarms,
    });
    return { monitoring, dashboard };
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
      // Its own secret, so the function that answers unauthenticated callers never reads the API key.
      webhookSecret: new WebhookSigningSecret(this, 'WebhookSigningSecret', {
        existingSecretNameOrArn: config.webhookSecret,
      }),
      functionDefaults: {
        logRetention: config.logRetentionDays,
        commonEnvironment: {
          PARTNERO_SECRET_ID: partnero.secretId,
          PARTNERO_API_URL: config.partneroApiUrl,
          SECRET_CACHE_TTL_SECONDS: String(config.secretCacheTtlSeconds),
          // The money rules every route and event checks (shared/schemas/fields.ts).
          MAX_AMOUNT_PER_CALL: String(config.maxAmountPerCall),
          ...(config.currencies ? { CURRENCIES: config.currencies.join(',') } : {}),
          POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          POWERTOOLS_METRICS_NAMESPACE: POWERTOOLS_NAMESPACE,
        },
      },
      idempotency: new IdempotencyTable(this, 'Idempotency'),
      orderLedger: new OrderLedgerTable(this, 'OrderLedger'),
      referralKeys: new ReferralKeys(this, 'ReferralKeys'),
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
      referralKeys: base.referralKeys,
      signingSecret: webhookSecret.secret,
      signingSecretId: webhookSecret.secretId,
      eventSource: config.webhookEventSource,
      // 0 turns the age check off; the construct's default is the function's (3 days).
      maxDeliveryAge: Duration.seconds(config.webhookToleranceSeconds),
    });
  }
}
