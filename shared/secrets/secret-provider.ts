import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from './errors.js';
import { type PartneroSecret, parsePartneroSecret } from './parse-secret.js';

export interface SecretProviderOptions {
  /** The Secrets Manager client (injected so tests can mock it). */
  client: Pick<SecretsManagerClient, 'send'>;
  /** Secret name or ARN. */
  secretId: string;
  /** How long a read value is reused, per container. @default 300_000 (5 minutes) */
  ttlMs?: number;
  now?: () => number;
}

/** A cached value that can be dropped, e.g. after Partnero answered 401 to a rotated key. */
export interface RefreshableValue {
  get(): Promise<string>;
  invalidate(): void;
}

export interface PartneroSecretProvider {
  getSecret(): Promise<PartneroSecret>;
  /** The API key as the Partnero client's `ApiKeySource`. */
  readonly apiKey: RefreshableValue;
  /** The webhook signing secret; fails with `secret_invalid` when the secret has none. */
  readonly webhookSecret: RefreshableValue;
  invalidate(): void;
  /** How many GetSecretValue calls this provider has made (for metrics and the benchmark). */
  readonly reads: number;
}

/**
 * Reads the Partnero secret once per TTL per container. Concurrent first calls share one request
 * (single flight); a failed read is not cached, so the next call tries again.
 */
export function createSecretProvider(options: SecretProviderOptions): PartneroSecretProvider {
  const { client, secretId, ttlMs = 300_000, now = Date.now } = options;
  let pending: Promise<PartneroSecret> | undefined;
  let expiresAt = 0;
  let reads = 0;

  const read = async (): Promise<PartneroSecret> => {
    reads += 1;
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
    return parsePartneroSecret(secretId, raw);
  };

  const getSecret = (): Promise<PartneroSecret> => {
    if (pending && now() < expiresAt) return pending;
    expiresAt = now() + ttlMs;
    const attempt = read();
    pending = attempt;
    attempt.catch(() => {
      if (pending === attempt) {
        pending = undefined;
        expiresAt = 0;
      }
    });
    return attempt;
  };

  const invalidate = () => {
    pending = undefined;
    expiresAt = 0;
  };

  return {
    getSecret,
    invalidate,
    get reads() {
      return reads;
    },
    apiKey: { get: async () => (await getSecret()).apiKey, invalidate },
    webhookSecret: {
      get: async () => {
        const { webhookSecret } = await getSecret();
        if (!webhookSecret) {
          throw new SecretError(
            'secret_invalid',
            secretId,
            `Secret "${secretId}" has no "webhookSecret" field`,
          );
        }
        return webhookSecret;
      },
      invalidate,
    },
  };
}
