import { SecretError } from './errors.js';

/** What the project's secret holds: the Partnero API key and, optionally, the webhook signing secret. */
export interface PartneroSecret {
  apiKey: string;
  webhookSecret?: string;
}

/**
 * Accepts either the bare API key or JSON `{"apiKey": "...", "webhookSecret": "..."}`.
 * Messages name the secret but never echo its value.
 */
export function parsePartneroSecret(secretId: string, raw: string | undefined): PartneroSecret {
  const text = raw?.trim() ?? '';
  if (text === '') {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" is empty: put the Partnero API key into it (see README, "Put your Partnero key in")`,
    );
  }
  if (!text.startsWith('{')) return { apiKey: text };

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" starts with "{" but is not valid JSON`,
    );
  }
  const { apiKey, webhookSecret } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" has no non-empty "apiKey" field`);
  }
  const secret: PartneroSecret = { apiKey: apiKey.trim() };
  if (typeof webhookSecret === 'string' && webhookSecret.trim() !== '')
    secret.webhookSecret = webhookSecret.trim();
  return secret;
}
