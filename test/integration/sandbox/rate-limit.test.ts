import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { HttpError } from '#local/sandbox/errors.js';
import { RateLimit, type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, seedReferral } from './helpers.js';

/** A clock the test moves by hand, so no assertion depends on how long anything takes. */
function manualClock() {
  const clock = { ms: 1_000, now: () => clock.ms };
  return clock;
}

describe('RateLimit (token bucket)', () => {
  it('admits a burst, then refuses with the whole seconds until the next token', () => {
    const clock = manualClock();
    const limit = new RateLimit({ requestsPerSecond: 2, burst: 3 }, clock.now);
    expect([limit.take(), limit.take(), limit.take()].map((d) => d.ok)).toEqual([true, true, true]);
    expect(limit.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.ms += 499;
    expect(limit.take().ok).toBe(false);
    clock.ms += 1;
    expect(limit.take()).toEqual({ ok: true, remaining: 0 });
    expect(limit.limited).toBe(2);
  });

  it('sustains requestsPerSecond on average: a refused request takes no token', () => {
    const clock = manualClock();
    const limit = new RateLimit({ requestsPerSecond: 10, burst: 1 }, clock.now);
    let admitted = 0;
    // 100 requests per second for 10 seconds against 10 per second.
    for (let i = 0; i < 1000; i++) {
      if (limit.take().ok) admitted += 1;
      clock.ms += 10;
    }
    expect(admitted).toBe(100);
    expect(limit.limited).toBe(900);
  });

  it('never holds more than the burst after an idle spell', () => {
    const clock = manualClock();
    const limit = new RateLimit({ requestsPerSecond: 5, burst: 2 }, clock.now);
    clock.ms += 60_000;
    expect([limit.take(), limit.take(), limit.take()].map((d) => d.ok)).toEqual([true, true, false]);
  });

  it('rounds Retry-After up to whole seconds for slow rates; burst defaults to ⌈rate⌉', () => {
    const clock = manualClock();
    const slow = new RateLimit({ requestsPerSecond: 0.25 }, clock.now);
    expect(slow.settings).toEqual({ requestsPerSecond: 0.25, burst: 1 });
    expect(slow.take().ok).toBe(true);
    expect(slow.take()).toEqual({ ok: false, retryAfterSeconds: 4 });
    expect(new RateLimit({ requestsPerSecond: 7.5 }).settings).toEqual({ requestsPerSecond: 7.5, burst: 8 });
  });

  it('is off by default and when set to null', () => {
    const limit = new RateLimit();
    expect(limit.settings).toBeNull();
    for (let i = 0; i < 100; i++) expect(limit.take().ok).toBe(true);
    limit.set({ requestsPerSecond: 1, burst: 1 });
    limit.set(null);
    expect(limit.take().ok).toBe(true);
    expect(limit.limited).toBe(0);
  });

  it('refuses invalid settings with a 422', () => {
    const limit = new RateLimit();
    for (const bad of [{ requestsPerSecond: 0 }, { requestsPerSecond: 5, burst: 1.5 }, {}]) {
      expect(() => limit.set(bad as never)).toThrow(HttpError);
    }
    expect(limit.settings).toBeNull();
  });
});

describe('sandbox API with a rate limit', () => {
  let sb: RunningSandbox;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    // One token per 100 s: after the burst, nothing refills within the test.
    sb = await startSandbox({ port: 0, rateLimit: { requestsPerSecond: 0.01, burst: 2 } });
    api = apiClient(sb);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    await control(sb, 'POST', 'reset');
  });

  it('answers 429 Too Many Attempts with Retry-After once the burst is spent, and applies nothing', async () => {
    await seedReferral(api);
    const throttled = await api('POST', '/transactions', {
      customer: { key: 'alice' },
      key: 'o1',
      amount: 5,
      action: 'sale',
    });
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ status: 0, message: 'Too Many Attempts.' });
    expect(throttled.headers.get('retry-after')).toBe('100');
    expect((await control(sb, 'GET', 'state')).body.transactions).toEqual([]);
    expect((await control(sb, 'GET', 'rate-limit')).body).toEqual({
      requestsPerSecond: 0.01,
      burst: 2,
      limited: 1,
    });
    // Throttled requests are still requests Partnero saw.
    expect((await control(sb, 'GET', 'requests')).body.total).toBe(3);
  });

  it('throttles before faults: a throttled request consumes no fault rule', async () => {
    await api('GET', '/customers');
    await api('GET', '/customers');
    await control(sb, 'POST', 'faults', { kinds: ['500'], count: 1 });
    expect((await api('GET', '/customers')).status).toBe(429);
    expect((await control(sb, 'GET', 'faults')).body.rules).toHaveLength(1);
  });

  it('is switched off, on and refused from the control API; a reset restores the start options', async () => {
    expect((await control(sb, 'DELETE', 'rate-limit')).body).toEqual({ requestsPerSecond: null, limited: 0 });
    for (let i = 0; i < 5; i++) expect((await api('GET', '/customers')).status).toBe(200);
    const on = await control(sb, 'PUT', 'rate-limit', { requestsPerSecond: 0.01, burst: 1 });
    expect(on.body).toEqual({ requestsPerSecond: 0.01, burst: 1, limited: 0 });
    expect((await api('GET', '/customers')).status).toBe(200);
    expect((await api('GET', '/customers')).status).toBe(429);
    expect((await control(sb, 'PUT', 'rate-limit', { requestsPerSecond: -1 })).status).toBe(422);
    expect((await control(sb, 'PUT', 'rate-limit', { requestsPerSecond: null })).body.requestsPerSecond).toBe(
      null,
    );
    await control(sb, 'POST', 'reset');
    expect(sb.rateLimit.settings).toEqual({ requestsPerSecond: 0.01, burst: 2 });
  });
});

describe('sandbox API without a rate limit (the default)', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ port: 0 });
  });
  afterAll(() => sb.close());

  it('never throttles, and can be limited from code', async () => {
    const api = apiClient(sb);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => api('GET', '/customers')));
    expect(statuses.every((r) => r.status === 200)).toBe(true);
    expect((await control(sb, 'GET', 'rate-limit')).body).toEqual({ requestsPerSecond: null, limited: 0 });
    sb.rateLimit.set({ requestsPerSecond: 0.01, burst: 1 });
    expect((await api('GET', '/customers')).status).toBe(200);
    expect((await api('GET', '/customers')).status).toBe(429);
    sb.rateLimit.set(null);
    expect((await api('GET', '/customers')).status).toBe(200);
  });
});
