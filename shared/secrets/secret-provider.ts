import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCachedSecret } from './cached-secret.js';
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

/** The Partnero secret (API key and optional webhook signing secret), cached per container. */
export function createSecretProvider(options: SecretProviderOptions): PartneroSecretProvider {
  const { secretId } = options;
  const cache = createCachedSecret({ ...options, parse: parsePartneroSecret });
  const invalidate = () => cache.invalidate();
  return {
    getSecret: () => cache.get(),
    invalidate,
    get reads() {
      return cache.reads;
    },
    apiKey: { get: async () => (await cache.get()).apiKey, invalidate },
    webhookSecret: {
      get: async () => {
        const { webhookSecret } = await cache.get();
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
