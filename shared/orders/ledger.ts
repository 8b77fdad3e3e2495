import type { Order } from './order.js';

/**
 * The order ledger: one entry per order id, the one owner of "exactly once" against Partnero (which
 * records a second transaction for a key it already has). Every transition is a conditional write:
 *
 *   (none) ─claim→ claimed ─finish→ recorded | not_referred
 *                  claimed ─reject→ rejected (Partnero refused it for good, a 4xx; claimable by a corrected resend)
 *                  claimed ─defer→ deferred (a retryable answer: 429, a failure before sending, an unknown
 *                                   customer; still owed, due again after a growing delay, claimable)
 *                  deferred ─defer, `parkAfterFailures` times, for an unknown customer→ parked (given
 *                                   up: reason, metric; claimable by a resend or a redrive)
 *                  claimed ─release→ claimed, lease over (in doubt: the next claim looks the key up first,
 *                                   and sends again only once Partnero's look-up lag has passed)
 *   (none) ─refund→ refunded (a refund that overtook its order: the order is never recorded)
 *   claimed ─refund→ claimed + refund requested (the holder reverses it when it finishes)
 *   recorded ─refund→ recorded + refund requested ─completeRefund→ refunded
 *   recorded ─partial refund→ recorded, version n+1 ─settleVersions→ recorded, versions below n+1 retired
 *   rejected in doubt ─adoptLateWrite→ recorded (its late write landed after all)
 *   recorded ─markTrimming→ recorded + trimming (one reconciler run deletes extra copies) ─settleSweep→ recorded
 *
 * A claim's transitions are in dynamo-ledger.ts, refunds and the reconciler's in ledger-sweep.ts, each
 * with its condition; ledger-store.ts holds the table and how an entry is stored.
 *
 * Partnero has no partial refund. The k-th partial refund of an order (version k) retires the
 * transactions of the versions before it and records what is left under the version's own key
 * (`versionKey`), each as an ordinary entry of this ledger, so every version is exactly once too.
 *
 * Only the claim holder sends the `POST /transactions`. Entries that need a second look (a lease that
 * ran out, a recording or refund that went through doubt, an order still owed) carry a `sweepAt` time and
 * appear in a sparse index that the reconciler sweeps.
 *
 * The rules every transition keeps (docs/orders.md):
 * - An entry that owes Partnero an order ends only settled (recorded, not referred, refunded) or parked
 *   with a reason; a retryable answer defers it, never rejects it.
 * - A scheduled check only ever moves later: every sweep write is conditional on the due time and check
 *   count it read, so an overlapping run or a stale read of the sweep index changes nothing.
 * - A trim is judged by time: its mark stays until the write horizon and the look-up lag have passed
 *   since the last write it sent (`trimQuietAt`); only then are the copies counted and the mark cleared.
 * - A resend after doubt waits until the look-up lag has passed since the last attempt could be sent.
 */
export type LedgerState =
  | 'claimed'
  | 'recorded'
  | 'not_referred'
  | 'refunded'
  | 'rejected'
  | 'deferred'
  | 'parked';

/** States in which Partnero holds no transaction of the order and anyone may claim it again. */
export const REFUSED_STATES: readonly LedgerState[] = ['rejected', 'deferred', 'parked'];
export const isRefused = (entry: LedgerEntry | undefined): boolean =>
  entry !== undefined && REFUSED_STATES.includes(entry.state);

/** A claim whose holder's lease ran out: the holder stopped, and anyone may take it over. */
export const abandonedClaim = (entry: LedgerEntry | undefined, now: number): boolean =>
  entry?.state === 'claimed' && (entry.leaseUntil ?? 0) < now;

export interface LedgerEntry {
  orderId: string;
  state: LedgerState;
  /** A refund arrived: the order must end without a transaction. */
  refundRequested: boolean;
  /** The claim holder's token, while `claimed`. */
  owner?: string;
  /** Epoch ms until which the claim is the holder's; after it another worker may take over. */
  leaseUntil?: number;
  /** The order as first claimed (absent on an entry a refund created). */
  order?: Order;
  reward?: number;
  /** Why it was not recorded (`not_referred`, `rejected`, `deferred`, `parked`). */
  reason?: string;
  /**
   * Refused (`rejected`, `deferred`, `parked`) after an attempt in doubt: an earlier POST may still land,
   * so the next claim looks the key up first and the reconciler checks for a late copy.
   */
  doubt?: boolean;
  /** Epoch ms from which the reconciler should look at it; absent when settled. */
  sweepAt?: number;
  /** How many later counts of this entry's copies are done since its last doubtful write (see `settleSweep`). */
  checks?: number;
  /**
   * How many times in a row it could not be settled (sweeps that failed, retryable answers); each puts it
   * off longer (see `postpone`), and a deferred order is parked after `parkAfterFailures`.
   */
  failures?: number;
  /** Epoch ms from which a trim's writes have all landed and can be seen: only then is its mark cleared. */
  trimQuietAt?: number;
  /**
   * The reconciler is deleting extra copies of this key: if none is left (a DELETE that was retried, or
   * a Partnero that deletes every copy at once), it puts the one back. Without the mark, a recorded
   * order with no copy was deleted outside this system and is left alone.
   */
  trimming?: boolean;
  /**
   * The token of the reconciler run that holds the trim: only that run deletes extra copies or puts one
   * back, so two runs never both restore a copy.
   */
  trimmer?: string;
  /** A refund call deleted this order's transaction (so a resent refund answers `already_refunded`). */
  reversed?: boolean;
  /** What partial refunds took off the order so far (their sum). */
  refundedTotal?: number;
  /** How many partial refunds the order had: its live transaction is that version's (0: the order's own). */
  version?: number;
  /** Every version below this one is retired (its transaction deleted); absent: none is. */
  settledVersion?: number;
}

