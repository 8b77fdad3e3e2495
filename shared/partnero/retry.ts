/**
 * Every Partnero call goes through one executor: the retry policy. Attempts are retried on a
 * transient failure with jittered backoff (or Partnero's Retry-After), within the caller's deadline;
 * a 401 re-reads a rotating key once; a call that must not be resent stops at the first failure that
 * may have been applied (`unknown_outcome`). The tools' webhooks API uses it too.
 */
import { attemptError, errorFactory, type Fail, type PartneroError, Redactor } from './errors.js';
import { ResponseShapeError } from './shapes.js';
import { attemptOnce, type BaseUrl, baseUrlOf, nodeHttpTransport, urlFor } from './transport.js';
import type {
  ApiKeySource,
  CallOptions,
  HttpMethod,
  Outcome,
  PartneroClientOptions,
  PartneroFetch,
  PartneroLimiterHook,
  RequestInfo,
} from './types.js';

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

// ---- the wait between attempts ----

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/** Exponential backoff with full jitter: random() * min(max, base * 2^retryIndex), retryIndex 0 first. */
export function backoffDelay(retryIndex: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** retryIndex);
  const r = Math.min(Math.max(opts.random(), 0), 1);
  return Math.floor(r * ceiling);
}

/** The wait before the next attempt: Retry-After when given (capped), otherwise jittered backoff. */
export function retryDelay(
  retryIndex: number,
  retryAfterMs: number | undefined,
  opts: BackoffOptions,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, opts.maxDelayMs);
  return backoffDelay(retryIndex, opts);
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---- the client's options, checked once, with their defaults ----

const DEFAULT_BASE_URL = 'https://api.partnero.com/v1';

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`Partnero client option ${name} must be a finite number >= ${min}`);
  }
  return value;
}

interface ClientSettings {
  base: BaseUrl;
  fetch: PartneroFetch;
  attemptTimeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  keys: ApiKeySource;
  /** Whether a 401 may re-read the key (a rotating source, not a fixed string). */
  refreshable: boolean;
  onRequest: ((info: RequestInfo) => void) | undefined;
  limiter: PartneroLimiterHook | undefined;
}

function settingsOf(opts: PartneroClientOptions): ClientSettings {
  const fixedKey = typeof opts.apiKey === 'string' ? opts.apiKey : undefined;
  return {
    base: baseUrlOf(opts.baseUrl ?? DEFAULT_BASE_URL),
    fetch: opts.fetch ?? nodeHttpTransport(),
    attemptTimeoutMs: positive('attemptTimeoutMs', opts.attemptTimeoutMs ?? 5000, 1),
    maxAttempts: Math.floor(positive('maxAttempts', opts.maxAttempts ?? 3, 1)),
    backoff: {
      baseDelayMs: positive('baseDelayMs', opts.baseDelayMs ?? 100, 0),
      maxDelayMs: positive('maxDelayMs', opts.maxDelayMs ?? 2000, 0),
      random: opts.random ?? Math.random,
    },
    sleep: opts.sleep ?? defaultSleep,
    keys:
      fixedKey === undefined
        ? (opts.apiKey as ApiKeySource)
        : { get: async () => fixedKey, invalidate: () => {} },
    refreshable: fixedKey === undefined,
    onRequest: opts.onRequest,
    limiter: opts.limiter,
  };
}

// ---- the executor ----

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
    const message = `${call.where} returned HTTP ${status} with an unexpected body: ${e.message}`;
    throw call.fail('unavailable', message, { status });
  }
}

/** Retries, deadlines, key refresh and redaction for every call of one client. */
class Executor {
  private readonly settings: ClientSettings;
  private readonly redactor: Redactor;

  constructor(opts: PartneroClientOptions) {
    this.settings = settingsOf(opts);
    this.redactor = new Redactor(typeof opts.apiKey === 'string' ? [opts.apiKey] : []);
  }

  private callOf<T>(spec: RequestSpec<T>): Call<T> {
    const where = `Partnero ${spec.method} ${spec.path}`;
    const fail = errorFactory(spec.method, spec.path, this.redactor.redact);
    const url = urlFor(this.settings.base, spec.path, spec.query);
    if (url === undefined) throw fail('validation', `${where}: path does not stay on its endpoint`);
    const clause = spec.unknownOutcome ?? 'the request may or may not have been applied';
    const unknownOutcome = (cause: PartneroError) => {
      const message = `${where}: outcome unknown, ${clause} (${cause.message}). Check before retrying.`;
      return fail('unknown_outcome', message, { status: cause.status });
    };
    return { spec, url, where, idempotent: spec.idempotent !== false, fail, unknownOutcome };
  }

  /** One attempt: the shared budget, the key, then the request itself. */
  private async send<T>(
    call: Call<T>,
    attempt: number,
    timeoutMs: number,
    options: CallOptions,
  ): Promise<Outcome> {
    const { method } = call.spec;
    const path = this.redactor.redact(call.spec.path);
    const { deadline, account, signal } = options;
    // The shared budget first: a refusal throws here, before anything is sent (so never unknown_outcome).
    await this.settings.limiter?.acquire({
      method,
      path,
      ...(deadline === undefined ? {} : { deadline }),
      ...(account === undefined ? {} : { account }),
    });
    const key = await this.settings.keys.get();
    this.redactor.remember(key);
    // Aborted while the key was read: nothing has been sent, so the caller's reason, not unknown_outcome.
    signal?.throwIfAborted();
    try {
      this.settings.onRequest?.({ method, path, attempt });
    } catch {
      // An observer must not break the call.
    }
    // A wait for the budget came out of this attempt's time.
    const left = deadline === undefined ? timeoutMs : Math.min(timeoutMs, Math.max(1, deadline - Date.now()));
    return attemptOnce(this.settings.fetch, {
      method,
      url: call.url,
      key,
      body: call.spec.body,
      timeoutMs: left,
      signal,
    });
  }

  /** Partnero answered 429: the budget adapts; an observer must not break the call. */
  private rateLimited(retryAfterMs: number | undefined): void {
    const limiter = this.settings.limiter;
    if (!limiter?.onRateLimited) return;
    void Promise.resolve()
      .then(() => limiter.onRateLimited?.(retryAfterMs))
      .catch(() => {});
  }

  /**
   * The retry loop: attempts until one succeeds, the error is final, the attempts or the caller's deadline
   * run out. The 401 key refresh does not count as an attempt.
   */
  async execute<T>(spec: RequestSpec<T>, options: CallOptions = {}): Promise<T> {
    const call = this.callOf(spec);
    const { settings } = this;
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
        const late = `${call.where} not attempted: the call deadline has passed`;
        throw lastError ?? call.fail('timeout', late, { retryable: true });
      }
      attempts++;
      fetches++;
      const outcome = await this.send(call, fetches, Math.min(settings.attemptTimeoutMs, left), options);
      if (outcome.kind === 'aborted') {
        if (!call.idempotent) throw call.unknownOutcome(call.fail('timeout', 'aborted by the caller'));
        throw signal?.reason;
      }
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        return resultOf(call, outcome.status, outcome.body);
      }
      const error = attemptError(outcome, call.where, call.fail);
      lastError = error;
      if (error.status === 429) this.rateLimited(error.retryAfterMs);
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
        throw signal?.aborted ? signal.reason : e;
      }
    }
  }
}

/** The request executor shared by all endpoint methods of one client. */
export function createExecutor(opts: PartneroClientOptions): Execute {
  const executor = new Executor(opts);
  return (spec, call) => executor.execute(spec, call);
}
