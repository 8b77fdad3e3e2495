import { nodeHttpTransport, type PartneroFetch } from './node-transport.js';
import { type BackoffOptions, defaultSleep } from './retry.js';
import type { ApiKeySource, PartneroClientOptions, RequestInfo } from './types.js';

const DEFAULT_BASE_URL = 'https://api.partnero.com/v1';

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`Partnero client option ${name} must be a finite number >= ${min}`);
  }
  return value;
}

/** The client's options, checked once, with their defaults. */
export interface ClientSettings {
  origin: string;
  basePath: string;
  fetch: PartneroFetch;
  attemptTimeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  keys: ApiKeySource;
  /** Whether a 401 may re-read the key (a rotating source, not a fixed string). */
  refreshable: boolean;
  onRequest: ((info: RequestInfo) => void) | undefined;
}

export function settingsOf(opts: PartneroClientOptions): ClientSettings {
  const base = new URL((opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''));
  const fixedKey = typeof opts.apiKey === 'string' ? opts.apiKey : undefined;
  return {
    origin: base.origin,
    basePath: base.pathname.replace(/\/+$/, ''),
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
  };
}

/** Scrubs every API key ever used from a text, raw and URL-encoded (errors after a rotation too). */
export function createRedactor(initial: readonly string[]) {
  const seen = new Set(initial.filter((key) => key !== ''));
  return {
    remember: (key: string) => {
      if (key !== '') seen.add(key);
    },
    redact: (text: string): string => {
      let out = text;
      for (const key of seen) {
        out = out.split(key).join('[redacted]');
        const encoded = encodeURIComponent(key);
        if (encoded !== key) out = out.split(encoded).join('[redacted]');
      }
      return out;
    },
  };
}

/** Undefined when URL parsing would resolve any segment of the path we built (defence in depth). */
export function urlFor(settings: ClientSettings, path: string, query: URLSearchParams | undefined) {
  const qs = query?.toString();
  const url = new URL(`${settings.origin}${settings.basePath}${path}${qs ? `?${qs}` : ''}`);
  return url.pathname === `${settings.basePath}${path}` && url.origin === settings.origin
    ? url.href
    : undefined;
}
