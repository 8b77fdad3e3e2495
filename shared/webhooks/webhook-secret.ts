import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { numberEnv, requiredEnv } from '#shared/lambda/runtime.js';
import { createCachedSecret, type RefreshableValue } from '#shared/secrets/cached-secret.js';
import { readSecretValue, SecretError, secretField } from '#shared/secrets/secret-value.js';

type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/** One Secrets Manager read may take this long before the SDK aborts it (the request deadline is shorter still). */
export const SECRET_READ_TIMEOUT_MS = 2_000;

/**
 * The JSON fields of a webhook signing secret. `npm run connect -- --rotate-webhook` writes all three:
 * the new secret, the one it replaced, and until when (ISO 8601) deliveries signed with that one are
 * still accepted.
 */
export const WEBHOOK_SECRET_FIELDS = {
  current: 'webhookSecret',
  previous: 'previousWebhookSecret',
  previousValidUntil: 'previousValidUntil',
} as const;

/** What a delivery's signature may be made with. */
export interface SigningKeys {
  /** The secret Partnero signs new deliveries with. */
  current: string;
  /** The secret it signed with before a rotation, accepted until `validUntil` (epoch ms). */
  previous?: { secret: string; validUntil: number };
}

/** A webhook signing secret that also names the previous secret during a rotation's grace period. */
export interface WebhookSigningSecret extends RefreshableValue {
  keys(): Promise<SigningKeys>;
}

/** A client whose every call is aborted after `timeoutMs`, so a hung read cannot hold the container. */
export function withReadTimeout(client: SecretsClient, timeoutMs = SECRET_READ_TIMEOUT_MS): SecretsClient {
  const send = (command: GetSecretValueCommand) =>
    client.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) });
  return { send: send as SecretsClient['send'] };
}

/** `previousValidUntil` as epoch ms; undefined unless it is a string `Date.parse` reads. */
function readValidUntil(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The keys a dedicated webhook signing secret holds: the bare signing secret, or JSON with a
 * `webhookSecret` field (so the Partnero secret's format also works here) and, after a rotation,
 * `previousWebhookSecret` with `previousValidUntil`. A previous secret without a readable expiry is
 * ignored: nothing is accepted forever. Messages never echo a value.
 */
export function parseSigningKeys(secretId: string, raw: string | undefined): SigningKeys {
  const value = readSecretValue(secretId, raw);
  if (typeof value === 'string') return { current: value };
  const current = secretField(value, WEBHOOK_SECRET_FIELDS.current);
  if (!current) {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" has no non-empty "webhookSecret" field`,
    );
  }
  const previous = secretField(value, WEBHOOK_SECRET_FIELDS.previous);
  const validUntil = readValidUntil(value[WEBHOOK_SECRET_FIELDS.previousValidUntil]);
  return previous && validUntil !== undefined
    ? { current, previous: { secret: previous, validUntil } }
    : { current };
}

export interface DedicatedSecretOptions {
  client: SecretsClient;
  secretId: string;
  ttlMs?: number;
  now?: () => number;
}

/** A dedicated signing secret, cached per container for `ttlMs`; concurrent reads share one request. */
export function createDedicatedWebhookSecret(options: DedicatedSecretOptions): WebhookSigningSecret {
  const cache = createCachedSecret({ ...options, parse: parseSigningKeys });
  return {
    get: async () => (await cache.get()).current,
    keys: () => cache.get(),
    invalidate: () => cache.invalidate(),
  };
}

/**
 * The signing secret named by the environment, `WEBHOOK_SECRET_ID` (bare value or JSON `webhookSecret`,
 * with the previous secret during a rotation): the only secret the function reads (the stack grants
 * nothing else, and never tells it the API key's).
 */
export function webhookSecretFromEnv(env: NodeJS.ProcessEnv, client: SecretsClient): WebhookSigningSecret {
  return createDedicatedWebhookSecret({
    client: withReadTimeout(client),
    secretId: requiredEnv(env, 'WEBHOOK_SECRET_ID'),
    ttlMs: numberEnv(env, 'SECRET_CACHE_TTL_SECONDS', 300) * 1000,
  });
}
