import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { faultsFired, runSchedules, type ScheduleResult } from '#test/chaos/harness.js';
import { PROFILE_NAMES } from '#test/chaos/profiles.js';
import { type OrdersWorld, startOrdersWorld } from '#test/support/orders-world.js';

/**
 * A small subset of the seeded fault schedules of the real money path against an adversarial Partnero
 * (see test/chaos/harness.ts), every fault profile included; the long run is `npm run chaos` (10,000
 * counted schedules). The summary goes to test-results/chaos.json.
 */
const SCHEDULES = Number(process.env.CHAOS_SCHEDULES ?? 40);
const FIRST_SEED = Number(process.env.CHAOS_SEED ?? 1);

let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld({ seed: FIRST_SEED });
});
afterAll(() => world.close());

describe('money under an adversarial Partnero', () => {
  it(`keeps every balance right over ${SCHEDULES} randomized schedules`, async () => {
    const results: ScheduleResult[] = await runSchedules(world, FIRST_SEED, SCHEDULES);
    const failing = results.filter((r) => r.errors.length > 0);
    const sum = (pick: (r: ScheduleResult) => number) => results.reduce((a, r) => a + pick(r), 0);
    const summary = {
      schedules: results.length,
      counted: results.filter((r) => faultsFired(r) > 0).length,
      firstSeed: FIRST_SEED,
      profiles: [...new Set(results.map((r) => r.profile))],
      orders: sum((r) => r.orders),
      partialRefunds: sum((r) => r.partialRefunds),
      messages: sum((r) => r.messages),
      invocations: sum((r) => r.invocations),
      stops: sum((r) => r.stops),
      longestDuplicateMs: Math.max(...results.map((r) => r.longestDuplicateMs)),
      failing: failing.map((r) => ({ seed: r.seed, profile: r.profile, errors: r.errors })),
    };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/chaos.json', `${JSON.stringify(summary, null, 2)}\n`);
    expect(summary.failing).toEqual([]);
    expect(summary.profiles.sort()).toEqual([...PROFILE_NAMES].sort());
    expect(summary.counted).toBe(summary.schedules);
    expect(summary.stops).toBeGreaterThan(0);
    expect(summary.partialRefunds).toBeGreaterThan(0);
    // A guard against a hang, not a speed check: the run takes about a minute beside the other suites on
    // two busy cores (CI's slowest test), so the limit leaves it six times that.
  }, 360_000);
});