/** What registering a partial refund found. */
export type PartialRefundRegistration =
  /** Registered: the entry as it is now (version and total include this refund). */
  | { registered: true; entry: LedgerEntry }
  /**
   * Not registered: seen before (`duplicate`; `conflict` when with another amount), or the order is not
   * recorded (the entry as it is, if any).
   */
  | { registered: false; duplicate: boolean; conflict?: boolean; entry: LedgerEntry | undefined };

export type ClaimResult =
  /**
   * `takeover`: an earlier claim existed (its holder may have sent the POST), so look the key up first;
   * `sentBy`: the latest time that earlier attempt could have been sent; `failures`: retryable answers
   * in a row so far.
   */
  | {
      claimed: true;
      takeover: boolean;
      refundRequested: boolean;
      order: Order;
      sentBy?: number;
      failures?: number;
    }
  | { claimed: false; entry: LedgerEntry };

export type Settlement =
  | {
      state: 'recorded';
      reward: number;
      /** Went through doubt: the reconciler counts copies later. */
      verify: boolean;
    }
  | { state: 'not_referred'; reason: string };

export type FinishResult =
  | { finished: true }
  /** The write did not happen: a refund arrived (`entry.refundRequested`) or the claim was lost. */
  | { finished: false; entry: LedgerEntry | undefined };

