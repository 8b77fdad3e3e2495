import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse } from 'aws-lambda';
import { dynamoDbService, LocalDynamoDb, type LocalDynamoDbOptions } from './aws/dynamodb/index.js';
import { eventBridgeService } from './aws/eventbridge.js';
import { LocalSecrets, secretsManagerService } from './aws/secrets-manager.js';
import { type CallCounts, createAwsEndpoint } from './aws/server.js';
import { QueueRegistry, sqsService } from './aws/sqs.js';
import { ActivityLog } from './bus/activity-log.js';
import { LocalEventBus } from './bus/event-bus.js';
import { EventSourceMapping } from './bus/event-source-mapping.js';
import { orderRulePattern } from './bus/order-rule.js';
import { LocalQueue } from './bus/queue.js';
import {
  DEFAULT_PORTS,
  DEFAULT_REGION,
  DEMO_USERS,
  LOCAL_BUS_NAME,
  LOCAL_CREDENTIALS,
  LOCAL_JWT_AUDIENCE,
  LOCAL_SECRET_NAME,
  LOCAL_TABLES,
  LOCAL_WEBHOOK_SECRET,
  ORDER_DLQ_NAME,
  ORDER_QUEUE_NAME,
  STACK_DEFAULTS,
} from './config.js';
import { type FunctionName, invokeFunction } from './functions.js';
import { LocalIssuer } from './gateway/jwt-issuer.js';
import { LocalOrders } from './gateway/orders.js';
import { type AccessEntry, LocalGateway } from './gateway/server.js';
import type { Credentials } from './gateway/sigv4.js';
import { applyEnvironment, handlerEnvironment } from './handler-env.js';
import { closeServer, listen, PortInUseError } from './listen.js';
import { startReconcilerTimer } from './reconciler-timer.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from './sandbox/index.js';
import { createProjectTables } from './tables.js';

export interface OrderPipelineOptions {
  /** @default 10 */
  batchSize?: number;
  /** @default 2000 (the stack's 2 s) */
  maxBatchingWindowMs?: number;
  /** @default 2 */
  maxConcurrency?: number;
  /** @default 5 */
  maxReceiveCount?: number;
  /** Delay before failed messages are received again (the rest of the visibility timeout on AWS). @default 3000 */
  retryDelayMs?: number;
}

export interface LocalSystemOptions {
  /** Interface every server listens on. @default '127.0.0.1' */
  host?: string;
  /** Demo page + API gateway. 0 = any free port. @default 3000 */
  port?: number;
  /** Partnero sandbox. @default 4010 */
  sandboxPort?: number;
  /** Local AWS endpoint (Secrets Manager, EventBridge, SQS, DynamoDB). @default 4566 */
  awsPort?: number;
  /** Keep the sandbox's state in this JSON file across restarts. */
  stateFile?: string;
  region?: string;
  credentials?: Credentials;
  webhookSecret?: string;
  /** Extra CORS origins, besides the stack default and the demo page's own. */
  corsOrigins?: string[];
  orderPipeline?: OrderPipelineOptions;
  /** Passed to the sandbox (e.g. `webhooks.baseDelayMs`, `rewardPercent`). */
  sandbox?: Pick<SandboxOptions, 'rewardPercent' | 'seed'> & { webhookBaseDelayMs?: number };
  /** Every gateway request, once answered (`start.ts` prints them). */
  onAccess?: (entry: AccessEntry) => void;
  /** Every event handed to a function, API routes and the consumer alike (tests and debugging). */
  onInvoke?: (fn: FunctionName, event: unknown) => void;
  /** How often the ledger reconciler runs (0: only on `reconcile()`). @default 30_000 */
  reconcilerIntervalMs?: number;
  /** Bus activity kept for the events panel. @default 500 */
  activityLimit?: number;
  /** The local DynamoDB's clock and fault randomness (tests). */
  dynamodb?: LocalDynamoDbOptions;
}

