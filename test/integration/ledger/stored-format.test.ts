import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoOrderLedger } from '#shared/orders/dynamo-ledger.js';
import type { LedgerTimings } from '#shared/orders/ledger.js';
import { entryOf, type Item } from '#shared/orders/ledger-store.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';

/**
 * Ledger items as stored before the ledger used util-dynamodb: a run of every transition (claims,
 * takeovers, releases, rejections, deferrals, parking, refunds, partial refunds, the sweep, trims),
 * recorded with the hand-written codecs it had then, plus items earlier versions wrote (a plain
 * `trimming: true`, refund ids without amounts, no `action`). Each step: the call, its answer and the
 * items it changed; `entries`: every recorded item, in order, as the ledger read it.
 */
interface Step {
  at: number;
  op: string;
  args: unknown[];
  ids: string[];
  result?: unknown;
  items?: Record<string, Item | null>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/ledger/stored-items.json', import.meta.url), 'utf8'),
) as { start: number; timings: LedgerTimings; steps: Step[]; entries: unknown[] };

/** Every item the run stored, in order. */
const storedItems = fixture.steps.flatMap((step) =>
  Object.values(step.items ?? {}).filter((item): item is Item => item !== null),
);
/** Answers as JSON holds them (no `undefined` members). */
const asRecorded = (value: unknown) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

describe('ledger items stored in the format of earlier versions', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo.close());

  it('read as the entries the hand-written codecs made of them', () => {
    expect(storedItems).toHaveLength(fixture.entries.length);
    storedItems.forEach((item, i) => {
      expect(entryOf(item)).toEqual(fixture.entries[i]);
    });
  });

  it('are written the same by every transition: same answers, same items', async () => {
    let clock = fixture.start;
    const ledger = new DynamoOrderLedger({
      client: dynamo.client(1),
      tableName: TEST_TABLES.orderLedger,
      timings: fixture.timings,
      now: () => clock,
    });
    const table = dynamo.db.table(TEST_TABLES.orderLedger);
    const stored = (id: string) => table.all().find((item) => item.id?.S === `order#${id}`) ?? null;
    const expected = new Map<string, Item | null>();
    for (const [i, step] of fixture.steps.entries()) {
      clock = fixture.start + step.at;
      const call = (ledger as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[step.op];
      const result =
        step.op === 'put'
          ? table.put(step.args[0] as never) && undefined
          : await call?.apply(ledger, step.args);
      expect({ step: i, op: step.op, result: asRecorded(result) }).toEqual({
        step: i,
        op: step.op,
        result: step.result,
      });
      for (const [id, item] of Object.entries(step.items ?? {})) expected.set(id, item);
      for (const id of step.ids) {
        expect({ step: i, id, item: stored(id) }).toEqual({ step: i, id, item: expected.get(id) ?? null });
      }
    }
  });
});
