/**
 * An adversarial Partnero: a transport in front of the sandbox that does, with seeded choices, what
 * Partnero's published behaviour allows and the sandbox alone never does:
 * - a write (POST or DELETE of `/transactions`) fails before it is applied (429, 5xx, a dropped
 *   connection), or is applied and its answer lost (500, dropped), or lands late — any time up to the
 *   ledger's write horizon, in any order relative to other late writes;
 * - `DELETE /transactions/{key}` removes the newest copy of a key as often as the oldest;
 * - `GET /transactions?key=` lags: each row shows up to `lagMs` after it was written, a deleted row
 *   still shows up to `lagMs` after its delete, and the rows come in any order.
 * Rows are answered in Partnero's published shape (party fields as identifier strings, `credit` a
 * boolean, nothing about the reward): money is measured in the sandbox's store, never from answers.
 * Every choice comes from the schedule's seeded PRNG, and time from the world's clock, so a schedule
 * replays exactly.
 */
import type { PartneroFetch, PartneroRequestInit, PartneroResponse } from '#shared/partnero/index.js';

type Random = () => number;
type Store = {
  state: { transactions: Row[] };
  byUid(uid: string): { id?: string | null; key?: string | null } | undefined;
};
/** A transaction as the sandbox's store holds it (the fields this model reads). */
interface Row {
  key: string;
  action: string;
  amount: number;
  amountUnits: string;
  isCurrency: boolean;
  customerUid: string;
  referrerUid: string;
  credit: number;
  createdAt: string;
}

/** How often each fault strikes (0–1), for one schedule. */
export interface AdversaryRates {
  /** A write or look-up refused with 429 before it is applied. */
  rateLimited: number;
  /** A write or look-up failing before it is applied (503 or a dropped connection). */
  failBefore: number;
  /** A write applied whose answer is lost (500 or a dropped connection). */
  commitThenFail: number;
  /** A write that lands late, up to the horizon. */
  late: number;
  /** A DELETE that removes the newest copy instead of the oldest. */
  newestCopy: number;
  /** Look-ups lag (up to `lagMs`) and list rows in any order. */
  lagging: boolean;
}

export const NO_FAULTS: AdversaryRates = {
  rateLimited: 0,
  failBefore: 0,
  commitThenFail: 0,
  late: 0,
  newestCopy: 0,
  lagging: false,
};

interface Seen {
  row: Row;
  writtenAt: number;
  deletedAt?: number;
}

interface LateWrite {
  landAt: number;
  apply: () => Promise<void>;
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): PartneroResponse => {
  const text = body === undefined ? '' : JSON.stringify(body);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, headers: { get: (name) => lower[name.toLowerCase()] ?? null }, text: async () => text };
};

const dropped = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

export class AdversarialPartnero {
  /** How often each fault fired (a schedule counts only if something did). */
  readonly fired: Record<string, number> = {};
  rates: AdversaryRates = NO_FAULTS;
  /** The longest time a key held two copies or more (a referrer paid twice meanwhile), in world ms. */
  longestDuplicateMs = 0;
  private readonly rows = new Map<Row, Seen>();
  private late: LateWrite[] = [];
  private duplicateSince = new Map<string, number>();

  constructor(
    private readonly options: {
      inner: PartneroFetch;
      store: Store;
      now: () => number;
      /** Late writes land before this long after they were sent (the ledger's assumption). */
      horizonMs: number;
      /** How far a look-up may lag behind a write or delete. */
      lagMs: number;
    },
  ) {}

  private fire(kind: string) {
    this.fired[kind] = (this.fired[kind] ?? 0) + 1;
  }

  private chance(random: Random, p: number) {
    return p > 0 && random() < p;
  }

  /** Every row ever written under `key` (or its versions), when it was written and deleted (ms since `since`). */
  history(key: string, since = 0): string[] {
    return [...this.rows.values()]
      .filter((seen) => seen.row.key === key || seen.row.key.startsWith(`${key}~`))
      .map(
        (seen) =>
          `${seen.row.key}=${seen.row.amount} written t+${seen.writtenAt - since}` +
          (seen.deletedAt === undefined ? '' : ` deleted t+${seen.deletedAt - since}`),
      );
  }

