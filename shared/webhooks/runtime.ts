import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createMetrics, numberEnv, type PublishableMetrics, requiredEnv } from '#shared/lambda/runtime.js';
import { DEFAULT_TOLERANCE_SECONDS } from './constants.js';
import { type PublishTarget, publishEntry } from './publish.js';
import { createPublishOnce } from './publish-once.js';
import { createDeliveryVerifier, type DeliveryVerifier } from './verify-delivery.js';
import { webhookSecretFromEnv } from './webhook-secret.js';

/** Bodies above this are refused with 413 before anything else (EventBridge takes 256 KiB per entry). */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookSettings {
  eventBusName: string;
  source: string;
  /**
   * Deliveries older than this are acknowledged and dropped (default 3 days, `DEFAULT_TOLERANCE_SECONDS`);
   * 0 turns the check off.
   */
  toleranceSeconds: number;
  maxBodyBytes: number;
}

export interface WebhookRuntime {
  settings: WebhookSettings;
  verify: DeliveryVerifier;
  publishOnce: ReturnType<typeof createPublishOnce>;
  target: Omit<PublishTarget, 'client'>;
  metrics: Pick<Metrics, 'addMetric' | 'singleMetric'> & PublishableMetrics;
  now: () => number;
}

export interface WebhookRuntimeOverrides {
  secretsClient?: Pick<SecretsManagerClient, 'send'>;
  eventBridge?: PublishTarget['client'];
  store?: BasePersistenceLayer;
  now?: () => number;
  minRefreshIntervalMs?: number;
  metrics?: WebhookRuntime['metrics'];
}

/**
 * Everything the webhook function needs, from its environment (docs/runtime-contract.md): the cached
 * signing secret, the dedup store (`IDEMPOTENCY_TABLE_NAME`) and the EventBridge client. SDK clients use
 * default settings, so `AWS_ENDPOINT_URL_*` point them at local endpoints. Nothing here touches the
 * network; create it lazily, once per container.
 */
export function createWebhookRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: WebhookRuntimeOverrides = {},
): WebhookRuntime {
  const settings: WebhookSettings = {
    eventBusName: requiredEnv(env, 'EVENT_BUS_NAME'),
    source: env.WEBHOOK_EVENT_SOURCE?.trim() || 'partnero',
    toleranceSeconds: numberEnv(env, 'WEBHOOK_TOLERANCE_SECONDS', DEFAULT_TOLERANCE_SECONDS),
    maxBodyBytes: MAX_WEBHOOK_BODY_BYTES,
  };
  const secret = webhookSecretFromEnv(env, overrides.secretsClient ?? new SecretsManagerClient({}));
  const eventBridge = overrides.eventBridge ?? new EventBridgeClient({});
  const store =
    overrides.store ??
    new DynamoDBPersistenceLayer({ tableName: requiredEnv(env, 'IDEMPOTENCY_TABLE_NAME') });
  return {
    settings,
    verify: createDeliveryVerifier({
      secret,
      ...(overrides.minRefreshIntervalMs === undefined
        ? {}
        : { minRefreshIntervalMs: overrides.minRefreshIntervalMs }),
      ...(overrides.now ? { now: overrides.now } : {}),
    }),
    publishOnce: createPublishOnce(store, (entry, deadline) => publishEntry(eventBridge, entry, deadline)),
    target: { eventBusName: settings.eventBusName, source: settings.source },
    metrics: overrides.metrics ?? createMetrics(env),
    now: overrides.now ?? Date.now,
  };
}
