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
