import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createPartneroClient,
  type PartneroClient,
  type PartneroClientOptions,
} from '#shared/partnero/index.js';
import { createSecretProvider, type PartneroSecretProvider } from '#shared/secrets/index.js';
import { numberEnv, requiredEnv } from './env.js';

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
 * Builds the runtime from the function's environment (docs/runtime-contract.md): `PARTNERO_SECRET_ID`,
 * `PARTNERO_API_URL`, `SECRET_CACHE_TTL_SECONDS`. Nothing here touches the network: the secret is read
 * on the first Partnero call.
 */
export function partneroFromEnv(
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
