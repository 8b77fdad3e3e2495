import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createPartneroClient,
  type PartneroClient,
  type PartneroClientOptions,
} from '#shared/partnero/index.js';
import { limiterFromEnv } from '#shared/quota/env.js';
import type { QuotaPool } from '#shared/quota/store.js';
import { createSecretProvider, type PartneroSecretProvider } from '#shared/secrets/cached-secret.js';
import { numberEnv, requiredEnv } from './runtime.js';

/** What every Partnero-calling function needs: the cached secret and a client that uses it. */
export interface PartneroRuntime {
  secrets: PartneroSecretProvider;
  partnero: PartneroClient;
}

export interface PartneroRuntimeOverrides {
  secretsClient?: Pick<SecretsManagerClient, 'send'>;
  client?: Partial<PartneroClientOptions>;
  /**
   * Whose share of Partnero's budget the function's calls take: `customer` for the customer routes
   * (sign-up, dashboard), `money` (the default) for everything that moves money.
   */
  quotaPool?: QuotaPool;
}

/**
 * Builds the runtime from the function's environment (docs/runtime-contract.md): `PARTNERO_SECRET_ID`,
 * `PARTNERO_API_URL`, `SECRET_CACHE_TTL_SECONDS`, and the shared budget (`QUOTA_TABLE_NAME`,
 * `PARTNERO_CALLS_PER_SECOND`, `PARTNERO_MONEY_SHARE`, `CUSTOMER_CALLS_PER_MINUTE`; no table: no budget).
 * Nothing here touches the network: the secret is read on the first Partnero call.
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
  const limiter = limiterFromEnv(env, overrides.quotaPool ?? 'money');
  const partnero = createPartneroClient({
    apiKey: secrets.apiKey,
    ...(baseUrl ? { baseUrl } : {}),
    ...(limiter ? { limiter } : {}),
    ...overrides.client,
  });
  return { secrets, partnero };
}
