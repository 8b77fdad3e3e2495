import { type AppErrorCode, type FieldErrors, isAppError } from '#shared/errors.js';
import { PartneroError, type PartneroErrorCode } from '#shared/partnero/errors.js';
import { QuotaRefusal } from '#shared/quota/limiter.js';
import { SecretError, type SecretErrorCode } from '#shared/secrets/secret-value.js';

/** What a client sees of a failure: `{ "error": { code, message, fields? } }` with this status and headers. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  fields?: FieldErrors;
  headers?: Record<string, string>;
}

/**
 * The one table from the library's error codes to HTTP statuses. `Record<AppErrorCode, …>` makes the
 * compiler refuse a code without a status. `retryAfter` is the default `Retry-After` (seconds) of
 * answers the client should retry later.
 */
const APP_STATUS: Record<AppErrorCode, { status: number; retryAfter?: number }> = {
  validation: { status: 400 },
  invalid_json: { status: 400 },
  payload_too_deep: { status: 400 },
  idempotency_key_required: { status: 400 },
  idempotency_key_unsigned: { status: 400 },
  unauthorized: { status: 401 },
  invalid_identity: { status: 403 },
  not_enrolled: { status: 404 },
  transaction_not_found: { status: 404 },
  conflict: { status: 409 },
  email_in_use: { status: 409 },
  transaction_key_reused: { status: 409 },
  refund_id_reused: { status: 409 },
  order_in_progress: { status: 409, retryAfter: 5 },
  request_in_progress: { status: 409, retryAfter: 1 },
  delivery_in_progress: { status: 409, retryAfter: 5 },
  payload_too_large: { status: 413 },
  unsupported_media_type: { status: 415 },
  not_referred: { status: 422 },
  unknown_customer: { status: 422 },
  idempotency_key_reused: { status: 422 },
  unknown_outcome: { status: 502 },
  outcome_not_recorded: { status: 502 },
  secret_unavailable: { status: 503, retryAfter: 1 },
  not_configured: { status: 503 },
  publish_failed: { status: 503, retryAfter: 1 },
  dedup_unavailable: { status: 503, retryAfter: 1 },
  ledger_unavailable: { status: 503, retryAfter: 1 },
};

/** Partnero's failures, worded for our client (it must not learn Partnero's internals or our key). */
const PARTNERO_ANSWERS: Record<PartneroErrorCode, { status: number; code: string; message: string }> = {
  validation: { status: 422, code: 'partnero_validation', message: 'Partnero rejected the request' },
  conflict: { status: 409, code: 'conflict', message: 'The resource already exists' },
  not_found: { status: 404, code: 'not_found', message: 'The resource was not found in Partnero' },
  rate_limited: {
    status: 503,
    code: 'partnero_rate_limited',
    message: 'Partnero is rate limiting requests; retry later',
  },
  timeout: { status: 504, code: 'partnero_timeout', message: 'Partnero did not answer in time' },
  unknown_outcome: {
    status: 502,
    code: 'unknown_outcome',
    message:
      'Partnero did not confirm the operation; it may or may not have been applied. Check before retrying.',
  },
  unauthorized: { status: 502, code: 'partnero_auth', message: 'Partnero rejected the configured API key' },
  forbidden: { status: 502, code: 'partnero_auth', message: 'Partnero rejected the configured API key' },
  unavailable: { status: 502, code: 'partnero_unavailable', message: 'Partnero is unavailable; retry later' },
  network: { status: 502, code: 'partnero_unavailable', message: 'Partnero is unavailable; retry later' },
};

const SECRET_ANSWERS: Record<SecretErrorCode, ErrorAnswer> = {
  secret_unavailable: {
    status: 503,
    code: 'secret_unavailable',
    message: 'The API key store is unavailable; retry later',
    headers: { 'retry-after': '1' },
  },
  secret_invalid: { status: 503, code: 'not_configured', message: 'The Partnero API key is not configured' },
};

/** At most a day: a hint beyond it (or not a finite number) is no hint a client can act on. */
const retryAfter = (seconds: number | undefined) =>
  seconds === undefined || !Number.isFinite(seconds)
    ? undefined
    : { 'retry-after': String(Math.min(86_400, Math.max(1, Math.ceil(seconds)))) };

/** A table's own entry for `code`: never an inherited member such as `constructor` or `toString`. */
const entryOf = <T>(table: Record<string, T>, code: string): T | undefined =>
  Object.hasOwn(table, code) ? table[code] : undefined;

function partneroAnswer(e: PartneroError): ErrorAnswer {
  const { status, code, message } = entryOf(PARTNERO_ANSWERS, e.code) ?? PARTNERO_ANSWERS.unavailable;
  // Validation and conflict field messages describe the caller's input, so they are passed on. The
  // error's own message is not: it names our call to Partnero (method, path, status), which is ours.
  const detailed = e.code === 'validation' || e.code === 'conflict';
  const headers = retryAfter(e.retryAfterSeconds ?? (e.code === 'rate_limited' ? 1 : undefined));
  return {
    status,
    code,
    message,
    ...(detailed && e.fields ? { fields: e.fields } : {}),
    ...(headers && status >= 500 ? { headers } : {}),
  };
}

/**
 * A Partnero call our own budget refused (shared/quota): 429 with `Retry-After` for this caller, not a
 * 503 shared by everyone, since the call was never sent and the share used up is the caller's (or the
 * customer routes').
 */
function quotaAnswer(e: QuotaRefusal): ErrorAnswer {
  return {
    status: 429,
    code: 'rate_limited',
    message:
      e.scope === 'account'
        ? 'Too many requests for this account; retry after the Retry-After delay'
        : 'Too many requests right now; retry after the Retry-After delay',
    headers: retryAfter(e.retryAfterSeconds ?? 1) ?? { 'retry-after': '1' },
  };
}

/**
 * The answer for any thrown value. Anything unexpected becomes an opaque 500: its details go to the
 * log, never to the response.
 */
export function errorAnswer(e: unknown): ErrorAnswer {
  if (isAppError(e)) {
    if (e instanceof QuotaRefusal) return quotaAnswer(e);
    if (e instanceof PartneroError) return partneroAnswer(e);
    if (e instanceof SecretError) return entryOf(SECRET_ANSWERS, e.code) ?? SECRET_ANSWERS.secret_unavailable;
    const entry = entryOf(APP_STATUS, e.code);
    if (entry) {
      const headers = retryAfter(e.retryAfterSeconds ?? entry.retryAfter);
      return {
        status: entry.status,
        code: e.code,
        message: e.message,
        ...(e.fields ? { fields: e.fields } : {}),
        ...(headers ? { headers } : {}),
      };
    }
  }
  // An AWS SDK failure (e.g. DynamoDB) is a dependency outage the client may retry, not a bug.
  if (typeof e === 'object' && e !== null && '$metadata' in e) {
    return {
      status: 503,
      code: 'dependency_unavailable',
      message: 'A backing service is unavailable; retry later',
      headers: { 'retry-after': '1' },
    };
  }
  return { status: 500, code: 'internal', message: 'Internal error' };
}
