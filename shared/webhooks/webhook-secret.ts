import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { numberEnv, requiredEnv } from '../config/env.js';
import { createSecretProvider, type RefreshableValue, SecretError } from '../secrets/index.js';

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
  const text = raw?.trim() ?? '';
  if (text === '') throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" is empty`);
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" starts with "{" but is not valid JSON`,
    );
  }
  const value = (parsed as Record<string, unknown> | null)?.webhookSecret;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" has no non-empty "webhookSecret" field`,
    );
  }
  return value.trim();
}

export interface DedicatedSecretOptions {
  client: SecretsClient;
  secretId: string;
  ttlMs?: number;
  now?: () => number;
}

/** A dedicated signing secret, cached per container for `ttlMs`; concurrent reads share one request. */
export function createDedicatedWebhookSecret(options: DedicatedSecretOptions): RefreshableValue {
  const { client, secretId, ttlMs = 300_000, now = Date.now } = options;
  let pending: Promise<string> | undefined;
  let expiresAt = 0;

  const read = async (): Promise<string> => {
    let raw: string | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      raw =
        out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    } catch (e) {
      const name = (e as { name?: string }).name ?? 'Error';
      if (name === 'ResourceNotFoundException') {
        throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" does not exist`);
      }
      throw new SecretError('secret_unavailable', secretId, `Could not read secret "${secretId}" (${name})`);
    }
    return parseWebhookSecret(secretId, raw);
  };

  const invalidate = () => {
    pending = undefined;
    expiresAt = 0;
  };

  return {
    get: () => {
      if (pending && now() < expiresAt) return pending;
      expiresAt = now() + ttlMs;
      const attempt = read();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) invalidate();
      });
      return attempt;
    },
    invalidate,
  };
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
