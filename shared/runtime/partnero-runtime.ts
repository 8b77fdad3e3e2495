import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { numberEnv, requiredEnv } from '#shared/config/env.js';
import {
  createPartneroClient,
  type PartneroClient,
  type PartneroClientOptions,
} from '#shared/partnero/index.js';
import { createSecretProvider, type PartneroSecretProvider } from '#shared/secrets/index.js';

/** What every Partnero-calling function needs: the cached secret and a client that uses it. */
export interface PartneroRuntime {
  secrets: PartneroSecretProvider;
  partnero: PartneroClient;
}

export interface PartneroRuntimeOverrides {
  secretsClient?: Pick<SecretsManagerClient, 'send'>;
  client?: Partial<PartneroClientOptions>;
}

/**
 * Builds the runtime from the function's environment (see docs/runtime-contract.md). Nothing here
 * touches the network: the secret is read on the first Partnero call.
 */
export function createPartneroRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: PartneroRuntimeOverrides = {},
): PartneroRuntime {
  const secrets = createSecretProvider({
    client: overrides.secretsClient ?? new SecretsManagerClient({}),
    secretId: requiredEnv(env, 'PARTNERO_SECRET_ID'),
    ttlMs: numberEnv(env, 'SECRET_CACHE_TTL_SECONDS', 300) * 1000,
  });
  const baseUrl = env.PARTNERO_API_URL?.trim();
  const partnero = createPartneroClient({
    apiKey: secrets.apiKey,
    ...(baseUrl ? { baseUrl } : {}),
    ...overrides.client,
  });
  return { secrets, partnero };
}

/** Creates a value on first use, so importing a handler module has no side effects (tests, cold start). */
export function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = create();
      made = true;
    }
    return value as T;
  };
}