  /** Told of every late write as it is queued and as it lands (the chaos trace). */
  onLate?: (line: string) => void;

  /** Late writes still on their way. */
  get pending(): number {
    return this.late.length;
  }

  /** When the next late write lands (undefined: none). */
  get nextLanding(): number | undefined {
    return this.late.length ? Math.min(...this.late.map((w) => w.landAt)) : undefined;
  }

  /** Applies the late writes whose time has come, in any order. */
  async land(): Promise<void> {
    const now = this.options.now();
    const due = this.late.filter((w) => w.landAt <= now);
    if (due.length === 0) return;
    this.late = this.late.filter((w) => w.landAt > now);
    for (let i = due.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [due[i], due[j]] = [due[j] as LateWrite, due[i] as LateWrite];
    }
    for (const write of due) await write.apply();
    this.observe();
  }

  /** Orders the late writes that land together (the schedule's PRNG). */
  private random: Random = Math.random;

  /** Forgets everything (a new schedule, with its faults and PRNG). */
  reset(rates: AdversaryRates, random: Random) {
    this.rates = rates;
    this.random = random;
    this.rows.clear();
    this.late = [];
    this.duplicateSince.clear();
    this.longestDuplicateMs = 0;
    for (const kind of Object.keys(this.fired)) delete this.fired[kind];
  }

  /**
   * Notes rows written or deleted since the last look, with the time, and how long a key has held
   * more than one copy.
   */
  observe(): void {
    const now = this.options.now();
    const live = new Set(this.options.store.state.transactions);
    for (const row of live) if (!this.rows.has(row)) this.rows.set(row, { row, writtenAt: now });
    for (const seen of this.rows.values())
      if (!live.has(seen.row) && seen.deletedAt === undefined) seen.deletedAt = now;
    const copies = new Map<string, number>();
    for (const row of live) copies.set(row.key, (copies.get(row.key) ?? 0) + 1);
    for (const [key, n] of copies)
      if (n > 1 && !this.duplicateSince.has(key)) this.duplicateSince.set(key, now);
    for (const [key, since] of this.duplicateSince) {
      if ((copies.get(key) ?? 0) > 1) continue;
      this.longestDuplicateMs = Math.max(this.longestDuplicateMs, now - since);
      this.duplicateSince.delete(key);
    }
  }

  /** Duplicates still alive count up to now (called when a schedule ends). */
  closeWindows(): void {
    const now = this.options.now();
    for (const since of this.duplicateSince.values())
      this.longestDuplicateMs = Math.max(this.longestDuplicateMs, now - since);
  }

  /**
   * The transport one invocation uses; its fault choices come from `random` (the invocation's own
   * seeded PRNG, so concurrent invocations do not steal each other's draws).
   */
  fetchFor(random: Random): PartneroFetch {
    return async (url, init) => {
      const { pathname, searchParams } = new URL(url);
      const method = init.method.toUpperCase();
      const onTransactions = /\/transactions(\/|$)/.test(pathname);
      if (!onTransactions) return this.options.inner(url, init);
      if (method === 'GET') return this.lookUp(searchParams, random);
      const before = this.failBefore(random);
      if (before) return before;
      const key = decodeURIComponent(pathname.split('/').pop() ?? '');
      const apply = method === 'DELETE' ? () => this.deleteCopy(key, random) : () => this.write(url, init);
      if (this.chance(random, this.rates.late)) {
        this.fire(`late-${method}`);
        const landAt = this.options.now() + 1 + Math.floor(random() * (this.options.horizonMs - 1_000));
        const keys = [...String(init.body ?? '').matchAll(/"key":"([^"]+)"/g)].map((m) => m[1]);
        const what = `${method} ${decodeURIComponent(pathname)}${keys.length ? ` [${keys.join(', ')}]` : ''}`;
        this.onLate?.(`late ${what} queued, lands in ${landAt - this.options.now()} ms`);
        this.late.push({
          landAt,
          apply: async () => {
            const res = await apply().catch(() => undefined);
            this.onLate?.(`late ${what} LANDED -> ${res?.status ?? 'failed'}`);
          },
        });
        throw dropped();
      }
      const result = await apply();
      this.observe();
      if (this.chance(random, this.rates.commitThenFail)) {
        this.fire(`commit-then-fail-${method}`);
        if (random() < 0.5) return answer(500, { message: 'Server Error' });
        throw dropped();
      }
      return result;
    };
  }

