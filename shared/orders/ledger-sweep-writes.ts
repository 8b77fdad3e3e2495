import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LedgerEntry, LedgerTimings } from './ledger.js';
import { backoffOf, CHECK_GAP_FACTOR, LATER_CHECKS, N, S } from './ledger-items.js';
import type { Write } from './ledger-table.js';

/**
 * The reconciler's transitions of a ledger entry, each one conditional update that is refused when
 * someone else moved the entry on meanwhile. Pure, like ledger-writes.ts: `LedgerTable` sends them.
 */

/**
 * The condition that an entry is still as the reconciler saw it: its state, refund flag, due time and
 * check count. A run that read it stale (an overlapping run moved it on, or the sweep index lagged) is
 * refused, so a scheduled check only ever moves later.
 */
const unchanged = (seen: LedgerEntry) =>
  `#state = :state AND #sweepAt = :sweepAt AND ${seen.refundRequested ? 'attribute_exists' : 'attribute_not_exists'}(#refundRequested) AND ${
    seen.checks === undefined ? 'attribute_not_exists(#checks)' : '#checks = :checks'
  }`;
const seenValues = (seen: LedgerEntry): Record<string, AttributeValue> => ({
  ':state': S(seen.state),
  ':sweepAt': N(seen.sweepAt ?? 0),
  ...(seen.checks === undefined ? {} : { ':checks': N(seen.checks) }),
});

/**
 * After a check: a doubtful entry is counted again every `CHECK_GAP_FACTOR` verify delays until a horizon
 * after its first count; one that wrote at Partnero (`wrote`) starts those counts again, keeping the
 * trimming mark; `waitUntil` only moves the check later (a trim not quiet yet); after the last count the
 * entry leaves the sweep.
 */
export function settleSweepWrite(
  seen: LedgerEntry,
  now: number,
  timings: LedgerTimings,
  options: { wrote?: boolean; waitUntil?: number } = {},
): Write {
  if (options.waitUntil !== undefined) {
    return {
      update: 'SET #sweepAt = :later',
      values: { ...seenValues(seen), ':later': N(Math.max(options.waitUntil, (seen.sweepAt ?? 0) + 1)) },
      condition: unchanged(seen),
    };
  }
  const wrote = options.wrote === true;
  // A refused entry's one check already waited for every write in flight to land and show.
  const checks = seen.checks ?? 0;
  const more = (seen.state === 'recorded' || seen.state === 'refunded') && checks < LATER_CHECKS;
  if (!more && !wrote) {
    return {
      update: 'REMOVE #sweepShard, #sweepAt, #checks, #failures, #doubt, #trimming, #trimQuietAt',
      values: seenValues(seen),
      condition: unchanged(seen),
    };
  }
  if (wrote) {
    // Its own writes may land late too: the counts start again from here, a horizon long (a trim's
    // mark is cleared only once the trim is quiet, see `trimQuietAt`).
    return {
      update: 'SET #sweepAt = :later REMOVE #failures, #checks',
      values: { ...seenValues(seen), ':later': N(now + timings.verifyDelayMs * CHECK_GAP_FACTOR) },
      condition: unchanged(seen),
    };
  }
  // The next count of a doubtful entry, a few verify delays on; the last a horizon after the first.
  return {
    update: 'SET #sweepAt = :later, #checks = :next REMOVE #failures, #trimming, #trimQuietAt',
    values: {
      ...seenValues(seen),
      ':later': N(now + timings.verifyDelayMs * CHECK_GAP_FACTOR),
      ':next': N(checks + 1),
    },
    condition: unchanged(seen),
  };
}

/**
 * A sweep could not settle the entry: due again after one verify delay, doubled per failure in a row.
 * Only ever later: refused unless the entry still holds what the sweep read (state, refund flag, due time
 * and check count; whoever moved it on scheduled it) and no live claim holds it.
 */
export function postponeWrite(seen: LedgerEntry, now: number, timings: LedgerTimings): Write {
  const failures = (seen.failures ?? 0) + 1;
  const later = Math.max(now + backoffOf(failures, timings), (seen.sweepAt ?? 0) + 1);
  return {
    update: 'SET #sweepAt = :later, #failures = :failures',
    values: { ...seenValues(seen), ':now': N(now), ':later': N(later), ':failures': N(failures) },
    condition: `${unchanged(seen)} AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)`,
  };
}

/**
 * Takes the trim for one reconciler run, out of the sweep for a lease (no other run sees it due
 * meanwhile). `quietAt`: when every write this trim may send has landed and shows (only ever later).
 */
export const markTrimmingWrite = (
  seen: LedgerEntry,
  trimmer: string,
  until: number,
  quietAt: number,
): Write => ({
  update: 'SET #trimming = :trimmer, #sweepAt = :until, #trimQuietAt = :quiet',
  values: {
    ':trimmer': S(trimmer),
    ':until': N(until),
    ':quiet': N(Math.max(quietAt, seen.trimQuietAt ?? 0)),
    ...seenValues(seen),
  },
  condition: unchanged(seen),
});

/**
 * Changes nothing; refused unless the trim `trim` took still holds: its run's mark, the order recorded,
 * no refund requested and no partial refund since (either retires the order's own transaction).
 */
export function holdsTrimWrite(trim: LedgerEntry): Write {
  const version = trim.version === undefined ? 'attribute_not_exists(#version)' : '#version = :version';
  return {
    update: 'SET #trimming = :trimmer',
    values: {
      ':trimmer': S(trim.trimmer ?? ''),
      ':recorded': S('recorded'),
      ...(trim.version === undefined ? {} : { ':version': N(trim.version) }),
    },
    condition: `#trimming = :trimmer AND #state = :recorded AND attribute_not_exists(#refundRequested) AND ${version}`,
  };
}

/** A rejected order's doubtful attempt landed after all: recorded, and its copies counted again later. */
export const adoptLateWriteWrite = (
  seen: LedgerEntry,
  reward: number,
  now: number,
  timings: LedgerTimings,
): Write => ({
  update:
    'SET #state = :recorded, #reward = :reward, #sweepAt = :verifyAt, #updatedAt = :now REMOVE #doubt, #reason, #checks, #failures, #leaseUntil',
  values: {
    ...seenValues(seen),
    ':recorded': S('recorded'),
    ':reward': N(reward),
    ':verifyAt': N(now + timings.verifyDelayMs),
    ':now': N(now),
  },
  condition: unchanged(seen),
});

/**
 * Versions below `version` are retired. When no later partial refund waits, the entry's copies of the
 * order's own key are counted twice more (a late write of it must go too), then it leaves the sweep.
 */
export function settleVersionsWrite(
  version: number,
  now: number,
  timings: LedgerTimings,
  latest: boolean,
): Write {
  const higher = '(attribute_not_exists(#settledVersion) OR #settledVersion < :version)';
  return latest
    ? {
        update: 'SET #settledVersion = :version, #sweepAt = :verifyAt REMOVE #checks',
        values: { ':version': N(version), ':verifyAt': N(now + timings.verifyDelayMs) },
        condition: `#version = :version AND ${higher}`,
      }
    : { update: 'SET #settledVersion = :version', values: { ':version': N(version) }, condition: higher };
}
