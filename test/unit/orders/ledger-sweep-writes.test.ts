import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '#shared/orders/ledger.js';
import { LATER_CHECKS } from '#shared/orders/ledger-items.js';
import { markTrimmingWrite, postponeWrite, settleSweepWrite } from '#shared/orders/ledger-sweep-writes.js';
import { deferWrite, releaseWrite } from '#shared/orders/ledger-writes.js';

/** The reconciler's writes only ever move a check later, and only from the entry as it was read. */
const timings = { leaseMs: 60_000, verifyDelayMs: 60_000, lookupLagMs: 60_000, parkAfterFailures: 16 };
const seen: LedgerEntry = {
  orderId: 'o-1',
  state: 'recorded',
  refundRequested: false,
  sweepAt: 1_000,
  checks: 1,
};
const due = (write: { values: Record<string, { N?: string }> }, name = ':later') =>
  Number(write.values[name]?.N);

describe('sweep writes', () => {
  it('postpones only an entry that still holds the due time and check count it read', () => {
    const write = postponeWrite(seen, 5_000, timings);
    expect(write.condition).toContain('#sweepAt = :sweepAt');
    expect(write.condition).toContain('#checks = :checks');
    expect(write.values[':sweepAt']).toEqual({ N: '1000' });
    expect(write.values[':checks']).toEqual({ N: '1' });
    expect(postponeWrite({ ...seen, checks: undefined }, 5_000, timings).condition).toContain(
      'attribute_not_exists(#checks)',
    );
  });

  it('never moves a check earlier than the one it read', () => {
    const late = { ...seen, sweepAt: 900_000 };
    expect(due(postponeWrite(late, 5_000, timings))).toBeGreaterThan(900_000);
    expect(due(settleSweepWrite(late, 5_000, timings, { waitUntil: 10_000 }))).toBeGreaterThan(900_000);
  });

  it('counts a doubtful entry every 3 verify delays until the horizon, then lets it go', () => {
    const next = settleSweepWrite(seen, 5_000, timings);
    expect(due(next)).toBe(5_000 + 3 * 60_000);
    expect(next.values[':next']).toEqual({ N: '2' });
    const last = settleSweepWrite({ ...seen, checks: LATER_CHECKS }, 5_000, timings);
    expect(last.update).toMatch(/^REMOVE #sweepShard, #sweepAt/);
  });

  it('keeps a trim quiet at least as long as it was, and starts the counts again after a write', () => {
    const trim = markTrimmingWrite({ ...seen, trimQuietAt: 2_000_000 }, 'run-1', 70_000, 1_500_000);
    expect(trim.values[':quiet']).toEqual({ N: '2000000' });
    const wrote = settleSweepWrite(seen, 5_000, timings, { wrote: true });
    expect(wrote.update).toContain('REMOVE #failures, #checks');
    expect(wrote.update).not.toContain('#trimming');
  });
});

describe('pipeline writes', () => {
  it('defers a rate-limited order without ever parking it, and parks a customer Partnero keeps not knowing', () => {
    const deferral = { reason: 'Too Many Attempts.', doubt: false, failures: 99 };
    expect(deferWrite({ ...deferral, parkable: false }, 'w', 1_000, timings).state).toBe('deferred');
    expect(deferWrite({ ...deferral, parkable: true }, 'w', 1_000, timings).state).toBe('parked');
    expect(deferWrite({ ...deferral, failures: 3, parkable: true }, 'w', 1_000, timings).state).toBe(
      'deferred',
    );
  });

  it('releases a claim in doubt due once the look-up lag has passed since it could last be sent', () => {
    const write = releaseWrite('w', 100_000, timings, { sentBy: 40_000 });
    expect(write.values[':sentBy']).toEqual({ N: '40000' });
    expect(due(write, ':due')).toBe(100_000);
  });
});
