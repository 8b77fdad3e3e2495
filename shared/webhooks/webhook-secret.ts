import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { numberEnv, requiredEnv } from '#shared/lambda/env.js';
import {
  createCachedSecret,
  createSecretProvider,
  type RefreshableValue,
  readSecretValue,
  SecretError,
  secretField,
} from '#shared/secrets/index.js';

type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/** One Secrets Manager read may take this long before the SDK aborts it (the request deadline is shorter still). */
export const SECRET_READ_TIMEOUT_MS = 2_000;

/** A client whose every call is aborted after `timeoutMs`, so a hung read cannot hold the container. */
export function withReadTimeout(client: SecretsClient, timeoutMs = SECRET_READ_TIMEOUT_MS): SecretsClient {
  const send = (command: GetSecretValueCommand) =>
    client.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) });
  return { send: send as SecretsClient['send'] };
}

/**
 * The value of a dedicated webhook signing secret: either the bare signing secret, or JSON with a
 * `webhookSecret` field (so the Partnero secret's format also works here). Never echoes the value.
 */
export function parseWebhookSecret(secretId: string, raw: string | undefined): string {
  const value = readSecretValue(secretId, raw);
  if (typeof value === 'string') return value;
  const secret = secretField(value, 'webhookSecret');
  if (!secret) {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" has no non-empty "webhookSecret" field`,
    );
  }
  return secret;
}

export interface DedicatedSecretOptions {
  client: SecretsClient;
  secretId: string;
  ttlMs?: number;
  now?: () => number;
}

/** A dedicated signing secret, cached per container for `ttlMs`; concurrent reads share one request. */
export function createDedicatedWebhookSecret(options: DedicatedSecretOptions): RefreshableValue {
  return createCachedSecret({ ...options, parse: parseWebhookSecret });
}

/**
 * The signing secret named by the environment: `WEBHOOK_SECRET_ID` when set (bare value or JSON
 * `webhookSecret`), else the `webhookSecret` field of the Partnero secret `PARTNERO_SECRET_ID`.
 * Only that one secret is ever read (the stack grants nothing else).
 */
export function webhookSecretFromEnv(env: NodeJS.ProcessEnv, client: SecretsClient): RefreshableValue {
  const ttlMs = numberEnv(env, 'SECRET_CACHE_TTL_SECONDS', 300) * 1000;
  const bounded = withReadTimeout(client);
  const dedicated = env.WEBHOOK_SECRET_ID?.trim();
  if (dedicated) return createDedicatedWebhookSecret({ client: bounded, secretId: dedicated, ttlMs });
  return createSecretProvider({ client: bounded, secretId: requiredEnv(env, 'PARTNERO_SECRET_ID'), ttlMs })
    .webhookSecret;
}
