/** HTTP statuses worth another attempt: the request was not processed or the failure is transient. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/**
 * Exponential backoff with full jitter: random() * min(max, base * 2^retryIndex),
 * where retryIndex is 0 before the first retry.
 */
export function backoffDelay(retryIndex: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** retryIndex);
  const r = Math.min(Math.max(opts.random(), 0), 1);
  return Math.floor(r * ceiling);
}

/** No wait worth passing on is longer than a day; a longer (or absurd) Retry-After is read as a day. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Parses a Retry-After header (delta-seconds or HTTP date) into milliseconds from `now`, at most
 * `MAX_RETRY_AFTER_MS`. Returns undefined when the header is absent or unreadable; a date in the past gives 0.
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
