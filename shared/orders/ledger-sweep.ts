import type { LedgerEntry, LedgerTimings, PartialRefundRegistration } from './ledger.js';
import {
  entryIn,
  entryOf,
  expirationOf,
  LedgerStore,
  SWEEP_SHARDS,
  shardOf,
  type Timings,
} from './ledger-store.js';

/**
 * The last count of a doubtful entry's copies comes this many verify delays after the first (the write
 * horizon: a write in flight has landed by then).
 */
export const SECOND_CHECK_FACTOR = 15;
/**
 * Between the first count and the last, the copies are counted every this many verify delays, so a
 * late write that made a second copy (a referrer paid twice) is trimmed within about that long, not
 * only at the horizon.
 */
export const CHECK_GAP_FACTOR = 3;
/** Counts after the first: the last one comes a horizon after the first. */
export const LATER_CHECKS = SECOND_CHECK_FACTOR / CHECK_GAP_FACTOR;
/** By when a write sent now has landed (the assumption the second check rests on). */
export const horizonOf = (t: LedgerTimings) => t.verifyDelayMs * SECOND_CHECK_FACTOR;
/** From when a count of copies shows every write sent before `sentBy`: the horizon, then the look-up lag. */
export const quietAfter = (sentBy: number, t: Timings) => sentBy + horizonOf(t) + t.lookupLagMs;
/** The delay after the n-th failure in a row: one verify delay, doubling, at most the horizon. */
export const backoffOf = (failures: number, t: LedgerTimings) =>
  Math.min(t.verifyDelayMs * 2 ** Math.max(0, failures - 1), horizonOf(t));

/**
 * The condition that an entry is still as the reconciler saw it: its state, refund flag, due time and
 * check count. A run that read it stale (an overlapping run moved it on, or the sweep index lagged) is
 * refused, so a scheduled check only ever moves later.
 */
const unchanged = (seen: LedgerEntry) =>
  `#state = :state AND #sweepAt = :sweepAt AND ${seen.refundRequested ? 'attribute_exists' : 'attribute_not_exists'}(#refundRequested) AND ${
    seen.checks === undefined ? 'attribute_not_exists(#checks)' : '#checks = :checks'
  }`;
const seenValues = (seen: LedgerEntry) => ({
  ':state': seen.state,
  ':sweepAt': seen.sweepAt ?? 0,
  ...(seen.checks === undefined ? {} : { ':checks': seen.checks }),
});

/** How a partial refund is remembered with its amount: `<refund id>=<amount>`. */
const refundAmountOf = (refundId: string, amount: number) => `${refundId}=${amount}`;

/**
 * What the reconciler sweeps (see the state diagram in ledger.ts): refunds and partial refunds, which it
 * carries through when their caller stops, and its own later looks at due entries. Each transition is
 * one conditional update; the claims are in dynamo-ledger.ts.
 */
export class LedgerSweep extends LedgerStore {
  /** How long Partnero's look-up by key may lag behind its writes. */
  get lookupLagMs(): number {
    return this.timings.lookupLagMs;
  }

  /** How long between two counts of a doubtful entry's copies. */
  get recheckMs(): number {
    return this.timings.verifyDelayMs * CHECK_GAP_FACTOR;
  }

  /** any → + refund requested, due after a lease; (none) → refunded. Answers the entry as it was. */
  async requestRefund(orderId: string): Promise<LedgerEntry | undefined> {
    const now = this.now();
    const update =
      'SET #refundRequested = :true, #state = if_not_exists(#state, :refunded), #updatedAt = :now, ' +
      '#sweepShard = if_not_exists(#sweepShard, :shard), #sweepAt = if_not_exists(#sweepAt, :due), ' +
      '#expiration = if_not_exists(#expiration, :expiration)';
    const values = { ':true': true, ':refunded': 'refunded', ':now': now, ':shard': shardOf(orderId) };
    const due = { ':due': now + this.timings.leaseMs, ':expiration': expirationOf(now) };
    const result = await this.write(orderId, update, { ...values, ...due }, undefined, true);
    return result.ok ? entryIn(result.old) : undefined;
  }

