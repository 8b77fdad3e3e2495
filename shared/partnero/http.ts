import { PartneroError, type PartneroErrorCode } from './errors.js';
import { ResponseShapeError } from './normalize.js';
import { defaultSleep, isRetryableStatus, parseRetryAfter, retryDelay } from './retry.js';
import type { ApiKeySource, CallOptions, PartneroClientOptions } from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestSpec<T> {
  method: HttpMethod;
  /** Already-encoded path starting with '/', relative to the base URL. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  /** false: never resend once the request may have reached Partnero. Default true. */
  idempotent?: boolean;
  /** For non-idempotent calls: the clause used in the unknown_outcome message. */
  unknownOutcome?: string;
  /** Turns the parsed JSON body (undefined when empty) into the result. */
  parse: (body: unknown) => T;
}

export type Execute = <T>(spec: RequestSpec<T>, call?: CallOptions) => Promise<T>;

const DEFAULT_BASE_URL = 'https://api.partnero.com/v1';
const MAX_TIMER_MS = 2 ** 31 - 1;
const CONFLICT_REASON = /has already been taken|already exists|duplicate/i;

/** A 4xx says "not applied", except 408, which a proxy may send after forwarding the request. */
const isClientError = (status: number | undefined) =>
  status !== undefined && status >= 400 && status < 500 && status !== 408;

type Outcome =
  | { kind: 'response'; status: number; retryAfter: string | null; body: unknown }
  | { kind: 'timeout'; ms: number }
  | { kind: 'aborted' }
  | { kind: 'network'; error: unknown };

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`Partnero client option ${name} must be a finite number >= ${min}`);
  }
  return value;
}

