import type { Order } from './order.js';

/**
 * The order ledger: one entry per order id, the one owner of "exactly once" against Partnero (which
 * records a second transaction for a key it already has). Every transition is a conditional write:
 *
 *   (none) ─claim→ claimed ─finish→ recorded | not_referred
 *                  claimed ─reject→ rejected (Partnero refused it; claimable again)
 *                  claimed ─release→ claimed, lease over (in doubt: the next claim looks the key up first)
 *   (none) ─refund→ refunded (a refund that overtook its order: the order is never recorded)
 *   claimed ─refund→ claimed + refund requested (the holder reverses it when it finishes)
 *   recorded ─refund→ recorded + refund requested ─completeRefund→ refunded
 *   recorded ─partial refund→ recorded, version n+1 ─settleVersions→ recorded, versions below n+1 retired
 *
 * Partnero has no partial refund. The k-th partial refund of an order (version k) retires the
 * transactions of the versions before it and records what is left under the version's own key
 * (`versionKey`), each as an ordinary entry of this ledger, so every version is exactly once too.
 *
 * Only the claim holder sends the `POST /transactions`. Entries that need a second look (a lease that
 * ran out, a recording or refund that went through doubt) carry a `sweepAt` time and appear in a sparse
 * index that the reconciler sweeps.
 */
export type LedgerState = 'claimed' | 'recorded' | 'not_referred' | 'refunded' | 'rejected';

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
  /** Why it was not recorded (`not_referred`, `rejected`). */
  reason?: string;
  /**
   * `rejected` after an attempt in doubt: an earlier POST may still land, so the next claim looks the key
   * up first and the reconciler checks for a late copy.
   */
  doubt?: boolean;
  /** Epoch ms from which the reconciler should look at it; absent when settled. */
  sweepAt?: number;
  /** How many times the reconciler has counted this entry's copies since its last doubtful write. */
  checks?: number;
  /** How many sweeps in a row failed to settle it (each puts it off longer, see `postpone`). */
  failures?: number;
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
  /** Not registered: seen before (`duplicate`), or the order is not recorded (the entry as it is, if any). */
  | { registered: false; duplicate: boolean; entry: LedgerEntry | undefined };

export type ClaimResult =
  /** `takeover`: an earlier claim existed (its holder may have sent the POST), so look the key up first. */
  | { claimed: true; takeover: boolean; refundRequested: boolean; order: Order }
  | { claimed: false; entry: LedgerEntry };

export type Settlement =
  | {
      state: 'recorded';
      reward: number /** Went through doubt: the reconciler counts copies later. */;
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
   * Gives a claim up in doubt: a POST may have landed, or may still land. The lease ends now, so the next
   * claim (a redelivery, the reconciler) looks the key up before sending.
   */
  release(orderId: string, owner: string): Promise<void>;
  /**
   * Partnero refused the order (unknown customer, invalid): `rejected`, claimable again (a refund that
   * arrived meanwhile makes it `refunded`). With `doubt`, an earlier attempt of this order may still land.
   */
  reject(orderId: string, owner: string, rejection: { reason: string; doubt: boolean }): Promise<void>;
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
   * (after the usual two counts of copies) unless a later partial refund is waiting.
   */
  settleVersions(orderId: string, version: number): Promise<void>;
  /** Entries whose `sweepAt` has come, oldest first, at most `limit`. */
  due(limit: number): Promise<LedgerEntry[]>;
  /**
   * After the reconciler counted an entry's copies: the first check of a doubtful write schedules a
   * second, much later one (a write that lands very late is still caught); the second takes the entry
   * out of the sweep. `again`: this check wrote at Partnero (trimmed or restored copies), so it is
   * counted once more, keeping the trimming mark. Nothing happens when the entry changed since `seen`.
   */
  settleSweep(seen: LedgerEntry, options?: { again?: boolean }): Promise<void>;
  /**
   * After a sweep failed to settle an entry: it is due again after a delay that doubles with each
   * failure in a row (one verify delay first, at most 15), so entries that keep failing do not take every
   * place of every sweep from the rest. Nothing happens when its state or refund flag changed since
   * `seen`, it left the sweep, or a live claim holds it.
   */
  postpone(seen: LedgerEntry): Promise<void>;
}

/** Timings of the ledger, in ms. */
export interface LedgerTimings {
  /** How long a claim is its holder's: longer than any holder runs (function timeout + margin). */
  leaseMs: number;
  /**
   * How long after a doubtful recording or a refund the reconciler counts the key's copies at Partnero;
   * it counts again after 15 times as long. A write in flight must have landed by then.
   */
  verifyDelayMs: number;
}
