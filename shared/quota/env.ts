import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { logger, numberEnv } from '#shared/lambda/runtime.js';
import { createPartneroLimiter, type PartneroLimiter, type QuotaSettings } from './limiter.js';
import { dynamoQuotaStore, type QuotaPool } from './store.js';

const QUOTA_DEFAULTS: QuotaSettings = {
  callsPerSecond: 20,
  moneyShare: 0.5,
  customerCallsPerMinute: 60,
};

/** The budget's numbers from the environment (docs/runtime-contract.md), with their defaults. */
function quotaSettingsFromEnv(env: NodeJS.ProcessEnv): QuotaSettings {
  const settings = {
    callsPerSecond: numberEnv(env, 'PARTNERO_CALLS_PER_SECOND', QUOTA_DEFAULTS.callsPerSecond),
    moneyShare: numberEnv(env, 'PARTNERO_MONEY_SHARE', QUOTA_DEFAULTS.moneyShare),
    customerCallsPerMinute: numberEnv(
      env,
      'CUSTOMER_CALLS_PER_MINUTE',
      QUOTA_DEFAULTS.customerCallsPerMinute,
    ),
  };
  if (settings.callsPerSecond < 1)
    throw new Error('Environment variable PARTNERO_CALLS_PER_SECOND must be ≥ 1');
  if (settings.moneyShare > 1)
    throw new Error('Environment variable PARTNERO_MONEY_SHARE must be from 0 to 1');
  return settings;
}

/**
 * The shared Partnero budget of this function (`QUOTA_TABLE_NAME` and the numbers above), for calls of
 * `pool`; undefined when no table is configured (no limit).
 */
export function limiterFromEnv(
  env: NodeJS.ProcessEnv,
  pool: QuotaPool,
  client: Pick<DynamoDBClient, 'send'> = new DynamoDBClient({}),
): PartneroLimiter | undefined {
  const tableName = env.QUOTA_TABLE_NAME?.trim();
  if (!tableName) return undefined;
  return createPartneroLimiter({
    ...quotaSettingsFromEnv(env),
    pool,
    store: dynamoQuotaStore(client, tableName),
    // The budget fails open: Partnero's own 429 (and the pause it records) still holds the line.
    onStoreError: (error) => logger.warn('Partnero budget unavailable; call sent unmetered', { error }),
  });
}
