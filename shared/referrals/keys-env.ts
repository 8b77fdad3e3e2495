import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requiredEnv } from '#shared/lambda/runtime.js';
import { createCachedSecret } from '#shared/secrets/cached-secret.js';
import { readSecretValue, SecretError, secretField } from '#shared/secrets/secret-value.js';
import { type EmailHasher, emailHasher } from './mailbox.js';
import { DynamoReferralKeys, type ReferralKeys } from './public-keys.js';

/** The key map from the function's environment (`REFERRAL_KEYS_TABLE_NAME`). */
export function referralKeysFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<DynamoDBClient, 'send'> = new DynamoDBClient({}),
): ReferralKeys {
  return new DynamoReferralKeys(client, requiredEnv(env, 'REFERRAL_KEYS_TABLE_NAME'));
}

/**
 * The email hasher keyed with the stack's generated secret (`EMAIL_HASH_SECRET_ID`: a bare string or
 * `{"hashKey": "..."}`), read once per container. Changing that secret unlinks every stored hash from
 * its mailbox, so it is never rotated.
 */
export function emailHasherFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}),
): EmailHasher {
  const secret = createCachedSecret({
    client,
    secretId: requiredEnv(env, 'EMAIL_HASH_SECRET_ID'),
    ttlMs: Number.POSITIVE_INFINITY,
    parse: (secretId, raw) => {
      const value = readSecretValue(secretId, raw);
      const key = typeof value === 'string' ? value : secretField(value, 'hashKey');
      if (!key) throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" has no "hashKey"`);
      return key;
    },
  });
  return emailHasher(() => secret.get());
}
