import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runSchedules, type ScheduleResult } from '#test/chaos/harness.js';
import { type OrdersWorld, startOrdersWorld } from '#test/support/orders-world.js';

/**
 * A few hundred seeded fault schedules of the real money path (see test/chaos/harness.ts); the long
 * run is `npm run chaos` (5,000+). The summary goes to test-results/chaos.json.
 */
const SCHEDULES = Number(process.env.CHAOS_SCHEDULES ?? 250);
const FIRST_SEED = Number(process.env.CHAOS_SEED ?? 1);

let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld({ seed: FIRST_SEED });
});
afterAll(() => world.close());

describe('money under faults', () => {
  it(`keeps every balance right over ${SCHEDULES} randomized schedules`, async () => {
    const results: ScheduleResult[] = await runSchedules(world, FIRST_SEED, SCHEDULES);
    const failing = results.filter((r) => r.errors.length > 0);
    const sum = (key: 'orders' | 'partialRefunds' | 'messages' | 'invocations' | 'crashes') =>
      results.reduce((a, r) => a + r[key], 0);
    const summary = {
      schedules: results.length,
      firstSeed: FIRST_SEED,
      orders: sum('orders'),
      partialRefunds: sum('partialRefunds'),
      messages: sum('messages'),
      invocations: sum('invocations'),
      crashes: sum('crashes'),
      failing: failing.map((r) => ({ seed: r.seed, errors: r.errors })),
    };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/chaos.json', `${JSON.stringify(summary, null, 2)}\n`);
    expect(summary.failing).toEqual([]);
    expect(summary.crashes).toBeGreaterThan(0);
    expect(summary.partialRefunds).toBeGreaterThan(0);
  }, 240_000);
});
