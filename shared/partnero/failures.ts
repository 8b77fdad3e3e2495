import type { HttpMethod, Outcome } from './attempt.js';
import { PartneroError, type PartneroErrorCode } from './errors.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

/** Turning a failed attempt into a `PartneroError`: Partnero's status and body read defensively, the key never shown. */

const CONFLICT_REASON = /has already been taken|already exists|duplicate/i;

function fieldsOf(body: unknown): Record<string, string[]> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (typeof errors !== 'object' || errors === null || Array.isArray(errors)) return undefined;
  const fields: Record<string, string[]> = {};
  for (const [name, reasons] of Object.entries(errors)) {
    const list = (Array.isArray(reasons) ? reasons : [reasons]).filter((r) => typeof r === 'string');
    if (list.length > 0) fields[name] = list;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' && message.trim() !== '' ? message : undefined;
}

function isConflict(fields: Record<string, string[]> | undefined): boolean {
  if (!fields) return false;
  return Object.values(fields).every((reasons) => reasons.every((r) => CONFLICT_REASON.test(r)));
}

function codeOf(status: number, fields: Record<string, string[]> | undefined): PartneroErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 422) return isConflict(fields) ? 'conflict' : 'validation';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status >= 400) return 'validation';
  return 'unavailable'; // e.g. a redirect, which an API should never send
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  const parts = [error.message];
  if (typeof code === 'string') parts.push(code);
  if (typeof cause?.message === 'string' && cause.message !== '') parts.push(cause.message);
  return parts.join(': ');
}

type ErrorExtra = {
  status?: number;
  fields?: Record<string, string[]>;
  retryAfterMs?: number;
  retryable?: boolean;
};
export type Fail = (code: PartneroErrorCode, message: string, extra?: ErrorExtra) => PartneroError;

/** Error constructor for one call; every string that reaches the error goes through `redact`. */
export function errorFactory(method: HttpMethod, path: string, redact: (text: string) => string): Fail {
  return (code, message, extra = {}) => {
    let fields: Record<string, string[]> | undefined;
    if (extra.fields) {
      fields = {};
      for (const [name, reasons] of Object.entries(extra.fields)) {
        fields[redact(name)] = reasons.map(redact);
      }
    }
    return new PartneroError({
      ...extra,
      fields,
      code,
      retryable: extra.retryable ?? false,
      method,
      path: redact(path),
      message: redact(message),
    });
  };
}

/** The error for a failed attempt (anything but a 2xx response or a caller abort). */
export function attemptError(
  outcome: Exclude<Outcome, { kind: 'aborted' }>,
  where: string,
  fail: Fail,
): PartneroError {
  if (outcome.kind === 'timeout') {
    return fail('timeout', `${where} timed out after ${outcome.ms} ms`, { retryable: true });
  }
  if (outcome.kind === 'network') {
    return fail('network', `${where} failed: network error (${describe(outcome.error)})`, {
      retryable: true,
    });
  }
  const { status } = outcome;
  const fields = fieldsOf(outcome.body);
  const detail = messageOf(outcome.body);
  return fail(codeOf(status, fields), `${where} failed with HTTP ${status}${detail ? `: ${detail}` : ''}`, {
    status,
    fields,
    retryAfterMs: parseRetryAfter(outcome.retryAfter, Date.now()),
    retryable: isRetryableStatus(status),
  });
}