export interface OrderLedger {
  /** The ledger's clock (epoch ms), so leases are judged by one time source. */
  now(): number;
  /** How long Partnero's look-up by key may lag behind its writes (`LedgerTimings.lookupLagMs`). */
  readonly lookupLagMs: number;
  /** How long between two counts of a doubtful entry's copies (3 verify delays). */
  readonly recheckMs: number;
  /** Claims `order` for `owner` unless another live claim or a settled entry exists. */
  claim(order: Order, owner: string): Promise<ClaimResult>;
  /** Settles a claim `owner` holds; refused when a refund arrived meanwhile or the claim was lost. */
  finish(orderId: string, owner: string, settlement: Settlement): Promise<FinishResult>;
  /** `finish` for several claims of one holder, in one round trip when it can; results in input order. */
  finishAll(
    owner: string,
    settlements: { orderId: string; settlement: Settlement }[],
  ): Promise<FinishResult[]>;
  /**
   * Gives a claim up in doubt: a POST may have landed, or may still land. The lease ends (at `sentBy`, the
   * latest time an attempt could have been sent: now unless given), so the next claim (a redelivery, the
   * reconciler) looks the key up before sending; it is due again once the look-up lag has passed since
   * then. `failures` (the count so far): the release follows a failure (a look-up that failed), so it is
   * due again after the same growing delay as a postponed entry.
   */
  release(orderId: string, owner: string, options?: { sentBy?: number; failures?: number }): Promise<void>;
  /**
   * Partnero refused the order for good (invalid: a 4xx that is not about a customer it may yet know):
   * `rejected`, claimable by a corrected resend (a refund that arrived meanwhile makes it `refunded`).
   * With `doubt`, an earlier attempt of this order may still land.
   */
  reject(orderId: string, owner: string, rejection: { reason: string; doubt: boolean }): Promise<void>;
  /**
   * Partnero answered something retryable (429, a failure before sending, an unknown customer): the order
   * is still owed. `deferred` and due again after a delay that doubles per failure; `parked` once it was
   * deferred `parkAfterFailures` times in a row and this answer is `parkable` (an unknown customer: a
   * rate limit or an outage never parks a good order). Answers the state it ended in (undefined when the
   * claim was lost or a refund arrived, which `refunded` settles).
   */
  defer(
    orderId: string,
    owner: string,
    deferral: { reason: string; doubt: boolean; failures: number; parkable: boolean },
  ): Promise<'deferred' | 'parked' | undefined>;
  /**
   * Marks a recorded entry as being trimmed to one copy by `trimmer` alone (see `trimming`), and moves it
   * a lease on in the sweep so no other run picks it up meanwhile. Answers the entry as it is now, or
   * undefined when it changed since `seen` (another run, a refund).
   */
  markTrimming(seen: LedgerEntry, trimmer: string): Promise<LedgerEntry | undefined>;
  /**
   * Whether the trim `markTrimming` answered still holds: the order recorded, no refund or partial
   * refund since. When not, the entry as it is.
   */
  holdsTrim(trim: LedgerEntry): Promise<{ holds: true } | { holds: false; entry?: LedgerEntry }>;
  /** A late write of a rejected order was found at Partnero: it is recorded after all. */
  adoptLateWrite(seen: LedgerEntry, reward: number): Promise<void>;
  /** Remembers a refund; answers the entry as it was before (undefined when there was none). */
  requestRefund(orderId: string): Promise<LedgerEntry | undefined>;
  /**
   * Marks a refund done (every copy deleted); `owner` when the caller holds the claim, `reversed` when
   * the call deleted a transaction of it.
   */
  completeRefund(orderId: string, owner?: string, reversed?: boolean): Promise<void>;
  /** The entry of an order as it stands now, or undefined. */
  entry(orderId: string): Promise<LedgerEntry | undefined>;
  /**
   * Remembers a partial refund of a recorded order, once per `refundId`: the total grows by `amount` and
   * the version by one. The entry becomes due, so the reconciler finishes the change if its caller dies.
   */
  registerPartialRefund(
    orderId: string,
    refundId: string,
    amount: number,
  ): Promise<PartialRefundRegistration>;
  /**
   * Every version below `version` is retired and `version` is recorded: the entry leaves the sweep
   * (after the usual counts of copies) unless a later partial refund is waiting.
   */
  settleVersions(orderId: string, version: number): Promise<void>;
  /** Entries whose `sweepAt` has come, oldest first, at most `limit`. */
  due(limit: number): Promise<LedgerEntry[]>;
  /**
   * After the reconciler counted an entry's copies: a doubtful write is counted again every 3 verify
   * delays until 15 after its first count (a write that lands very late is still caught, and an extra
   * copy it made does not live long); the last count takes the entry out of the sweep. `again`: this
   * check wrote at Partnero (trimmed, restored or reversed copies), so the counts start again, keeping
   * the trimming mark. `waitUntil`: the count could not be trusted yet (a trim's writes may still land);
   * look again then, changing nothing else. Nothing happens when the entry changed since `seen` (its
   * state, refund flag, due time or checks).
   */
  settleSweep(seen: LedgerEntry, options?: { again?: boolean; waitUntil?: number }): Promise<void>;
  /**
   * After a sweep failed to settle an entry: it is due again after a delay that doubles with each
   * failure in a row (one verify delay first, at most 15), so entries that keep failing do not take every
   * place of every sweep from the rest. Only ever later: nothing happens unless the entry still holds the
   * state, refund flag, due time and check count read in `seen`, and no live claim holds it.
   */
  postpone(seen: LedgerEntry): Promise<void>;
}

/** Timings of the ledger, in ms. */
export interface LedgerTimings {
  /** How long a claim is its holder's: longer than any holder runs (function timeout + margin). */
  leaseMs: number;
  /**
   * How long after a doubtful recording or a refund the reconciler counts the key's copies at Partnero;
   * it counts again after 15 times as long (the write horizon): a write in flight must have landed by then.
   */
  verifyDelayMs: number;
  /**
   * How long Partnero's `GET /transactions?key=` may lag behind its writes (a new row not shown yet, a
   * deleted one still shown). A resend after doubt waits for it; counts that clear a trim wait for it
   * after the horizon. At most `verifyDelayMs`. @default verifyDelayMs
   */
  lookupLagMs?: number;
  /** Retryable answers in a row after which a deferred order is parked. @default 16 */
  parkAfterFailures?: number;
}

/**
 * Versions of a partially refunded order. Version 0 is the order itself (its transaction key is the
 * order id); version k, after k partial refunds, records what was left then under its own key. `~`
 * never occurs in an order id (shared/schemas/fields.ts), so a version key is never another order's.
 */
export const versionKey = (orderId: string, version: number) =>
  version === 0 ? orderId : `${orderId}~r${version}`;

/** What is left to pay after `refunded` of `amount`, rounded so that 19.99 − 5.5 is 14.49. */
export const remainderOf = (amount: number, refunded: number) => Math.round((amount - refunded) * 1e6) / 1e6;

/** The versions to retire before `upTo` is live: from the first not yet retired. */
export function versionsBelow(settled: number | undefined, upTo: number): number[] {
  const from = settled ?? 0;
  return Array.from({ length: Math.max(0, upTo - from) }, (_, i) => from + i);
}
