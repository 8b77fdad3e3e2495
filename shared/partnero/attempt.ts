/** One HTTP attempt against Partnero, reduced to what the retry loop decides on. */
import type { PartneroFetch } from './node-transport.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type Outcome =
  | { kind: 'response'; status: number; retryAfter: string | null; body: unknown }
  | { kind: 'timeout'; ms: number }
  | { kind: 'aborted' }
  | { kind: 'network'; error: unknown };

const MAX_TIMER_MS = 2 ** 31 - 1;
const USER_AGENT = 'partnero-referrals-aws';

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface Attempt {
  method: HttpMethod;
  url: string;
  key: string;
  body: unknown;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** Sends once, giving up after `timeoutMs` or when the caller's signal aborts; never throws. */
export async function attemptOnce(doFetch: PartneroFetch, attempt: Attempt): Promise<Outcome> {
  const { method, url, key, body, timeoutMs, signal } = attempt;
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
        // Some firewalls refuse requests without one (fetch sends `node`).
        'User-Agent': USER_AGENT,
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
