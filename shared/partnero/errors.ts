import { AppError } from '#shared/errors.js';
import type { HttpMethod, Outcome } from './types.js';

export type PartneroErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'unknown_outcome';

export interface PartneroErrorInit {
  code: PartneroErrorCode;
  message: string;
  retryable: boolean;
  method: string;
  /** Request path without the query string. */
  path: string;
  status?: number;
  fields?: Record<string, string[]>;
  retryAfterMs?: number;
}

/**
 * Every failure of a Partnero call. Callers must pass only redacted text in: the client
 * strips the API key before constructing one, so message, fields and toJSON() are safe to log.
 */
export class PartneroError extends AppError {
  override readonly name = 'PartneroError';
  // `declare`: absent optional properties stay absent rather than being defined as undefined.
  declare readonly code: PartneroErrorCode;
  declare readonly status?: number;
  declare readonly retryAfterMs?: number;
  readonly method: string;
  readonly path: string;

  constructor(init: PartneroErrorInit) {
    super(init.code, init.message, {
      retryable: init.retryable,
      ...(init.fields ? { fields: init.fields } : {}),
      ...(init.retryAfterMs === undefined
        ? {}
        : { retryAfterSeconds: Math.max(1, Math.ceil(init.retryAfterMs / 1000)) }),
    });
    this.method = init.method;
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      method: this.method,
      path: this.path,
      fields: this.fields,
    };
  }
}

export function isPartneroError(e: unknown): e is PartneroError {
  return e instanceof PartneroError;
}

/** A request refused before anything is sent (an unusable id, page or amount). */
export function invalid(method: HttpMethod, path: string, message: string): PartneroError {
  return new PartneroError({ code: 'validation', message, retryable: false, method, path });
}

// ---- a failed attempt read as a PartneroError: status and body read defensively, the key never shown ----

/** HTTP statuses worth another attempt: the request was not processed or the failure is transient. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** No wait worth passing on is longer than a day; a longer (or absurd) Retry-After is read as a day. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Parses a Retry-After header (delta-seconds or HTTP date) into milliseconds from `now`, at most a day.
 * Returns undefined when the header is absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(Number(v) * 1000));
  // Only an HTTP date has letters (day/month names); Date.parse would also accept e.g. '-1'.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

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

/** Scrubs every API key ever used from a text, raw and URL-encoded (errors after a rotation too). */
export class Redactor {
  private readonly seen: Set<string>;

  constructor(initial: readonly string[]) {
    this.seen = new Set(initial.filter((key) => key !== ''));
  }

  remember(key: string): void {
    if (key !== '') this.seen.add(key);
  }

  readonly redact = (text: string): string => {
    let out = text;
    for (const key of this.seen) {
      out = out.split(key).join('[redacted]');
      const encoded = encodeURIComponent(key);
      if (encoded !== key) out = out.split(encoded).join('[redacted]');
    }
    return out;
  };
}
