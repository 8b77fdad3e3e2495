/**
 * Our local DynamoDB against moto: property-based sequences of the order ledger's transitions (claims,
 * settles, refunds, partial refunds, sweeps, conflicting writes and transactions), of Powertools'
 * idempotency records behind the manual credit, and of the webhook dedup, each sent through a tee to
 * both endpoints. Every answer (items, returned attributes, error codes, the `Item` of a refused
 * condition, cancellation reasons) and the tables after every step must be the same.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TableNames } from '#local/project-tables.js';
import { describeWithTool } from '#test/support/moto-server.js';
import { differentialRuns } from './differential-runs.js';
import { gapsSeen, teeCalls } from './dynamo-tee.js';
import { layoutOf, startTwinAndMoto, type TwinAndMoto } from './twin-and-moto.js';

const RUNS = process.env.DIFFERENTIAL_RUNS ? Number(process.env.DIFFERENTIAL_RUNS) : undefined;

describeWithTool('moto_server', 'local DynamoDB against moto', () => {
  let env: TwinAndMoto;
  beforeAll(async () => {
    env = await startTwinAndMoto();
  }, 60_000);
  afterAll(async () => {
    console.info(
      `DynamoDB commands compared with moto: ${JSON.stringify(teeCalls)}; differences explained by a known moto gap: ${JSON.stringify(gapsSeen)}`,
    );
    await env?.close();
  });

  it('lays the project tables out the same (keys, sweep index, TTL)', async () => {
    const names = { idempotency: 'layout-idempotency', orderLedger: 'layout-ledger' };
    await env.createTables(names);
    for (const table of Object.values(names)) {
      expect(await layoutOf(env.twinUrl, table)).toEqual(await layoutOf(env.moto.url, table));
    }
    await env.deleteTables(names);
  });

  for (const [kind, run] of Object.entries(differentialRuns)) {
    const runs = RUNS ?? run.runs;
    it(`answers ${runs} sequences of ${kind} as moto does`, async () => {
      const names: TableNames = { idempotency: `${run.slug}-idempotency`, orderLedger: `${run.slug}-ledger` };
      await env.createTables(names);
      await fc.assert(
        fc.asyncProperty(run.steps, async (steps) => {
          await env.clearTables(names);
          const tee = env.tee();
          env.divergences.length = 0;
          try {
            await run.execute(steps, { client: tee.client, names }, async (label) => {
              const table = names[run.table] as string;
              const { twin, moto } = await env.items(table);
              expect({ after: label, table, items: twin }).toEqual({ after: label, table, items: moto });
              expect(env.divergences).toEqual([]);
            });
          } finally {
            tee.destroy();
          }
        }),
        { numRuns: runs },
      );
      await env.deleteTables(names);
    }, 600_000);
  }
});