export interface LocalSystem {
  urls: {
    /** Demo shop page (same origin as the API). */
    demo: string;
    /** API base URL (the stack's `ApiUrl` output, without the trailing slash). */
    api: string;
    sandbox: string;
    sandboxApi: string;
    aws: string;
    issuer: string;
    webhook: string;
  };
  ports: { gateway: number; sandbox: number; aws: number };
  region: string;
  credentials: Credentials;
  secretName: string;
  busName: string;
  sandboxApiKey: string;
  webhookSecret: string;
  /** The variables set on this process for the functions. */
  env: Record<string, string>;
  sandbox: RunningSandbox;
  secrets: LocalSecrets;
  /** The functions' tables (`LOCAL_TABLES`), their items, fault injection and call counts. */
  dynamodb: LocalDynamoDb;
  bus: LocalEventBus;
  activity: ActivityLog;
  orderQueue: LocalQueue;
  deadLetterQueue: LocalQueue;
  orderEventSource: EventSourceMapping;
  /** Runs the order-ledger reconciler now (it also runs every `reconcilerIntervalMs`). */
  reconcile(): Promise<unknown>;
  issuer: LocalIssuer;
  orders: LocalOrders;
  /** Calls to the local AWS endpoint per `X-Amz-Target`. */
  awsCalls: CallCounts;
  resetAwsCalls(): void;
  close(): Promise<void>;
}

let running = false;

