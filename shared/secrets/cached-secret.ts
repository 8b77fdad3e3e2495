import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from './errors.js';

export interface CachedSecretOptions<T> {
  /** The Secrets Manager client (injected so tests can mock it). */
  client: Pick<SecretsManagerClient, 'send'>;
  /** Secret name or ARN. */
  secretId: string;
  /** Turns the secret's text into the value callers get; throws SecretError when it is unusable. */
  parse: (secretId: string, raw: string | undefined) => T;
  /** How long a read value is reused, per container. @default 300_000 (5 minutes) */
  ttlMs?: number;
  now?: () => number;
}

export interface CachedSecret<T> {
  get(): Promise<T>;
  /** Drops the cached value, e.g. after Partnero answered 401 to a rotated key. */
  invalidate(): void;
  /** How many GetSecretValue calls were made (for metrics and the benchmark). */
  readonly reads: number;
}

/**
 * One secret read once per TTL per container. Concurrent first calls share one request (single
 * flight); a failed read is not cached, so the next call tries again.
 */
export function createCachedSecret<T>(options: CachedSecretOptions<T>): CachedSecret<T> {
  const { client, secretId, parse, ttlMs = 300_000, now = Date.now } = options;
  let pending: Promise<T> | undefined;
  let expiresAt = 0;
  let reads = 0;

  const read = async (): Promise<T> => {
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
    return parse(secretId, raw);
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
    get reads() {
      return reads;
    },
  };
}
