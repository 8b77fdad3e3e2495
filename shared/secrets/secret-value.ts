import { AppError } from '#shared/errors.js';

/** Why a secret could not be used. `retryable` is true when Secrets Manager itself failed. */
export type SecretErrorCode = 'secret_unavailable' | 'secret_invalid';

export class SecretError extends AppError {
  override readonly name = 'SecretError';
  declare readonly code: SecretErrorCode;
  readonly secretId: string;

  constructor(code: SecretErrorCode, secretId: string, message: string) {
    super(code, message, { retryable: code === 'secret_unavailable' });
    this.secretId = secretId;
  }
}

export const isSecretError = (e: unknown): e is SecretError => e instanceof SecretError;

/** What the Partnero secret holds: the API key (the webhook signing secret has a secret of its own). */
export interface PartneroSecret {
  apiKey: string;
}

/**
 * A secret's value as either a bare string or a JSON object. Messages name the secret but never echo
 * its value.
 */
export function readSecretValue(secretId: string, raw: string | undefined): string | Record<string, unknown> {
  const text = raw?.trim() ?? '';
  if (text === '') {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" is empty: put the Partnero API key into it (see README, "Put your Partnero key in")`,
    );
  }
  if (!text.startsWith('{')) return text;
  try {
    return (JSON.parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    throw new SecretError(
      'secret_invalid',
      secretId,
      `Secret "${secretId}" starts with "{" but is not valid JSON`,
    );
  }
}

/** A non-empty string field of a JSON secret, trimmed; undefined when absent or blank. */
export const secretField = (value: Record<string, unknown>, field: string): string | undefined => {
  const v = value[field];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/** Accepts either the bare API key or JSON `{"apiKey": "..."}` (other fields are ignored). */
export function parsePartneroSecret(secretId: string, raw: string | undefined): PartneroSecret {
  const value = readSecretValue(secretId, raw);
  if (typeof value === 'string') return { apiKey: value };
  const apiKey = secretField(value, 'apiKey');
  if (!apiKey)
    throw new SecretError('secret_invalid', secretId, `Secret "${secretId}" has no non-empty "apiKey" field`);
  return { apiKey };
}
