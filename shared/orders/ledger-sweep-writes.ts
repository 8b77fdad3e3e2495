import type { LedgerEntry, LedgerTimings } from './ledger.js';
import { N, S, SECOND_CHECK_FACTOR } from './ledger-items.js';
import type { Write } from './ledger-table.js';

/**
 * The reconciler's transitions of a ledger entry, each one conditional update that is refused when
 * someone else moved the entry on meanwhile. Pure, like ledger-writes.ts: `LedgerTable` sends them.
 */

/** The condition that an entry is still as the reconciler saw it. */
const unchanged = (seen: LedgerEntry) =>
  `#state = :state AND #sweepAt = :sweepAt AND ${seen.refundRequested ? 'attribute_exists' : 'attribute_not_exists'}(#refundRequested)`;
const seenValues = (seen: LedgerEntry) => ({ ':state': S(seen.state), ':sweepAt': N(seen.sweepAt ?? 0) });

/**
 * After a check: the first of a doubtful entry schedules the second; one that wrote at Partnero
 * (`wrote`) schedules another and keeps the trimming mark; otherwise the entry leaves the sweep.
 */
export function settleSweepWrite(
  seen: LedgerEntry,
  now: number,
  timings: LedgerTimings,
  wrote = false,
): Write {
  // A rejected entry's one check already waited for every write in flight to land.
  const first = (seen.state === 'recorded' || seen.state === 'refunded') && (seen.checks ?? 0) === 0;
  if (!first && !wrote) {
    return {
      update: 'REMOVE #sweepShard, #sweepAt, #checks, #failures, #doubt, #trimming',
      values: seenValues(seen),
      condition: unchanged(seen),
    };
  }
  return {
    update: wrote
      ? 'SET #sweepAt = :later, #checks = :one REMOVE #failures'
      : 'SET #sweepAt = :later, #checks = :one REMOVE #failures, #trimming',
    values: {
      ...seenValues(seen),
      ':later': N(now + timings.verifyDelayMs * SECOND_CHECK_FACTOR),
      ':one': N(1),
    },
    condition: unchanged(seen),
  };
}

/**
 * A sweep could not settle the entry: due again after one verify delay, doubled per failure in a row.
 * Its sweep time may have moved meanwhile (a released claim is due at once, a trim a lease on), so the
 * condition is only that nothing else holds it: the same state and refund flag, still in the sweep, and
 * no live claim.
 */
export function postponeWrite(seen: LedgerEntry, now: number, timings: LedgerTimings): Write {
  const failures = (seen.failures ?? 0) + 1;
  const delay = Math.min(
    timings.verifyDelayMs * 2 ** (failures - 1),
    timings.verifyDelayMs * SECOND_CHECK_FACTOR,
  );
  const refund = seen.refundRequested ? 'attribute_exists' : 'attribute_not_exists';
  return {
    update: 'SET #sweepAt = :later, #failures = :failures',
    values: { ':state': S(seen.state), ':now': N(now), ':later': N(now + delay), ':failures': N(failures) },
    condition:
      `#state = :state AND ${refund}(#refundRequested) AND attribute_exists(#sweepShard) AND ` +
      '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
  };
}

/** Takes the trim for one reconciler run, out of the sweep for a lease (no other run sees it due meanwhile). */
export const markTrimmingWrite = (seen: LedgerEntry, trimmer: string, until: number): Write => ({
  update: 'SET #trimming = :trimmer, #sweepAt = :until',
  values: { ':trimmer': S(trimmer), ':until': N(until), ...seenValues(seen) },
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
    'SET #state = :recorded, #reward = :reward, #sweepAt = :verifyAt, #updatedAt = :now REMOVE #doubt, #reason, #checks',
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
