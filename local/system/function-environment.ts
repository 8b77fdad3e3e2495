import { randomBytes } from 'node:crypto';
import type { LocalSecrets } from '#local/aws/secrets-manager.js';
import {
  LOCAL_BUS_NAME,
  LOCAL_EMAIL_HASH_SECRET_NAME,
  LOCAL_SECRET_NAME,
  LOCAL_TABLES,
  STACK_DEFAULTS,
} from '#local/config.js';
import { applyEnvironment, handlerEnvironment } from '#local/handler-env.js';
import type { SystemSettings } from './options.js';
import { ORDER_EVENT_TYPES, type OrderQueues } from './order-queues.js';
import type { PartneroInUse } from './partnero.js';
import { LOCAL_WEBHOOK_SECRET_NAME } from './stack-outputs.js';

export interface FunctionEnvironment {
  /** The variables set on this process for the functions. */
  env: Record<string, string>;
  /** Puts back what the variables were before. */
  restore(): void;
}

/**
 * The two secrets as the stack makes them: the API key (`PARTNERO_SECRET_ID`) and the webhook signing
 * secret (`WEBHOOK_SECRET_ID`, the only one the webhook function reads). Connected, they hold the
 * Partnero's key and, with the sandbox, `webhookSecret`. Another Partnero has no subscription of ours,
 * so its webhook secret stays empty until someone subscribes a public URL and stores the signing
 * secret. Unconnected, both start empty, as after `cdk deploy`.
 */
function storeSecrets(
  secrets: LocalSecrets,
  { connected, webhookSecret }: Pick<SystemSettings, 'connected' | 'webhookSecret'>,
  partnero: Pick<PartneroInUse, 'apiKey' | 'sandbox'>,
): void {
  if (!connected) {
    secrets.put(LOCAL_SECRET_NAME, JSON.stringify({ apiKey: '' }));
    secrets.put(LOCAL_WEBHOOK_SECRET_NAME, JSON.stringify({ webhookSecret: '' }));
    return;
  }
  secrets.put(LOCAL_SECRET_NAME, JSON.stringify({ apiKey: partnero.apiKey }));
  secrets.put(
    LOCAL_WEBHOOK_SECRET_NAME,
    JSON.stringify({ webhookSecret: partnero.sandbox ? webhookSecret : '' }),
  );
}

/** Stores the secrets and sets the environment the stack gives the functions on this process. */
export function applyFunctionEnvironment(
  settings: Omit<SystemSettings, 'host'>,
  parts: { secrets: LocalSecrets; awsUrl: string; partnero: PartneroInUse; queues: OrderQueues },
): FunctionEnvironment {
  const { region, credentials } = settings;
  const { secrets, partnero, queues } = parts;
  storeSecrets(secrets, settings, partnero);
  // Generated at every start, as the stack generates its own: the key map lives in memory too.
  secrets.put(
    LOCAL_EMAIL_HASH_SECRET_NAME,
    JSON.stringify({ hashKey: randomBytes(32).toString('base64url') }),
  );
  const env = handlerEnvironment({
    awsUrl: parts.awsUrl,
    region,
    credentials,
    sandboxApiUrl: partnero.apiUrl,
    secretName: LOCAL_SECRET_NAME,
    webhookSecretName: LOCAL_WEBHOOK_SECRET_NAME,
    busName: LOCAL_BUS_NAME,
    dlqUrl: queues.deadLetterQueue.url,
    queueUrl: queues.orderQueue.url,
    customerKeyClaim: STACK_DEFAULTS.customerKeyClaim,
    webhookEventSource: STACK_DEFAULTS.webhookEventSource,
    webhookToleranceSeconds: STACK_DEFAULTS.webhookToleranceSeconds,
    secretCacheTtlSeconds: STACK_DEFAULTS.secretCacheTtlSeconds,
    tables: LOCAL_TABLES,
    partneroBudget: settings.partneroBudget,
    emailHashSecretName: LOCAL_EMAIL_HASH_SECRET_NAME,
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
