import { attemptOnce, type HttpMethod, type Outcome } from './attempt.js';
import type { PartneroError } from './errors.js';
import { attemptError, errorFactory, type Fail } from './failures.js';
import { ResponseShapeError } from './normalize.js';
import { retryDelay } from './retry.js';
import { type ClientSettings, createRedactor, settingsOf, urlFor } from './settings.js';
import type { CallOptions, PartneroClientOptions } from './types.js';

export type { HttpMethod } from './attempt.js';

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

/** A 4xx says "not applied", except 408, which a proxy may send after forwarding the request. */
const isClientError = (status: number | undefined) =>
  status !== undefined && status >= 400 && status < 500 && status !== 408;

/** One call's fixed facts, shared by its attempts. */
interface Call<T> {
  spec: RequestSpec<T>;
  url: string;
  where: string;
  idempotent: boolean;
  fail: Fail;
  unknownOutcome: (cause: PartneroError) => PartneroError;
}

/** A 2xx: parsed, or, when unreadable, an error (unknown outcome for a call that must not be resent). */
function resultOf<T>(call: Call<T>, status: number, body: unknown): T {
  try {
    return call.spec.parse(body);
  } catch (e) {
    if (!(e instanceof ResponseShapeError)) throw e;
    // A 2xx we cannot read may still be Partnero saying "done" (or a proxy's page): unknown, not failed.
    if (!call.idempotent)
      throw call.unknownOutcome(call.fail('unavailable', `HTTP ${status} with an unreadable body`));
    throw call.fail(
      'unavailable',
      `${call.where} returned HTTP ${status} with an unexpected body: ${e.message}`,
      {
        status,
      },
    );
  }
}

/** Builds the request executor shared by all endpoint methods: retries, deadlines, key refresh, redaction. */
export function createExecutor(opts: PartneroClientOptions): Execute {
  const settings = settingsOf(opts);
  const redactor = createRedactor(typeof opts.apiKey === 'string' ? [opts.apiKey] : []);

  const callOf = <T>(spec: RequestSpec<T>): Call<T> => {
    const where = `Partnero ${spec.method} ${spec.path}`;
    const fail = errorFactory(spec.method, spec.path, redactor.redact);
    const url = urlFor(settings, spec.path, spec.query);
    if (url === undefined) throw fail('validation', `${where}: path does not stay on its endpoint`);
    const clause = spec.unknownOutcome ?? 'the request may or may not have been applied';
    return {
      spec,
      url,
      where,
      idempotent: spec.idempotent !== false,
      fail,
      unknownOutcome: (cause) =>
        fail(
          'unknown_outcome',
          `${where}: outcome unknown, ${clause} (${cause.message}). Check before retrying.`,
          {
            status: cause.status,
          },
        ),
    };
  };

  const send = async <T>(
    call: Call<T>,
    attempt: number,
    timeoutMs: number,
    options: CallOptions,
  ): Promise<Outcome> => {
    const { signal } = options;
    // The shared budget first: a refusal throws here, before anything is sent (so never unknown_outcome).
    await opts.limiter?.acquire({
      method: call.spec.method,
      path: redactor.redact(call.spec.path),
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(options.account === undefined ? {} : { account: options.account }),
    });
    const key = await settings.keys.get();
    redactor.remember(key);
    // Aborted while the key was read: nothing has been sent, so the caller's reason, not unknown_outcome.
    signal?.throwIfAborted();
    try {
      settings.onRequest?.({ method: call.spec.method, path: redactor.redact(call.spec.path), attempt });
    } catch {
      // An observer must not break the call.
    }
    return attemptOnce(settings.fetch, {
      method: call.spec.method,
      url: call.url,
      key,
      body: call.spec.body,
      // A wait for the budget came out of this attempt's time.
      timeoutMs:
        options.deadline === undefined
          ? timeoutMs
          : Math.min(timeoutMs, Math.max(1, options.deadline - Date.now())),
      signal,
    });
  };

  return async function execute<T>(spec: RequestSpec<T>, options: CallOptions = {}): Promise<T> {
    const call = callOf(spec);
    return runAttempts(settings, call, options, send, opts.limiter?.onRateLimited?.bind(opts.limiter));
  };
}

type Send = <T>(call: Call<T>, attempt: number, timeoutMs: number, options: CallOptions) => Promise<Outcome>;

/**
 * The retry loop: attempts until one succeeds, the error is final, the attempts or the caller's deadline
 * run out. A 401 re-reads a rotating key once without counting as an attempt; a call that must not be
 * resent stops at the first failure that may have been applied (`unknown_outcome`).
 */
async function runAttempts<T>(
  settings: ClientSettings,
  call: Call<T>,
  options: CallOptions,
  send: Send,
  onRateLimited?: (retryAfterMs?: number) => void | Promise<void>,
): Promise<T> {
  const { deadline, signal } = options;
  const remaining = () => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now());
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
        call.fail('timeout', `${call.where} not attempted: the call deadline has passed`, { retryable: true })
      );
    }
    attempts++;
    fetches++;
    const outcome = await send(call, fetches, Math.min(settings.attemptTimeoutMs, left), options);
    if (outcome.kind === 'aborted') {
      if (!call.idempotent) throw call.unknownOutcome(call.fail('timeout', 'aborted by the caller'));
      throw signal?.reason;
    }
    if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
      return resultOf(call, outcome.status, outcome.body);
    }
    const error = attemptError(outcome, call.where, call.fail);
    lastError = error;
    if (error.status === 429 && onRateLimited) {
      // The budget adapts; an observer must not break the call.
      void Promise.resolve()
        .then(() => onRateLimited(error.retryAfterMs))
        .catch(() => {});
    }
    if (error.status === 401 && settings.refreshable && !keyRefreshed) {
      keyRefreshed = true;
      settings.keys.invalidate();
      attempts--;
      continue;
    }
    // A 4xx is Partnero saying it did not apply the request (429 is retried); anything else
    // (5xx, 3xx, timeout, dropped connection) may have been applied, so a non-idempotent call stops here.
    if (!call.idempotent && !isClientError(error.status)) throw call.unknownOutcome(error);
    if (!error.retryable || attempts >= settings.maxAttempts) throw error;
    const delay = retryDelay(attempts - 1, error.retryAfterMs, settings.backoff);
    if (delay >= remaining()) throw error;
    try {
      await settings.sleep(delay, signal);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw e;
    }
  }
}