function publicHost(host: string): string {
  if (host === '127.0.0.1' || host === 'localhost' || host === '0.0.0.0' || host === '::' || host === '::1') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

function internalHost(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the whole system in this process: the local AWS endpoint, the event bus with the order rule,
 * queue, DLQ and consumer, the API gateway with the demo page, and the Partnero sandbox whose
 * webhooks come back through the gateway. The functions share this process (and its environment),
 * so only one local system may run per process at a time.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  if (running)
    throw new Error('A local system is already running in this process (handlers share process.env)');
  running = true;
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? DEFAULT_REGION;
  const credentials = options.credentials ?? { ...LOCAL_CREDENTIALS };
  const webhookSecret = options.webhookSecret ?? LOCAL_WEBHOOK_SECRET;
  const pipeline = options.orderPipeline ?? {};
  const orderDefaults = STACK_DEFAULTS.orderEvents;
  const cleanups: Array<() => Promise<void> | void> = [];
  let restoreEnv = () => {};
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error('[local] error while stopping', e);
      }
    }
    restoreEnv(); // last: requests still in flight read it until the servers are closed
    running = false;
  };

  try {
    const activity = new ActivityLog(options.activityLimit);
    const secrets = new LocalSecrets(region);
    const bus = new LocalEventBus(region, activity);
    bus.createBus(LOCAL_BUS_NAME);
    const queues = new QueueRegistry();
    const dynamodb = new LocalDynamoDb({ region, ...options.dynamodb });
    createProjectTables(dynamodb, LOCAL_TABLES);

    // 1. Local AWS endpoint.
    const awsEndpoint = createAwsEndpoint(
      [
        secretsManagerService(secrets),
        eventBridgeService(bus),
        sqsService(queues),
        dynamoDbService(dynamodb),
      ],
      {
        '/_local/queues': () =>
          queues.all().map((q) => ({ name: q.name, url: q.url, depth: q.depth, messages: q.list() })),
        '/_local/tables': () =>
          dynamodb.tableNames().map((name) => ({ name, items: dynamodb.table(name).all() })),
      },
    );
    cleanups.push(() => closeServer(awsEndpoint.server));
    const awsPort = await listen(awsEndpoint.server, options.awsPort ?? DEFAULT_PORTS.aws, host, {
      what: 'local AWS endpoint',
      setting: 'AWS_PORT=<port> or --aws-port <port>',
    });
    const awsUrl = `http://${internalHost(host)}:${awsPort}`;

    // 2. Queue + DLQ + the order rule, as infra/constructs/order-events.ts.
    const deadLetterQueue = queues.add(
      new LocalQueue({
        name: ORDER_DLQ_NAME,
        endpointUrl: awsUrl,
        region,
        // Redriven messages and the ones the consumer parks with SendMessage both show in the log.
        onMessage: (message, via) => {
          const attribute = (name: string) => message.messageAttributes[name]?.StringValue;
          const failureCode = attribute('failure_code');
          const failureReason = attribute('failure_reason');
          activity.append({
            kind: 'dead-letter',
            queue: ORDER_DLQ_NAME,
            messageId: attribute('original_message_id') ?? message.messageId,
            via,
            receiveCount: message.receiveCount,
            ...(failureCode ? { failureCode } : {}),
            ...(failureReason ? { failureReason } : {}),
            body: message.body,
          });
        },
      }),
    );
    const orderQueue = queues.add(
      new LocalQueue({
        name: ORDER_QUEUE_NAME,
        endpointUrl: awsUrl,
        region,
        visibilityTimeoutMs: orderDefaults.consumerTimeoutSeconds * 6 * 1000,
        redrive: {
          deadLetterQueue,
          maxReceiveCount: pipeline.maxReceiveCount ?? orderDefaults.maxReceiveCount,
        },
      }),
    );
    cleanups.push(() => {
      orderQueue.close();
      deadLetterQueue.close();
    });
    const orderSettings = {
      source: orderDefaults.source,
      placedDetailType: orderDefaults.placedDetailType,
      refundedDetailType: orderDefaults.refundedDetailType,
    };
    bus.addRule({
      name: 'order-events',
      bus: LOCAL_BUS_NAME,
      pattern: orderRulePattern(orderSettings),
      target: (event) => orderQueue.send(JSON.stringify(event)),
    });

    // 3. Gateway (its port is part of the issuer URL, the referral links and the webhook URL).
    const gateway = new LocalGateway({
      region,
      credentials,
      corsOrigins: [...STACK_DEFAULTS.corsOrigins, ...(options.corsOrigins ?? [])],
      log: activity,
      ...(options.onAccess ? { onAccess: options.onAccess } : {}),
      ...(options.onInvoke ? { onInvoke: options.onInvoke } : {}),
    });
    cleanups.push(() => closeServer(gateway.server));
    const gatewayPort = await listen(gateway.server, options.port ?? DEFAULT_PORTS.gateway, host, {
      what: 'demo page and API gateway',
      setting: 'PORT=<port> or --port <port>',
    });
    const demoUrl = `http://${publicHost(host)}:${gatewayPort}`;
    const gatewayInternalUrl = `http://${internalHost(host)}:${gatewayPort}`;
    gateway.allowOrigin(demoUrl);
    gateway.allowOrigin(gatewayInternalUrl);

    // 4. Sandbox: referral links point at the demo page, webhooks at the gateway's webhook route.
    const webhookUrl = `${gatewayInternalUrl}/webhooks/partnero`;
    if (options.stateFile) mkdirSync(dirname(options.stateFile), { recursive: true });
    const sandbox = await startSandbox({
      host,
      port: options.sandboxPort ?? DEFAULT_PORTS.sandbox,
      siteUrl: `${demoUrl}/`,
      ...(options.stateFile ? { stateFile: options.stateFile } : {}),
      ...(options.sandbox?.rewardPercent === undefined
        ? {}
        : { rewardPercent: options.sandbox.rewardPercent }),
      ...(options.sandbox?.seed === undefined ? {} : { seed: options.sandbox.seed }),
      webhooks: {
        urls: [webhookUrl],
        secret: webhookSecret,
        ...(options.sandbox?.webhookBaseDelayMs === undefined
          ? {}
          : { baseDelayMs: options.sandbox.webhookBaseDelayMs }),
      },
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      const port = options.sandboxPort ?? DEFAULT_PORTS.sandbox;
      throw new PortInUseError(port, 'Partnero sandbox', 'SANDBOX_PORT=<port> or --sandbox-port <port>');
    });
    cleanups.push(() => sandbox.close());
    const sandboxPort = Number(new URL(sandbox.url).port);

    // 5. The secret and the functions' environment.
    secrets.put(LOCAL_SECRET_NAME, JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret }));
    const env = handlerEnvironment({
      awsUrl,
      region,
      credentials,
      sandboxApiUrl: sandbox.apiUrl,
      secretName: LOCAL_SECRET_NAME,
      busName: LOCAL_BUS_NAME,
      dlqUrl: deadLetterQueue.url,
      queueUrl: orderQueue.url,
      customerKeyClaim: STACK_DEFAULTS.customerKeyClaim,
      webhookEventSource: STACK_DEFAULTS.webhookEventSource,
      webhookToleranceSeconds: STACK_DEFAULTS.webhookToleranceSeconds,
      secretCacheTtlSeconds: STACK_DEFAULTS.secretCacheTtlSeconds,
      tables: LOCAL_TABLES,
      orderEventsMapping: JSON.stringify({
        placed: orderSettings.placedDetailType,
        refunded: orderSettings.refundedDetailType,
        fields: {},
      }),
    });
    restoreEnv = applyEnvironment(env, {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    // 6. The event source mapping: queue → consumer, with partial batch responses.
    const orderEventSource = new EventSourceMapping({
      queue: orderQueue,
      region,
      invoke: async (event) => {
        options.onInvoke?.('orderConsumer', event);
        return (await invokeFunction('orderConsumer', event, region)) as SQSBatchResponse;
      },
      batchSize: pipeline.batchSize ?? orderDefaults.batchSize,
      maxBatchingWindowMs: pipeline.maxBatchingWindowMs ?? orderDefaults.maxBatchingWindowSeconds * 1000,
      maxConcurrency: pipeline.maxConcurrency ?? orderDefaults.maxConcurrency,
      retryDelayMs: pipeline.retryDelayMs ?? 3_000,
      log: activity,
    });
    cleanups.push(() => orderEventSource.stop());

    // 6b. The ledger reconciler, on a timer as EventBridge Scheduler runs it for the stack.
    const reconciler = startReconcilerTimer({
      intervalMs: options.reconcilerIntervalMs ?? 30_000,
      invoke: () =>
        invokeFunction('reconciler', { source: 'local.scheduler', 'detail-type': 'Scheduled Event' }, region),
      onError: (error) => console.error('[local] reconciler run failed', error),
    });
    cleanups.push(() => reconciler.stop());

    // 7. Issuer, demo order system, and the gateway goes live.
    const issuer = await LocalIssuer.create(`${demoUrl}/local`, LOCAL_JWT_AUDIENCE);
    const eventBridge = new EventBridgeClient({ endpoint: awsUrl, region, credentials });
    cleanups.push(() => eventBridge.destroy());
    const orders = new LocalOrders(eventBridge, { busName: LOCAL_BUS_NAME, ...orderSettings });
    gateway.activate({
      issuer,
      orders,
      port: gatewayPort,
      pageVars: { SANDBOX_URL: sandbox.url },
      pageConfig: {
        sandboxUrl: sandbox.url,
        issuer: issuer.issuer,
        busName: LOCAL_BUS_NAME,
        orderSource: orderSettings.source,
        webhookSource: STACK_DEFAULTS.webhookEventSource,
        demoUsers: DEMO_USERS,
      },
    });

    return {
      urls: {
        demo: `${demoUrl}/`,
        api: demoUrl,
        sandbox: sandbox.url,
        sandboxApi: sandbox.apiUrl,
        aws: awsUrl,
        issuer: issuer.issuer,
        webhook: `${demoUrl}/webhooks/partnero`,
      },
      ports: { gateway: gatewayPort, sandbox: sandboxPort, aws: awsPort },
      region,
      credentials,
      secretName: LOCAL_SECRET_NAME,
      busName: LOCAL_BUS_NAME,
      sandboxApiKey: sandbox.apiKey,
      webhookSecret,
      env,
      sandbox,
      secrets,
      dynamodb,
      bus,
      activity,
      orderQueue,
      deadLetterQueue,
      orderEventSource,
      reconcile: () => reconciler.runNow(),
      issuer,
      orders,
      awsCalls: awsEndpoint.calls,
      resetAwsCalls: awsEndpoint.resetCalls,
      close: (() => {
        let closing: Promise<void> | undefined;
        return () => {
          closing ??= cleanup();
          return closing;
        };
      })(),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
