import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parsePartneroSecret, SecretError } from './secret-value.js';

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

/** A cached value that can be dropped, e.g. after Partnero answered 401 to a rotated key. */
export interface RefreshableValue<T = string> {
  get(): Promise<T>;
  invalidate(): void;
}

async function readSecret(client: CachedSecretOptions<unknown>['client'], secretId: string) {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return (
      out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined)
    );
  } catch (e) {
    const name = (e as { name?: string }).name ?? 'Error';
    if (name === 'ResourceNotFoundException') {
      throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" does not exist`);
    }
    throw new SecretError('secret_unavailable', secretId, `Could not read secret "${secretId}" (${name})`);
  }
}

/**
 * One secret read once per TTL per container. Concurrent first calls share one request (single
 * flight); a failed read is not cached, so the next call tries again.
 */
export function createCachedSecret<T>(options: CachedSecretOptions<T>): RefreshableValue<T> {
  const { client, secretId, parse, ttlMs = 300_000, now = Date.now } = options;
  let pending: Promise<T> | undefined;
  let expiresAt = 0;
  const invalidate = () => {
    pending = undefined;
    expiresAt = 0;
  };
  return {
    get: () => {
      if (pending && now() < expiresAt) return pending;
      expiresAt = now() + ttlMs;
      const attempt = readSecret(client, secretId).then((raw) => parse(secretId, raw));
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) invalidate();
      });
      return attempt;
    },
    invalidate,
  };
}

/** The Partnero secret's API key, as a `RefreshableValue` over one cached read. */
export interface PartneroSecretProvider {
  /** The API key as the Partnero client's `ApiKeySource`. */
  readonly apiKey: RefreshableValue;
}

/** The Partnero secret (the API key, bare or as JSON `apiKey`), cached per container. */
export function createSecretProvider(
  options: Omit<CachedSecretOptions<unknown>, 'parse'>,
): PartneroSecretProvider {
  const cache = createCachedSecret({ ...options, parse: parsePartneroSecret });
  return { apiKey: { get: async () => (await cache.get()).apiKey, invalidate: () => cache.invalidate() } };
}
