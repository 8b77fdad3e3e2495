import type { Sandbox } from './http.js';
import { Errors, fail, isObject, readNumber } from './validation.js';

/**
 * A token bucket in front of the `/v1` API, as Partnero's throttle answers it (Laravel's
 * `ThrottleRequests`: 429 `{"status":0,"message":"Too Many Attempts."}` with `Retry-After` in whole
 * seconds). Off by default. A refused request takes no token, so the bucket admits exactly
 * `requestsPerSecond` on average and at most `burst` at once. The clock is injectable for tests.
 */
export interface RateLimitSettings {
  /** Tokens added per second (requests per second sustained). */
  requestsPerSecond: number;
  /** Bucket size: requests admitted at once after an idle spell; default ⌈requestsPerSecond⌉. */
  burst?: number;
}

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export class RateLimit {
  private rate = 0;
  private size = 0;
  private tokens = 0;
  private last = 0;
  /** Requests refused (429) since the limit was last set. */
  limited = 0;

  constructor(
    settings?: RateLimitSettings | null,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.set(settings ?? null);
  }

  /** The limit in force, or null when off. */
  get settings(): Required<RateLimitSettings> | null {
    return this.rate > 0 ? { requestsPerSecond: this.rate, burst: this.size } : null;
  }

  /** Switches the limit on (a full bucket) or off (null); 422 when invalid. Resets `limited`. */
  set(settings: RateLimitSettings | null): void {
    if (settings === null) {
      this.rate = 0;
    } else {
      const { requestsPerSecond, burst } = readSettings(settings);
      this.rate = requestsPerSecond;
      this.size = burst;
      this.tokens = burst;
      this.last = this.now();
    }
    this.limited = 0;
  }

  /** Takes a token for one request, or says how long until one is there (whole seconds, at least 1). */
  take(): RateDecision {
    if (this.rate <= 0) return { ok: true, remaining: Number.POSITIVE_INFINITY };
    const now = this.now();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    // The epsilon absorbs float drift: ten refills of 0.1 are one token.
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    this.limited += 1;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.rate)) };
  }
}

function readSettings(raw: unknown): Required<RateLimitSettings> {
  if (!isObject(raw)) fail('requestsPerSecond', 'The rate limit must be an object.');
  const errors = new Errors();
  const body = raw;
  const rps = readNumber(body, 'requestsPerSecond', 'requestsPerSecond', errors, { required: true });
  if (rps !== undefined && !(rps > 0 && rps <= 100_000)) {
    errors.add('requestsPerSecond', 'The requestsPerSecond must be above 0 and at most 100000.');
  }
  const burst = readNumber(body, 'burst', 'burst', errors);
  if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1 && burst <= 100_000)) {
    errors.add('burst', 'The burst must be an integer between 1 and 100000.');
  }
  errors.throwIfAny();
  const requestsPerSecond = rps as number;
  return { requestsPerSecond, burst: burst ?? Math.max(1, Math.ceil(requestsPerSecond)) };
}

const limits = new WeakMap<Sandbox, RateLimit>();

/** The rate limit of one sandbox (created off on first use). */
export function rateLimitOf(sb: Sandbox): RateLimit {
  let limit = limits.get(sb);
  if (!limit) {
    limit = new RateLimit();
    limits.set(sb, limit);
  }
  return limit;
}

/** Gives a sandbox its rate limit (index.ts, at start). */
export function attachRateLimit(sb: Sandbox, limit: RateLimit): void {
  limits.set(sb, limit);
}
