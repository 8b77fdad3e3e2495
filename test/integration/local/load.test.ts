import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runLoad } from '#bench/load/run-load.js';
import { startTestSystem } from './helpers.js';

// A small run of `npm run bench:load`: every request answered, no 5xx, no errors, every enrolment in
// the sandbox. No timing is asserted (budgets live in the bench).
let env: Awaited<ReturnType<typeof startTestSystem>>;
beforeAll(async () => {
  env = await startTestSystem({ reconcilerIntervalMs: 0 });
});
afterAll(async () => {
  await env.system.close();
});

describe('the local gateway under a bounded load (autocannon)', () => {
  it('answers every sign-up and dashboard request without a 5xx, and enrols every user once', async () => {
    const requests = 150;
    const run = await runLoad(env.system, { requests, connections: 5, prefix: 'load-test' });

    expect(run.failures).toEqual([]);
    expect(run.routes.map((r) => r.route)).toEqual(['POST /referrals/signup', 'GET /referrals/me']);
    for (const route of run.routes) {
      expect(route).toMatchObject({ requests, answered: requests, errors: 0, timeouts: 0 });
      expect(route.non2xx).toEqual({ '4xx': 0, '5xx': 0, other: 0 });
    }
    expect(run.routes[0]?.statuses).toEqual({ 201: requests });
    expect(run.routes[1]?.statuses).toEqual({ 200: requests });
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    const referred = env.system.sandbox.store.referralsOf(
      env.system.sandbox.store.byKey(run.referrer)?.uid ?? 'none',
    );
    expect(referred).toHaveLength(requests);
  }, 120_000);
});
