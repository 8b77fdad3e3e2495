import { PartneroError } from '#shared/partnero/errors.js';
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

/** Whose budget refused the call. */
export type QuotaScope =
  /** The caller's own account used its calls for this minute (per-customer limit). */
  | 'account'
  /** The customer routes' share of this second is used up (global cap of the customer flows). */
  | 'customers'
  /** Partnero answered 429 and asked us to wait (`Retry-After`). */
  | 'paused'
  /** A money call found no room before its deadline. */
  | 'money';

/**
 * A Partnero call our own budget refused: it was never sent, so it is `rate_limited` and retryable,
 * never an unknown outcome, whatever the call. The HTTP routes answer it 429 with `Retry-After`
 * (shared/http/error-answers.ts), since it is this caller's share that is used up, not Partnero down.
 */
export class QuotaRefusal extends PartneroError {
  readonly scope: QuotaScope;

  constructor(scope: QuotaScope, call: { method: string; path: string }, retryAfterMs: number) {
    super({
      code: 'rate_limited',
      message: `Partnero ${call.method} ${call.path} not sent: ${REASONS[scope]}`,
      retryable: true,
      method: call.method,
      path: call.path,
      retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
    });
    this.scope = scope;
  }
}

const REASONS: Record<QuotaScope, string> = {
  account: "this account's Partnero calls for the minute are used up",
  customers: "the customer routes' share of Partnero's rate limit is used up for this second",
  paused: 'Partnero asked us to slow down (429)',
  money: 'no room in the Partnero budget before the deadline',
};

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
function factorAt(pause: PauseState | undefined, now: number): number {
  if (!pause) return 1;
  const steps = Math.max(0, Math.floor((now - pause.since) / RECOVERY_STEP_MS));
  return Math.min(1, pause.factor * 2 ** steps);
}

/** The window's caps at `now`: the adapted total (at least 1) and the customers' part of it. */
function capsAt(settings: QuotaSettings, pause: PauseState | undefined, now: number): WindowCaps {
  const total = Math.max(1, Math.floor(settings.callsPerSecond * factorAt(pause, now)));
  return { total, customer: Math.floor(total * (1 - settings.moneyShare)) };
}

/** A customer call that finds no room is refused at once; a money call waits for the next window. */
class SharedLimiter implements PartneroLimiter {
  private readonly clock: QuotaClock;
  private readonly customer: boolean;
  private pause: { state: PauseState | undefined; readAt: number } | undefined;
  private reading: Promise<PauseState | undefined> | undefined;
  /** Account → end of the minute it is over its limit in (saves a write per refused request). */
  private readonly blocked = new Map<string, number>();

  constructor(private readonly options: LimiterOptions) {
    this.clock = options.clock ?? realClock;
    this.customer = options.pool === 'customer';
  }

  async acquire(call: LimitedCall): Promise<void> {
    try {
      await this.take(call);
    } catch (e) {
      if (e instanceof QuotaRefusal) throw e;
      this.options.onStoreError?.(e);
    }
  }

  /** The shared pause record, read at most once a second per container (one read in flight). */
  private async pauseAt(now: number): Promise<PauseState | undefined> {
    if (this.pause && now - this.pause.readAt < PAUSE_READ_MS) return this.pause.state;
    this.reading ??= this.options.store
      .readPause()
      .then((state) => {
        this.pause = { state, readAt: now };
        return state;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async takeAccount(call: LimitedCall, now: number): Promise<void> {
    const { account } = call;
    if (!this.customer || account === undefined || this.options.customerCallsPerMinute <= 0) return;
    const minute = Math.floor(now / 60_000);
    const nextMinute = (minute + 1) * 60_000;
    const until = this.blocked.get(account);
    if (until !== undefined && until > now) throw new QuotaRefusal('account', call, until - now);
    if (!(await this.options.store.takeAccount(account, minute, 1, this.options.customerCallsPerMinute))) {
      if (this.blocked.size >= MAX_BLOCKED_ACCOUNTS) this.blocked.clear();
      this.blocked.set(account, nextMinute);
      throw new QuotaRefusal('account', call, nextMinute - now);
    }
  }

  private async take(call: LimitedCall): Promise<void> {
    const { store, pool } = this.options;
    let accountTaken = false;
    for (;;) {
      const now = this.clock.now();
      const state = await this.pauseAt(now);
      let waitMs: number;
      let scope: 'paused' | 'customers' | 'money';
      if (state && state.until > now) {
        waitMs = state.until - now;
        scope = 'paused';
      } else {
        if (!accountTaken) {
          await this.takeAccount(call, now);
          accountTaken = true;
        }
        if (await store.takeWindow(Math.floor(now / 1000), 1, pool, capsAt(this.options, state, now))) return;
        waitMs = 1000 - (now % 1000);
        scope = this.customer ? 'customers' : 'money';
      }
      // Customers are refused at once; money waits for room, unless that passes its deadline.
      if (this.customer) throw new QuotaRefusal(scope, call, waitMs);
      if (call.deadline !== undefined && now + waitMs >= call.deadline)
        throw new QuotaRefusal(scope === 'customers' ? 'money' : scope, call, waitMs);
      await this.clock.sleep(waitMs);
    }
  }

  async onRateLimited(retryAfterMs?: number): Promise<void> {
    const { store } = this.options;
    const now = this.clock.now();
    const until = now + Math.max(0, retryAfterMs ?? DEFAULT_PAUSE_MS);
    // This container pauses at once, before the record is written.
    const local = this.pause?.state;
    const state = {
      until: Math.max(until, local?.until ?? 0),
      factor: local?.factor ?? 1,
      since: local?.since ?? now,
    };
    this.pause = { state, readAt: now };
    try {
      const seen = await store.readPause();
      // 429s within a second of the last recorded one are the same overload: they extend the pause only.
      if (seen && now - seen.since < PAUSE_READ_MS) {
        await store.extendPause(until);
        this.pause = { state: { ...seen, until: Math.max(seen.until, until) }, readAt: now };
        return;
      }
      const next: PauseState = {
        until: Math.max(until, seen?.until ?? 0),
        factor: Math.max(MIN_FACTOR, factorAt(seen, now) / 2),
        since: now,
      };
      if (await store.writePause(next, seen)) this.pause = { state: next, readAt: now };
    } catch (e) {
      this.options.onStoreError?.(e);
    }
  }
}

export function createPartneroLimiter(options: LimiterOptions): PartneroLimiter {
  return new SharedLimiter(options);
}