  /** A 429, a 503 or a dropped connection before anything is applied. */
  private failBefore(random: Random): PartneroResponse | undefined {
    if (this.chance(random, this.rates.rateLimited)) {
      this.fire('429');
      return answer(429, { message: 'Too Many Attempts.' }, { 'Retry-After': '0' });
    }
    if (this.chance(random, this.rates.failBefore)) {
      this.fire('fail-before');
      if (random() < 0.5) return answer(503, { message: 'Service Unavailable' });
      throw dropped();
    }
    return undefined;
  }

  private async write(url: string, init: PartneroRequestInit): Promise<PartneroResponse> {
    // A write that lands late has no caller waiting any more: no signal to abort it.
    const { signal: _signal, ...rest } = init;
    return this.options.inner(url, rest);
  }

  /** Deletes one copy of `key`: the oldest or, as often as the profile says, the newest. */
  private async deleteCopy(key: string, random: Random): Promise<PartneroResponse> {
    const { store } = this.options;
    const copies = store.state.transactions.filter((t) => t.key === key);
    if (copies.length === 0) return answer(404, { message: 'Transaction not found.' });
    const newest = copies.length > 1 && this.chance(random, this.rates.newestCopy);
    if (newest) this.fire('delete-newest');
    const victim = (newest ? copies.at(-1) : copies[0]) as Row;
    store.state.transactions = store.state.transactions.filter((t) => t !== victim);
    return answer(200, { status: 1 });
  }

  /** `GET /transactions?key=`: what a lagging, unordered index shows now. */
  private lookUp(query: URLSearchParams, random: Random): PartneroResponse {
    const before = this.failBefore(random);
    if (before) return before;
    this.observe();
    const key = query.get('key');
    const now = this.options.now();
    const { lagMs } = this.options;
    const lag = () => (this.rates.lagging ? Math.floor(random() * (lagMs + 1)) : 0);
    const shown: Seen[] = [];
    let differs = false;
    for (const seen of this.rows.values()) {
      if (key !== null && seen.row.key !== key) continue;
      const written = seen.writtenAt + lag() <= now;
      const deleted = seen.deletedAt !== undefined && seen.deletedAt + lag() <= now;
      const truth = seen.deletedAt === undefined;
      if (written && !deleted) shown.push(seen);
      if (written && !deleted) differs ||= !truth;
      else differs ||= truth;
    }
    if (differs) this.fire('stale-look-up');
    if (this.rates.lagging) {
      for (let i = shown.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shown[i], shown[j]] = [shown[j] as Seen, shown[i] as Seen];
      }
    }
    const data = shown.map(({ row }) => this.render(row));
    return answer(200, {
      data,
      links: { first: null, last: null, prev: null, next: null },
      meta: {
        current_page: 1,
        from: data.length ? 1 : null,
        last_page: 1,
        per_page: 250,
        to: data.length || null,
        total: data.length,
      },
    });
  }

  /** A transaction in Partnero's published shape (docs.partnero.com, refer-a-friend transactions). */
  private render(row: Row) {
    const { store } = this.options;
    const id = (uid: string) => {
      const customer = store.byUid(uid);
      return customer?.id ?? customer?.key ?? uid;
    };
    return {
      key: row.key,
      action: row.action,
      amount: row.amount,
      amount_units: row.amountUnits,
      customer: id(row.referrerUid),
      referred_customer: id(row.customerUid),
      credit: false,
      is_currency: row.isCurrency,
      rewards: [],
      created_at: row.createdAt,
    };
  }
}