  /**
   * refund requested → refunded, its copies counted after a verify delay. A claimed order is its holder's
   * to finish (it reverses the refund itself). `reversed`: this call deleted a transaction of it.
   */
  async completeRefund(orderId: string, owner?: string, reversed = false): Promise<void> {
    const now = this.now();
    await this.write(
      orderId,
      `SET #state = :refunded, #updatedAt = :now, #sweepShard = :shard, #sweepAt = :verifyAt${reversed ? ', #reversed = :true' : ''} ` +
        'REMOVE #owner, #leaseUntil, #checks, #trimming',
      {
        ...(reversed ? { ':true': true } : {}),
        ':refunded': 'refunded',
        ':claimed': 'claimed',
        ':owner': owner ?? '\u0000none',
        ':now': now,
        ':shard': shardOf(orderId),
        ':verifyAt': now + this.timings.verifyDelayMs,
      },
      'attribute_exists(#refundRequested) AND (#state <> :claimed OR #owner = :owner)',
    );
  }

  /**
   * recorded, version n → recorded, version n+1, once per refund id: the total grows, and the entry is due
   * after a lease. `refundAmounts` keeps each id with its amount, so the same id with another amount is
   * told apart (an entry written before amounts were kept knows only the id: a duplicate).
   */
  async registerPartialRefund(
    orderId: string,
    refundId: string,
    amount: number,
  ): Promise<PartialRefundRegistration> {
    const now = this.now();
    const result = await this.write(
      orderId,
      'ADD #refundIds :ids, #refundAmounts :idAmount, #refundedTotal :amount, #version :one ' +
        'SET #updatedAt = :now, #sweepShard = :shard, #sweepAt = :due REMOVE #checks',
      {
        ':ids': new Set([refundId]),
        ':idAmount': new Set([refundAmountOf(refundId, amount)]),
        ':id': refundId,
        ':amount': amount,
        ':one': 1,
        ':recorded': 'recorded',
        ':now': now,
        ':shard': shardOf(orderId),
        ':due': now + this.timings.leaseMs,
      },
      '#state = :recorded AND attribute_not_exists(#refundRequested) AND NOT contains(#refundIds, :id)',
      true,
    );
    if (!result.ok) {
      const duplicate = result.current?.refundIds?.SS?.includes(refundId) === true;
      const amounts = result.current?.refundAmounts?.SS;
      const conflict =
        duplicate && amounts !== undefined && !amounts.includes(refundAmountOf(refundId, amount));
      return { registered: false, duplicate, conflict, entry: entryIn(result.current) };
    }
    // What the write made of the entry it found.
    const old = entryOf(result.old ?? {});
    const entry = {
      ...old,
      refundedTotal: (old.refundedTotal ?? 0) + amount,
      version: (old.version ?? 0) + 1,
    };
    return { registered: true, entry };
  }

  /**
   * recorded, version n → versions below n retired. When no later partial refund waits, the order's own
   * key is counted twice more (a late write of it must go too), then the entry leaves the sweep.
   */
  async settleVersions(orderId: string, version: number): Promise<void> {
    const higher = '(attribute_not_exists(#settledVersion) OR #settledVersion < :version)';
    const verifyAt = this.now() + this.timings.verifyDelayMs;
    const latest = await this.write(
      orderId,
      'SET #settledVersion = :version, #sweepAt = :verifyAt REMOVE #checks',
      { ':version': version, ':verifyAt': verifyAt },
      `#version = :version AND ${higher}`,
    );
    if (!latest.ok)
      await this.write(orderId, 'SET #settledVersion = :version', { ':version': version }, higher);
  }

  /** Entries whose `sweepAt` has come, oldest first, at most `limit`, from every shard of the sweep index. */
  async due(limit: number): Promise<LedgerEntry[]> {
    const now = this.now();
    const shards = Array.from({ length: SWEEP_SHARDS }, (_, i) => `sweep#${i}`);
    const pages = await Promise.all(shards.map((shard) => this.dueIn(shard, now, limit)));
    return pages
      .flat()
      .map(entryOf)
      .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
      .slice(0, limit);
  }

