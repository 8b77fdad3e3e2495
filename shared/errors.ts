/**
 * The library's one error root. Domain modules throw an `AppError` with a `code` that says what went
 * wrong and `retryable` saying whether trying again later can succeed; they never know about HTTP.
 * `shared/http/error-answers.ts` is the one table from code to HTTP status and headers, and the order
 * consumer's verdict is "retryable → retry, else park". `PartneroError` and `SecretError` extend it.
 */

/** Field name → reasons, as in the `fields` of an error answer. */
export type FieldErrors = Record<string, string[]>;

/** Every code the library's own errors carry (Partnero and secret errors have their own codes). */
export type AppErrorCode =
  // The request itself
  | 'validation'
  | 'invalid_json'
  | 'payload_too_large'
  | 'payload_too_deep'
  | 'unsupported_media_type'
  | 'idempotency_key_required'
  | 'idempotency_key_unsigned'
  // Who is calling
  | 'unauthorized'
  | 'invalid_identity'
  // Referrals
  | 'not_enrolled'
  | 'conflict'
  | 'email_in_use'
  // Orders
  | 'transaction_not_found'
  | 'transaction_key_reused'
  | 'refund_id_reused'
  | 'not_referred'
  | 'unknown_customer'
  | 'order_in_progress'
  | 'ledger_unavailable'
  // Credits
  | 'idempotency_key_reused'
  | 'request_in_progress'
  | 'unknown_outcome'
  | 'outcome_not_recorded'
  // Webhooks
  | 'secret_unavailable'
  | 'not_configured'
  | 'publish_failed'
  | 'dedup_unavailable'
  | 'delivery_in_progress';

export interface AppErrorOptions {
  /** Whether the same request may succeed later. @default false */
  retryable?: boolean;
  fields?: FieldErrors;
  /** A hint for when to try again (becomes `Retry-After` on HTTP). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly code: string;
  readonly retryable: boolean;
  declare readonly fields?: FieldErrors;
  declare readonly retryAfterSeconds?: number;

  constructor(code: AppErrorCode, message: string, options?: AppErrorOptions);
  /** For subclasses with their own code sets. */
  constructor(code: string, message: string, options?: AppErrorOptions);
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.fields) this.fields = options.fields;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A request (or event) that breaks the rules; `fields` names every problem. */
export const validationError = (fields: FieldErrors, message = 'The request is invalid') =>
  new AppError('validation', message, { fields });