function keySourceOf(apiKey: string | ApiKeySource): { source: ApiKeySource; refreshable: boolean } {
  if (typeof apiKey === 'string') {
    return { source: { get: async () => apiKey, invalidate: () => {} }, refreshable: false };
  }
  return { source: apiKey, refreshable: true };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

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
type Fail = (code: PartneroErrorCode, message: string, extra?: ErrorExtra) => PartneroError;

/** Error constructor for one call; every string that reaches the error goes through `redact`. */
function errorFactory(method: HttpMethod, path: string, redact: (text: string) => string): Fail {
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
function attemptError(
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

/** Builds the request executor shared by all endpoint methods. */
export function createExecutor(opts: PartneroClientOptions): Execute {
  const base = new URL((opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''));
  const basePath = base.pathname.replace(/\/+$/, '');
  const origin = base.origin;
  // Looked up per call, so instrumentation that wraps the global fetch after start-up still sees it.
  const doFetch: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const attemptTimeoutMs = positive('attemptTimeoutMs', opts.attemptTimeoutMs ?? 5000, 1);
  const maxAttempts = Math.floor(positive('maxAttempts', opts.maxAttempts ?? 3, 1));
  const backoff = {
    baseDelayMs: positive('baseDelayMs', opts.baseDelayMs ?? 100, 0),
    maxDelayMs: positive('maxDelayMs', opts.maxDelayMs ?? 2000, 0),
    random: opts.random ?? Math.random,
  };
  const sleep = opts.sleep ?? defaultSleep;
  const { source: keys, refreshable } = keySourceOf(opts.apiKey);
  // Every key ever used, so errors raised after a rotation are still scrubbed of the old one.
  const seenKeys = new Set<string>(typeof opts.apiKey === 'string' ? [opts.apiKey] : []);

  function redact(text: string): string {
    let out = text;
    for (const key of seenKeys) {
      if (key === '') continue;
      out = out.split(key).join('[redacted]');
      const encoded = encodeURIComponent(key);
      if (encoded !== key) out = out.split(encoded).join('[redacted]');
    }
    return out;
  }

  /** Undefined when URL parsing would resolve any segment of the path we built (defence in depth). */
  function urlFor(path: string, query: URLSearchParams | undefined): string | undefined {
    const qs = query?.toString();
    const url = new URL(`${origin}${basePath}${path}${qs ? `?${qs}` : ''}`);
    return url.pathname === `${basePath}${path}` && url.origin === origin ? url.href : undefined;
  }

  async function attemptOnce(
    method: HttpMethod,
    url: string,
    key: string,
    body: unknown,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await doFetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${key}`,
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        // Never let a redirect carry the bearer key elsewhere.
        redirect: 'manual',
      });
      const text = await res.text();
      return {
        kind: 'response',
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: parseJson(text),
      };
    } catch (error) {
      if (timedOut) return { kind: 'timeout', ms: timeoutMs };
      if (signal?.aborted) return { kind: 'aborted' };
      return { kind: 'network', error };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return async function execute<T>(spec: RequestSpec<T>, call: CallOptions = {}): Promise<T> {
    const { method, path } = spec;
    const { deadline, signal } = call;
    const idempotent = spec.idempotent !== false;
    const where = `Partnero ${method} ${path}`;
    const fail = errorFactory(method, path, redact);
    const unknownOutcome = (cause: PartneroError): PartneroError =>
      fail(
        'unknown_outcome',
        `${where}: outcome unknown, ${spec.unknownOutcome ?? 'the request may or may not have been applied'} ` +
          `(${cause.message}). Check before retrying.`,
        { status: cause.status },
      );
    const remaining = (): number =>
      deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();

    const url = urlFor(path, spec.query);
    if (url === undefined) throw fail('validation', `${where}: path does not stay on its endpoint`);

    let attempts = 0; // counted against maxAttempts; the 401 refresh is not
    let fetches = 0;
    let keyRefreshed = false;
    let lastError: PartneroError | undefined;

    for (;;) {
      signal?.throwIfAborted();
      const left = remaining();
      if (left <= 0) {
        throw (
          lastError ??
          fail('timeout', `${where} not attempted: the call deadline has passed`, { retryable: true })
        );
      }
      const key = await keys.get();
      seenKeys.add(key);
      attempts++;
      fetches++;
      try {
        opts.onRequest?.({ method, path: redact(path), attempt: fetches });
      } catch {
        // An observer must not break the call.
      }

      const outcome = await attemptOnce(
        method,
        url,
        key,
        spec.body,
        Math.min(attemptTimeoutMs, left),
        signal,
      );
      if (outcome.kind === 'aborted') {
        if (!idempotent) throw unknownOutcome(fail('timeout', 'aborted by the caller'));
        throw signal?.reason;
      }
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        try {
          return spec.parse(outcome.body);
        } catch (e) {
          if (!(e instanceof ResponseShapeError)) throw e;
          // A 2xx we cannot read may still be Partnero saying "done" (or a proxy's page): unknown, not failed.
          if (!idempotent)
            throw unknownOutcome(fail('unavailable', `HTTP ${outcome.status} with an unreadable body`));
          throw fail(
            'unavailable',
            `${where} returned HTTP ${outcome.status} with an unexpected body: ${e.message}`,
            {
              status: outcome.status,
            },
          );
        }
      }

      const error = attemptError(outcome, where, fail);
      lastError = error;
      if (error.status === 401 && refreshable && !keyRefreshed) {
        keyRefreshed = true;
        keys.invalidate();
        attempts--;
        continue;
      }
      // A 4xx is Partnero saying it did not apply the request (429 is retried); anything else
      // (5xx, 3xx, timeout, dropped connection) may have been applied, so a non-idempotent call stops here.
      if (!idempotent && !isClientError(error.status)) throw unknownOutcome(error);
      if (!error.retryable || attempts >= maxAttempts) throw error;
      const delay = retryDelay(attempts - 1, error.retryAfterMs, backoff);
      if (delay >= remaining()) throw error;
      try {
        await sleep(delay, signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw e;
      }
    }
  };
}
