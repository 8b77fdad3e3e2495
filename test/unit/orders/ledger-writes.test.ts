import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { DynamoOrderLedger } from '#shared/orders/dynamo-ledger.js';
import type { LedgerEntry } from '#shared/orders/ledger.js';
import { LATER_CHECKS } from '#shared/orders/ledger-sweep.js';

/** The reconciler's writes only ever move a check later, and only from the entry as it was read. */
const timings = { leaseMs: 60_000, verifyDelayMs: 60_000, lookupLagMs: 60_000, parkAfterFailures: 16 };
const seen: LedgerEntry = {
  orderId: 'o-1',
  state: 'recorded',
  refundRequested: false,
  sweepAt: 1_000,
  checks: 1,
};

/** A ledger at `now` whose every write succeeds; answers the UpdateItem requests it sent. */
function recording(now: number) {
  const sent: UpdateItemCommandInput[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      sent.push(command.input as UpdateItemCommandInput);
      return {};
    },
  };
  const ledger = new DynamoOrderLedger({ client: client as never, tableName: 't', timings, now: () => now });
  const last = () => sent.at(-1) as UpdateItemCommandInput;
  const due = (name = ':later') => Number(last().ExpressionAttributeValues?.[name]?.N);
  return { ledger, last, due };
}

describe('sweep writes', () => {
  it('postpones only an entry that still holds the due time and check count it read', async () => {
    const { ledger, last } = recording(5_000);
    await ledger.postpone(seen);
    expect(last().ConditionExpression).toContain('#sweepAt = :sweepAt');
    expect(last().ConditionExpression).toContain('#checks = :checks');
    expect(last().ExpressionAttributeValues?.[':sweepAt']).toEqual({ N: '1000' });
    expect(last().ExpressionAttributeValues?.[':checks']).toEqual({ N: '1' });
    await ledger.postpone({ ...seen, checks: undefined });
    expect(last().ConditionExpression).toContain('attribute_not_exists(#checks)');
  });

  it('never moves a check earlier than the one it read', async () => {
    const late = { ...seen, sweepAt: 900_000 };
    const { ledger, due } = recording(5_000);
    await ledger.postpone(late);
    expect(due()).toBeGreaterThan(900_000);
    await ledger.settleSweep(late, { waitUntil: 10_000 });
    expect(due()).toBeGreaterThan(900_000);
  });

  it('counts a doubtful entry every 3 verify delays until the horizon, then lets it go', async () => {
    const { ledger, last, due } = recording(5_000);
    await ledger.settleSweep(seen);
    expect(due()).toBe(5_000 + 3 * 60_000);
    expect(last().ExpressionAttributeValues?.[':next']).toEqual({ N: '2' });
    await ledger.settleSweep({ ...seen, checks: LATER_CHECKS });
    expect(last().UpdateExpression).toMatch(/^REMOVE #sweepShard, #sweepAt/);
  });

  it('keeps a trim quiet at least as long as it was, and starts the counts again after a write', async () => {
    const { ledger, last } = recording(5_000);
    await ledger.markTrimming({ ...seen, trimQuietAt: 2_000_000 }, 'run-1');
    expect(last().ExpressionAttributeValues?.[':quiet']).toEqual({ N: '2000000' });
    await ledger.settleSweep(seen, { again: true });
    expect(last().UpdateExpression).toContain('REMOVE #failures, #checks');
    expect(last().UpdateExpression).not.toContain('#trimming');
  });
});

describe('pipeline writes', () => {
  it('defers a rate-limited order without ever parking it, and parks a customer Partnero keeps not knowing', async () => {
    const { ledger } = recording(1_000);
    const deferral = { reason: 'Too Many Attempts.', doubt: false, failures: 99 };
    expect(await ledger.defer('o-1', 'w', { ...deferral, parkable: false })).toBe('deferred');
    expect(await ledger.defer('o-1', 'w', { ...deferral, parkable: true })).toBe('parked');
    expect(await ledger.defer('o-1', 'w', { ...deferral, failures: 3, parkable: true })).toBe('deferred');
  });

  it('releases a claim in doubt due once the look-up lag has passed since it could last be sent', async () => {
    const { ledger, last, due } = recording(100_000);
    await ledger.release('o-1', 'w', { sentBy: 40_000 });
    expect(last().ExpressionAttributeValues?.[':sentBy']).toEqual({ N: '40000' });
    expect(due(':due')).toBe(100_000);
  });
});
