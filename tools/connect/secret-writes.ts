import { WEBHOOK_SECRET_FIELDS } from '#shared/webhooks/webhook-secret.js';
import { jsonFields } from '#tools/cli/secrets.js';
import type { Stored } from './run.js';
import { nextSigningSecret, type SigningSecretUpdate } from './signing-secret.js';

/** The JSON connect writes to each secret; undefined where the secret already holds it. */
export interface SecretWrites {
  /** The API-key secret (with the signing fields too when the stack uses one secret for both). */
  api: Record<string, unknown> | undefined;
  /** The webhook signing secret; always undefined when the stack uses one secret for both. */
  webhook: Record<string, unknown> | undefined;
  /** The signing secret's update; undefined when the signature is not known yet (a dry run's new webhook). */
  signing: SigningSecretUpdate | undefined;
}

export interface SecretWritesInput {
  stored: Stored;
  apiKey: string;
  /** The signing secret of the webhook connect keeps or made. */
  signature: string | undefined;
  /** Whether `SecretName` and `WebhookSecretName` name the same secret. */
  oneSecret: boolean;
  now: number;
  graceMs: number;
}

/** `fields` without the signing-secret fields, then `signing`'s (a stale previous secret must not stay). */
function withSigning(fields: Record<string, unknown>, signing: SigningSecretUpdate | undefined) {
  const rest = { ...fields };
  for (const name of Object.values(WEBHOOK_SECRET_FIELDS)) delete rest[name];
  return { ...rest, ...signing?.fields };
}

/**
 * What to write: the API key merged into the API-key secret's other fields (`{"apiKey": …}`), and the
 * signing secret as `nextSigningSecret` makes it (with the previous one for the grace period). Nothing
 * for a secret that already holds its value, so a re-run writes nothing.
 */
export function planSecretWrites(input: SecretWritesInput): SecretWrites {
  const { stored, apiKey, signature, now, graceMs } = input;
  const signing = signature
    ? nextSigningSecret(jsonFields(stored.webhookRaw), stored.keys, signature, { now, graceMs })
    : undefined;
  const apiChanged = stored.apiKey !== apiKey;
  const signingChanged = signing?.changed ?? true;
  if (input.oneSecret) {
    const fields = { ...withSigning(jsonFields(stored.apiRaw), signing), apiKey };
    return { api: apiChanged || signingChanged ? fields : undefined, webhook: undefined, signing };
  }
  return {
    api: apiChanged ? { ...jsonFields(stored.apiRaw), apiKey } : undefined,
    webhook: signingChanged ? withSigning({}, signing) : undefined,
    signing,
  };
}
