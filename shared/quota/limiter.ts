import { QuotaRefusal } from './errors.js';
import type { PauseState, QuotaPool, QuotaStore, WindowCaps } from './store.js';

/**
 * Partnero's rate limit as one budget shared by every Lambda container of the stack.
 *
 * Why fixed one-second windows in DynamoDB: Partnero publishes no rate-limit number and no well-kept
 * library keeps a budget across Lambda containers (in-process limiters such as Bottleneck count per
 * container; Bottleneck's cluster mode needs Redis, a VPC and a server that is billed at rest). A
 * conditional counter per second in the table the stack already pays per request for is one UpdateItem
 * per call, needs no scan, no clock agreement beyond the second, and costs nothing at rest. A fixed
 * window may admit up to twice the rate across a second boundary; the configured total is set below
 * Partnero's limit for that reason, and a 429 adapts it down anyway.
 *
 * Pools: `money` (orders, transactions, refunds, reconciler, credits) may use the whole window; the
 * `customer` pool (sign-up, dashboard) only up to total × (1 − money share), so the money path always
 * keeps its reserved share. Customer calls also count per account per minute. A customer call that
 * finds no room is refused at once (the route answers 429 with Retry-After); a money call waits for the
 * next window, up to its deadline.
 *
 * Adapting: a 429 from Partnero is written to a shared pause record: no call until its Retry-After has
 * passed, and the total halved, recovering ×2 for every 10 s without a 429. Each container reads the
 * record at most once a second.
 */
export interface QuotaSettings {
  /** Partnero calls per second for the whole stack (`PARTNERO_CALLS_PER_SECOND`). */
  callsPerSecond: number;
  /** The share of each second reserved for the money path, 0–1 (`PARTNERO_MONEY_SHARE`). */
  moneyShare: number;
  /** Partnero calls one account may cause per minute on the customer routes; 0: no limit (`CUSTOMER_CALLS_PER_MINUTE`). */
  customerCallsPerMinute: number;
}

