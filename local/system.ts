import type { LocalDynamoDb } from '#local/aws/dynamodb/index.js';
import type { LocalSecrets } from '#local/aws/secrets-manager.js';
import type { CallCounts } from '#local/aws/server.js';
import { ActivityLog } from '#local/bus/activity-log.js';
import type { LocalEventBus } from '#local/bus/event-bus.js';
import type { EventSourceMapping } from '#local/bus/event-source-mapping.js';
import type { LocalQueue } from '#local/bus/queue.js';
import {
  DEFAULT_REGION,
  LOCAL_BUS_NAME,
  LOCAL_CREDENTIALS,
  LOCAL_SECRET_NAME,
  LOCAL_WEBHOOK_SECRET,
  STACK_DEFAULTS,
} from '#local/config.js';
import type { DemoShop } from '#local/gateway/demo-shop.js';
import type { LocalIssuer } from '#local/gateway/jwt-issuer.js';
import type { Credentials } from '#local/gateway/sigv4.js';
import type { RunningSandbox } from '#local/sandbox/index.js';
import {
  type AwsResources,
  createAwsResources,
  type RunningAwsEndpoint,
  startAwsEndpoint,
} from '#local/system/aws-endpoint.js';
import { CleanupStack } from '#local/system/cleanup-stack.js';
import { applyFunctionEnvironment, type FunctionEnvironment } from '#local/system/function-environment.js';
import {
  activateGateway,
  type ListeningGateway,
  type LiveGateway,
  publicWebhookUrl,
  startGateway,
} from '#local/system/gateway.js';
import type { LocalSystemOptions, SystemSettings } from '#local/system/options.js';
import { createOrderQueues, type OrderQueues } from '#local/system/order-queues.js';
import { NoSandboxError, type PartneroInUse, startPartnero } from '#local/system/partnero.js';
import {
  LOCAL_STACK_NAME,
  LOCAL_WEBHOOK_SECRET_NAME,
  localStackOutputs,
  writeOutputsFiles,
} from '#local/system/stack-outputs.js';
import {
  type ScheduledReconciler,
  startOrderConsumer,
  startScheduledReconciler,
} from '#local/system/triggers.js';

export type { ExternalPartnero, LocalSystemOptions, OrderPipelineOptions } from '#local/system/options.js';
export { NoSandboxError } from '#local/system/partnero.js';

export interface LocalSystem {
  urls: {
    /** Demo shop page (same origin as the API). */
    demo: string;
    /** API base URL (the stack's `ApiUrl` output, without the trailing slash). */
    api: string;
    /** The sandbox and its API; absent when another Partnero is in use (`partnero` option). */
    sandbox?: string;
    sandboxApi?: string;
    /** The Partnero API the functions call (the sandbox's, or the one named by the `partnero` option). */
    partneroApi: string;
    aws: string;
    issuer: string;
    webhook: string;
  };
  ports: { gateway: number; sandbox?: number; aws: number };
  /** Which Partnero the functions call; `sandbox` false: another one, named by the `partnero` option. */
  partnero: { apiUrl: string; sandbox: boolean };
  region: string;
  credentials: Credentials;
  /** The name of the "stack" in the outputs (`partnero-referrals-local`). */
  stackName: string;
  /** The secret holding the Partnero API key (`SecretName`, `PARTNERO_SECRET_ID`). */
  secretName: string;
  /** The webhook signing secret (`WebhookSecretName`, `WEBHOOK_SECRET_ID`). */
  webhookSecretName: string;
  busName: string;
  /** The sandbox's API key. Throws `NoSandboxError` when another Partnero is in use. */
  sandboxApiKey: string;
  /** The signing secret of the sandbox's pre-made subscription (what a connected system starts with). */
  webhookSecret: string;
  /** The stack outputs of the local system, named as the stack's (`ApiUrl`, `WebhookUrl`, `SecretName`…). */
  outputs: Record<string, string>;
  /** Where the outputs were written (`outputsFile` option), if anywhere. */
  outputsFile?: string;
  /** The variables set on this process for the functions. */
  env: Record<string, string>;
  /** The embedded sandbox. Throws `NoSandboxError` when another Partnero is in use. */
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
  orders: DemoShop;
  /** Calls to the local AWS endpoint per `X-Amz-Target`. */
  awsCalls: CallCounts;
  resetAwsCalls(): void;
  close(): Promise<void>;
}

let running = false;