  /**
   * due → due later | out of the sweep. After a count of copies: a doubtful entry is counted again every
   * `CHECK_GAP_FACTOR` verify delays until a horizon after its first count; one that wrote at Partnero
   * (`again`) starts those counts again, keeping the trimming mark; `waitUntil` only moves the check
   * later (a trim not quiet yet); after the last count the entry leaves the sweep.
   */
  async settleSweep(seen: LedgerEntry, options: { again?: boolean; waitUntil?: number } = {}) {
    const [id, values, condition] = [seen.orderId, seenValues(seen), unchanged(seen)];
    if (options.waitUntil !== undefined) {
      const later = Math.max(options.waitUntil, (seen.sweepAt ?? 0) + 1);
      await this.write(id, 'SET #sweepAt = :later', { ...values, ':later': later }, condition);
      return;
    }
    // A refused entry's one check already waited for every write in flight to land and show.
    const checks = seen.checks ?? 0;
    const more = (seen.state === 'recorded' || seen.state === 'refunded') && checks < LATER_CHECKS;
    const later = this.now() + this.timings.verifyDelayMs * CHECK_GAP_FACTOR;
    if (options.again === true) {
      // Its own writes may land late too: the counts start again from here, a horizon long (a trim's
      // mark is cleared only once the trim is quiet, see `trimQuietAt`).
      const update = 'SET #sweepAt = :later REMOVE #failures, #checks';
      await this.write(id, update, { ...values, ':later': later }, condition);
    } else if (more) {
      // The next count of a doubtful entry, a few verify delays on; the last a horizon after the first.
      const update = 'SET #sweepAt = :later, #checks = :next REMOVE #failures, #trimming, #trimQuietAt';
      await this.write(id, update, { ...values, ':later': later, ':next': checks + 1 }, condition);
    } else {
      const update = 'REMOVE #sweepShard, #sweepAt, #checks, #failures, #doubt, #trimming, #trimQuietAt';
      await this.write(id, update, values, condition);
    }
  }

  /**
   * due → due later. A sweep could not settle the entry: due again after one verify delay, doubled per
   * failure in a row. Only ever later: refused unless the entry still holds what the sweep read (whoever
   * moved it on scheduled it) and no live claim holds it.
   */
  async postpone(seen: LedgerEntry): Promise<void> {
    const now = this.now();
    const failures = (seen.failures ?? 0) + 1;
    const later = Math.max(now + backoffOf(failures, this.timings), (seen.sweepAt ?? 0) + 1);
    await this.write(
      seen.orderId,
      'SET #sweepAt = :later, #failures = :failures',
      { ...seenValues(seen), ':now': now, ':later': later, ':failures': failures },
      `${unchanged(seen)} AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)`,
    );
  }

  /**
   * recorded → recorded + trimming (this run's token), out of the sweep for a lease so no other run sees
   * it due meanwhile. `trimQuietAt`: when every write this trim may send (all before its lease ends) has
   * landed and shows, only ever later.
   */
  async markTrimming(seen: LedgerEntry, trimmer: string): Promise<LedgerEntry | undefined> {
    const until = this.now() + this.timings.leaseMs;
    const quietAt = Math.max(quietAfter(until, this.timings), seen.trimQuietAt ?? 0);
    const result = await this.write(
      seen.orderId,
      'SET #trimming = :trimmer, #sweepAt = :until, #trimQuietAt = :quiet',
      { ':trimmer': trimmer, ':until': until, ':quiet': quietAt, ...seenValues(seen) },
      unchanged(seen),
    );
    return result.ok ? { ...seen, trimming: true, trimmer, sweepAt: until, trimQuietAt: quietAt } : undefined;
  }

  /**
   * Changes nothing; refused unless the trim still holds: its run's mark, the order recorded, no refund
   * requested and no partial refund since (either retires the order's own transaction).
   */
  async holdsTrim(trim: LedgerEntry): Promise<{ holds: true } | { holds: false; entry?: LedgerEntry }> {
    const version = trim.version === undefined ? 'attribute_not_exists(#version)' : '#version = :version';
    const result = await this.write(
      trim.orderId,
      'SET #trimming = :trimmer',
      {
        ':trimmer': trim.trimmer ?? '',
        ':recorded': 'recorded',
        ...(trim.version === undefined ? {} : { ':version': trim.version }),
      },
      `#trimming = :trimmer AND #state = :recorded AND attribute_not_exists(#refundRequested) AND ${version}`,
    );
    if (result.ok) return { holds: true };
    const entry = entryIn(result.current);
    return entry ? { holds: false, entry } : { holds: false };
  }

  /** rejected in doubt → recorded: its late write landed after all; its copies are counted again later. */
  async adoptLateWrite(seen: LedgerEntry, reward: number): Promise<void> {
    const now = this.now();
    await this.write(
      seen.orderId,
      'SET #state = :recorded, #reward = :reward, #sweepAt = :verifyAt, #updatedAt = :now REMOVE #doubt, #reason, #checks, #failures, #leaseUntil',
      {
        ...seenValues(seen),
        ':recorded': 'recorded',
        ':reward': reward,
        ':verifyAt': now + this.timings.verifyDelayMs,
        ':now': now,
      },
      unchanged(seen),
    );
  }
}
