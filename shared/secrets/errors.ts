/** Why a secret could not be used. `retryable` is true when Secrets Manager itself failed. */
export type SecretErrorCode = 'secret_unavailable' | 'secret_invalid';

export class SecretError extends Error {
  override readonly name = 'SecretError';
  readonly code: SecretErrorCode;
  readonly retryable: boolean;
  readonly secretId: string;

  constructor(code: SecretErrorCode, secretId: string, message: string) {
    super(message);
    this.code = code;
    this.secretId = secretId;
    this.retryable = code === 'secret_unavailable';
  }
}

export const isSecretError = (e: unknown): e is SecretError => e instanceof SecretError;