/**
 * Starts the whole system in this process: the local AWS endpoint, the event bus with the order rule,
 * queue, DLQ and consumer, the API gateway with the demo page, and the Partnero sandbox whose
 * webhooks come back through the gateway. With the `partnero` option no sandbox starts: the functions
 * call that Partnero, and no webhook is subscribed or faked there. The functions share this process
 * (and its environment), so only one local system may run per process at a time.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  if (running)
    throw new Error('A local system is already running in this process (handlers share process.env)');
  running = true;
  const settings: SystemSettings = {
    host: options.host ?? '127.0.0.1',
    region: options.region ?? DEFAULT_REGION,
    credentials: options.credentials ?? { ...LOCAL_CREDENTIALS },
    webhookSecret: options.webhookSecret ?? LOCAL_WEBHOOK_SECRET,
    connected: options.connected ?? true,
    partneroBudget: { ...STACK_DEFAULTS.partneroBudget, ...options.partneroBudget },
  };
  const { host, region, webhookSecret, connected } = settings;
  const cleanups = new CleanupStack();
  let restoreEnv = () => {};
  // First in, so last out: requests still in flight read the environment until the servers are closed.
  cleanups.push(() => {
    restoreEnv();
    running = false;
  });

  try {
    const activity = new ActivityLog(options.activityLimit);
    const aws = createAwsResources(region, activity, options.dynamodb);
    const awsEndpoint = await startAwsEndpoint(aws, host, options.awsPort);
    cleanups.push(() => awsEndpoint.close());
    const awsUrl = awsEndpoint.url;
    const queues = createOrderQueues(aws, { awsUrl, region, activity, pipeline: options.orderPipeline });
    cleanups.push(() => queues.close());
    const gateway = await startGateway(options, settings, activity);
    cleanups.push(() => gateway.close());
    const partnero = await startPartnero(options, gateway, { host, webhookSecret, connected });
    cleanups.push(() => partnero.close());
    const functionEnv = applyFunctionEnvironment(settings, {
      secrets: aws.secrets,
      awsUrl,
      partnero,
      queues,
    });
    restoreEnv = functionEnv.restore;
    const orderEventSource = startOrderConsumer(queues.orderQueue, options, { region, activity });
    cleanups.push(() => orderEventSource.stop());
    const reconciler = startScheduledReconciler(region, options.reconcilerIntervalMs);
    cleanups.push(() => reconciler.stop());
    const live = await activateGateway(gateway, { ...settings, awsUrl, partnero });
    cleanups.push(() => live.close());

    const outputs = localStackOutputs({ apiUrl: gateway.demoUrl, webhookUrl: gateway.webhookUrl, queues });
    if (options.outputsFile) {
      const endpoint = {
        stackName: LOCAL_STACK_NAME,
        awsEndpointUrl: awsUrl,
        region,
        partneroApiUrl: partnero.apiUrl,
      };
      cleanups.push(
        writeOutputsFiles(options.outputsFile, outputs, { ...endpoint, credentials: settings.credentials }),
      );
    }

    const parts = { settings, activity, aws, awsEndpoint, queues, gateway, partnero, functionEnv, outputs };
    return describeSystem(
      { ...parts, orderEventSource, reconciler, live, outputsFile: options.outputsFile },
      () => cleanups.unwind(),
    );
  } catch (e) {
    await cleanups.unwind();
    throw e;
  }
}

interface StartedParts {
  settings: SystemSettings;
  activity: ActivityLog;
  aws: AwsResources;
  awsEndpoint: RunningAwsEndpoint;
  queues: OrderQueues;
  gateway: ListeningGateway;
  partnero: PartneroInUse;
  functionEnv: FunctionEnvironment;
  outputs: Record<string, string>;
  orderEventSource: EventSourceMapping;
  reconciler: ScheduledReconciler;
  live: LiveGateway;
  outputsFile: string | undefined;
}

/** The sandbox, or a clear error for a sandbox-only part when another Partnero is in use. */
function sandboxOf({ sandbox, apiUrl }: PartneroInUse, what: string): RunningSandbox {
  if (!sandbox) throw new NoSandboxError(what, apiUrl);
  return sandbox;
}

/** The parts of a running system, as `LocalSystem` shows them. */
function describeSystem(parts: StartedParts, close: () => Promise<void>): LocalSystem {
  const { settings, aws, awsEndpoint, gateway, partnero, reconciler, live } = parts;
  const { sandbox } = partnero;
  return {
    urls: {
      demo: `${gateway.demoUrl}/`,
      api: gateway.demoUrl,
      ...(sandbox ? { sandbox: sandbox.url, sandboxApi: sandbox.apiUrl } : {}),
      partneroApi: partnero.apiUrl,
      aws: awsEndpoint.url,
      issuer: live.issuer.issuer,
      webhook: publicWebhookUrl(gateway.demoUrl),
    },
    ports: {
      gateway: gateway.port,
      ...(sandbox ? { sandbox: Number(new URL(sandbox.url).port) } : {}),
      aws: awsEndpoint.port,
    },
    partnero: { apiUrl: partnero.apiUrl, sandbox: sandbox !== undefined },
    region: settings.region,
    credentials: settings.credentials,
    stackName: LOCAL_STACK_NAME,
    secretName: LOCAL_SECRET_NAME,
    webhookSecretName: LOCAL_WEBHOOK_SECRET_NAME,
    busName: LOCAL_BUS_NAME,
    get sandboxApiKey() {
      return sandboxOf(partnero, 'The sandbox API key').apiKey;
    },
    webhookSecret: settings.webhookSecret,
    outputs: parts.outputs,
    env: parts.functionEnv.env,
    get sandbox() {
      return sandboxOf(partnero, 'system.sandbox');
    },
    secrets: aws.secrets,
    dynamodb: aws.dynamodb,
    bus: aws.bus,
    activity: parts.activity,
    orderQueue: parts.queues.orderQueue,
    deadLetterQueue: parts.queues.deadLetterQueue,
    orderEventSource: parts.orderEventSource,
    reconcile: () => reconciler.runNow(),
    issuer: live.issuer,
    orders: live.orders,
    awsCalls: awsEndpoint.calls,
    resetAwsCalls: awsEndpoint.resetCalls,
    ...(parts.outputsFile ? { outputsFile: parts.outputsFile } : {}),
    close,
  };
}