export interface QuotaClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The call about to be sent (shared/partnero's limiter hook). */
export interface LimitedCall {
  method: string;
  path: string;
  /** Absolute epoch ms the caller must finish by. */
  deadline?: number;
  /** The account the call is made for (customer routes): its per-minute limit applies. */
  account?: string;
}

export interface PartneroLimiter {
  /** Resolves when the call may be sent; throws `QuotaRefusal` (never sent) otherwise. */
  acquire(call: LimitedCall): Promise<void>;
  /** Partnero answered 429 (with its Retry-After in ms, when given). */
  onRateLimited(retryAfterMs?: number): Promise<void>;
}

export interface LimiterOptions extends QuotaSettings {
  store: QuotaStore;
  pool: QuotaPool;
  clock?: QuotaClock;
  /** Told when the budget table fails: the call then goes ahead (Partnero's own 429 still protects). */
  onStoreError?: (error: unknown) => void;
}

/** The shared factor recovers ×2 per this many ms without a 429. */
export const RECOVERY_STEP_MS = 10_000;
/** The total never adapts below this share of the configured one. */
export const MIN_FACTOR = 1 / 16;
/** How long a container trusts its copy of the pause record. */
const PAUSE_READ_MS = 1000;
/** A 429 without Retry-After pauses for this long. */
const DEFAULT_PAUSE_MS = 1000;
/** Accounts remembered as over their limit, per container (a bound on memory, not a rule). */
const MAX_BLOCKED_ACCOUNTS = 10_000;

const realClock: QuotaClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The share of the configured total in force at `now`. */
export function factorAt(pause: PauseState | undefined, now: number): number {
  if (!pause) return 1;
  const steps = Math.max(0, Math.floor((now - pause.since) / RECOVERY_STEP_MS));
  return Math.min(1, pause.factor * 2 ** steps);
}

/** The window's caps at `now`: the adapted total (at least 1) and the customers' part of it. */
export function capsAt(settings: QuotaSettings, pause: PauseState | undefined, now: number): WindowCaps {
  const total = Math.max(1, Math.floor(settings.callsPerSecond * factorAt(pause, now)));
  return { total, customer: Math.floor(total * (1 - settings.moneyShare)) };
}

export function createPartneroLimiter(options: LimiterOptions): PartneroLimiter {
  const { store, pool } = options;
  const clock = options.clock ?? realClock;
  const customer = pool === 'customer';
  let pause: { state: PauseState | undefined; readAt: number } | undefined;
  let reading: Promise<PauseState | undefined> | undefined;
  /** Account → end of the minute it is over its limit in (saves a write per refused request). */
  const blocked = new Map<string, number>();

  const failOpen = (error: unknown) => {
    options.onStoreError?.(error);
  };

  const pauseAt = async (now: number): Promise<PauseState | undefined> => {
    if (pause && now - pause.readAt < PAUSE_READ_MS) return pause.state;
    reading ??= store
      .readPause()
      .then((state) => {
        pause = { state, readAt: now };
        return state;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  const takeAccount = async (call: LimitedCall, now: number) => {
    const account = call.account;
    if (!customer || account === undefined || options.customerCallsPerMinute <= 0) return;
    const minute = Math.floor(now / 60_000);
    const nextMinute = (minute + 1) * 60_000;
    const until = blocked.get(account);
    if (until !== undefined && until > now) throw new QuotaRefusal('account', call, until - now);
    if (!(await store.takeAccount(account, minute, 1, options.customerCallsPerMinute))) {
      if (blocked.size >= MAX_BLOCKED_ACCOUNTS) blocked.clear();
      blocked.set(account, nextMinute);
      throw new QuotaRefusal('account', call, nextMinute - now);
    }
  };

  async function acquire(call: LimitedCall): Promise<void> {
    let accountTaken = false;
    for (;;) {
      const now = clock.now();
      const state = await pauseAt(now);
      let waitMs: number;
      let scope: 'paused' | 'customers' | 'money';
      if (state && state.until > now) {
        waitMs = state.until - now;
        scope = 'paused';
      } else {
        if (!accountTaken) {
          await takeAccount(call, now);
          accountTaken = true;
        }
        if (await store.takeWindow(Math.floor(now / 1000), 1, pool, capsAt(options, state, now))) return;
        waitMs = 1000 - (now % 1000);
        scope = customer ? 'customers' : 'money';
      }
      // Customers are refused at once; money waits for room, unless that passes its deadline.
      if (customer) throw new QuotaRefusal(scope, call, waitMs);
      if (call.deadline !== undefined && now + waitMs >= call.deadline)
        throw new QuotaRefusal(scope === 'customers' ? 'money' : scope, call, waitMs);
      await clock.sleep(waitMs);
    }
  }

  return {
    acquire: async (call) => {
      try {
        await acquire(call);
      } catch (e) {
        if (e instanceof QuotaRefusal) throw e;
        failOpen(e);
      }
    },
    onRateLimited: async (retryAfterMs) => {
      const now = clock.now();
      const until = now + Math.max(0, retryAfterMs ?? DEFAULT_PAUSE_MS);
      // This container pauses at once, before the record is written.
      const local = pause?.state;
      pause = {
        state: {
          until: Math.max(until, local?.until ?? 0),
          factor: local?.factor ?? 1,
          since: local?.since ?? now,
        },
        readAt: now,
      };
      try {
        const seen = await store.readPause();
        // 429s within a second of the last recorded one are the same overload: they extend the pause only.
        if (seen && now - seen.since < PAUSE_READ_MS) {
          await store.extendPause(until);
          pause = { state: { ...seen, until: Math.max(seen.until, until) }, readAt: now };
          return;
        }
        const next: PauseState = {
          until: Math.max(until, seen?.until ?? 0),
          factor: Math.max(MIN_FACTOR, factorAt(seen, now) / 2),
          since: now,
        };
        if (await store.writePause(next, seen)) pause = { state: next, readAt: now };
      } catch (e) {
        failOpen(e);
      }
    },
  };
}
