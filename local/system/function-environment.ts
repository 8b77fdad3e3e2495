import type { LocalSecrets } from '#local/aws/secrets-manager.js';
import { LOCAL_BUS_NAME, LOCAL_SECRET_NAME, LOCAL_TABLES, STACK_DEFAULTS } from '#local/config.js';
import { applyEnvironment, handlerEnvironment } from '#local/handler-env.js';
import type { RunningSandbox } from '#local/sandbox/index.js';
import type { SystemSettings } from './options.js';
import { ORDER_EVENT_TYPES, type OrderQueues } from './order-queues.js';

export interface FunctionEnvironment {
  /** The variables set on this process for the functions. */
  env: Record<string, string>;
  /** Puts back what the variables were before. */
  restore(): void;
}

/** Stores the Partnero secret and sets the environment the stack gives the functions on this process. */
export function applyFunctionEnvironment(
  { region, credentials, webhookSecret }: Omit<SystemSettings, 'host'>,
  parts: { secrets: LocalSecrets; awsUrl: string; sandbox: RunningSandbox; queues: OrderQueues },
): FunctionEnvironment {
  const { secrets, sandbox, queues } = parts;
  secrets.put(LOCAL_SECRET_NAME, JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret }));
  const env = handlerEnvironment({
    awsUrl: parts.awsUrl,
    region,
    credentials,
    sandboxApiUrl: sandbox.apiUrl,
    secretName: LOCAL_SECRET_NAME,
    busName: LOCAL_BUS_NAME,
    dlqUrl: queues.deadLetterQueue.url,
    queueUrl: queues.orderQueue.url,
    customerKeyClaim: STACK_DEFAULTS.customerKeyClaim,
    webhookEventSource: STACK_DEFAULTS.webhookEventSource,
    webhookToleranceSeconds: STACK_DEFAULTS.webhookToleranceSeconds,
    secretCacheTtlSeconds: STACK_DEFAULTS.secretCacheTtlSeconds,
    tables: LOCAL_TABLES,
    orderEventsMapping: JSON.stringify({
      placed: ORDER_EVENT_TYPES.placedDetailType,
      refunded: ORDER_EVENT_TYPES.refundedDetailType,
      fields: {},
    }),
  });
  const restore = applyEnvironment(env, {
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return { env, restore };
}
