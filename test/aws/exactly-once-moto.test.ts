/**
 * The exactly-once schedules of test/chaos (duplicates, reordering, crashes between any two calls,
 * Partnero faults and late commits, DynamoDB throttles and writes that commit then fail) against moto's
 * DynamoDB instead of our twin: the money must come out right on an implementation we did not write.
 * The long run on the twin is `npm run chaos`; this one is small (MOTO_SCHEDULES, default 6: each
 * schedule makes hundreds of DynamoDB calls, and moto answers one in about 5 ms; `MOTO_SCHEDULES=200
 * npm run test:aws` for a longer run).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { LocalDynamoDb } from '#local/aws/dynamodb/index.js';
import { runSchedules } from '#test/chaos/harness.js';
import { describeWithTool, type MotoServer, startMoto } from '#test/support/moto-server.js';
import { type OrdersWorld, startOrdersWorld } from '#test/support/orders-world.js';
import { motoDynamo } from './moto-dynamo.js';

const SCHEDULES = Number(process.env.MOTO_SCHEDULES ?? 6);
const FIRST_SEED = Number(process.env.MOTO_SEED ?? 1);

describeWithTool('moto_server', 'exactly once on moto’s DynamoDB', () => {
  let moto: MotoServer;
  let world: OrdersWorld;
  let twin: LocalDynamoDb;

  beforeAll(async () => {
    moto = await startMoto();
    world = await startOrdersWorld({ seed: FIRST_SEED });
    // The world's DynamoDB becomes moto's: every member of `world.dynamo` is replaced in place, so the
    // world's own ledger, reset and reads (which hold that object) all go to moto from now on.
    twin = world.dynamo.db;
    await world.dynamo.close();
    Object.assign(world.dynamo, await motoDynamo(moto, FIRST_SEED + 1));
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await moto?.stop();
  });

  // A schedule takes a few seconds on moto (longer on a busy machine): the limit grows with the count.
  it(
    `keeps every balance right over ${SCHEDULES} randomized schedules`,
    async () => {
      const results = await runSchedules(world, FIRST_SEED, SCHEDULES);
      const failing = results
        .filter((r) => r.errors.length > 0)
        .map((r) => ({ seed: r.seed, errors: r.errors }));
      // A failing schedule's orders in full: ledger item, rows at Partnero, every call about them.
      for (const r of results)
        if (r.details) process.stderr.write(`\nseed ${r.seed} (${r.profile}):\n${r.details}\n`);
      expect(failing).toEqual([]);
      expect(results.reduce((n, r) => n + r.invocations, 0)).toBeGreaterThan(SCHEDULES);
      // It ran on moto: the last schedule's ledger is there, and the twin saw no call at all.
      expect(world.dynamo.ledgerItems().length).toBeGreaterThan(0);
      expect(twin.calls).toEqual({});
    },
    Math.max(120_000, SCHEDULES * 15_000),
  );
});
