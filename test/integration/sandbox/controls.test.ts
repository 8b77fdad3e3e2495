import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control, seedReferral } from './helpers.js';

let sb: RunningSandbox;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  api = apiClient(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
  await control(sb, 'POST', 'reset');
});

describe('stats and clicks', () => {
  it('counts clicks from the click endpoint, signups, referrals and paid referrals', async () => {
    await seedReferral(api);
    await api('POST', '/customers', { key: 'carl', referring_customer: { key: 'bob' } });
    await api('POST', '/transactions', { customer: { key: 'alice' }, key: 'o1', amount: 5, action: 'sale' });
    for (let i = 0; i < 3; i++) {
      const click = await fetch(`${sb.url}/__sandbox/click?key=bob`);
      expect(click.status).toBe(204);
      expect(click.headers.get('access-control-allow-origin')).toBe('*');
    }
    await fetch(`${sb.url}/__sandbox/click?key=ghost`);
    await api('DELETE', '/customers/carl');

    const stats = (await api('GET', '/customers/bob/stats')).body.data;
    expect(stats).toMatchObject({ clicks: 3, signups: 2, referrals: 1, paid_referrals: 1 });
    expect(stats.social_sharing.twitter).toContain(encodeURIComponent('http://localhost:3000/?ref=bob'));
  });
});

describe('test controls', () => {
  it('resets state and exposes it', async () => {
    await seedReferral(api);
    const state = (await control(sb, 'GET', 'state')).body;
    expect(state.customers.map((c: { key: string }) => c.key)).toEqual(['bob', 'alice']);
    expect(state.transactions).toEqual([]);
    expect(state.requests.total).toBe(2);
    await control(sb, 'POST', 'reset');
    expect((await control(sb, 'GET', 'state')).body.customers).toEqual([]);
  });

  it('counts API requests by method and path template', async () => {
    await api('POST', '/customers', { key: 'alice' });
    await api('GET', '/customers/alice');
    await api('GET', '/customers/a%2Fb');
    await api('GET', '/customers/alice/balance');
    await api('GET', '/nowhere');
    const requests = (await control(sb, 'GET', 'requests')).body;
    expect(requests).toEqual({
      total: 5,
      byRoute: {
        'POST /v1/customers': 1,
        'GET /v1/customers/{id}': 2,
        'GET /v1/customers/{id}/balance': 1,
        'GET /v1/(unknown)': 1,
      },
    });
    await control(sb, 'POST', 'requests/reset');
    expect((await control(sb, 'GET', 'requests')).body).toEqual({ total: 0, byRoute: {} });
  });

  it('validates the fault configuration', async () => {
    const res = await control(sb, 'POST', 'faults', { rate: 2, kinds: ['418'] });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors).sort()).toEqual(['kinds', 'rate']);
  });

  it('sets a global latency that still answers normally', async () => {
    expect((await control(sb, 'POST', 'latency', { ms: 20 })).body).toEqual({ ms: 20 });
    expect((await api('POST', '/customers', { key: 'slow' })).status).toBe(201);
    expect((await control(sb, 'POST', 'latency', { ms: -1 })).status).toBe(422);
  });
});

describe('fault injection', () => {
  it('answers 429 with Retry-After for the next N matching requests, changing no state', async () => {
    await control(sb, 'POST', 'faults', {
      rate: 1,
      kinds: ['429'],
      retryAfterSeconds: 7,
      count: 2,
      match: 'POST /v1/customers',
    });
    expect((await api('GET', '/customers')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await api('POST', '/customers', { key: 'alice' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.body.status).toBe(0);
    }
    expect((await api('POST', '/customers', { key: 'alice' })).status).toBe(201);
    expect(sb.store.state.customers).toHaveLength(1);
    expect((await control(sb, 'GET', 'requests')).body.byRoute['POST /v1/customers']).toBe(3);
    expect((await control(sb, 'GET', 'faults')).body.rules).toEqual([]);
  });

  it('injects 5xx errors before authentication', async () => {
    for (const kind of ['500', '502', '503']) {
      await control(sb, 'POST', 'faults', { kinds: [kind], count: 1 });
      const res = await apiClient(sb, 'wrong')('GET', '/customers');
      expect(res.status).toBe(Number(kind));
    }
    expect((await api('GET', '/customers')).status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['drop'], count: 1 });
    await expect(api('POST', '/customers', { key: 'alice' })).rejects.toThrow();
    expect(sb.store.state.customers).toHaveLength(0);
    expect((await api('POST', '/customers', { key: 'alice' })).status).toBe(201);
  });

  it('delays then processes normally, and never faults at rate 0', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['delay'], delayMs: 20, count: 1 });
    expect((await api('POST', '/customers', { key: 'alice' })).status).toBe(201);
    await control(sb, 'POST', 'faults', { rate: 0, kinds: ['500'] });
    for (let i = 0; i < 10; i++) expect((await api('GET', '/customers')).status).toBe(200);
  });

  it('supports several rules and clears them with DELETE', async () => {
    await control(sb, 'POST', 'faults', {
      rules: [
        { kinds: ['503'], match: '/transactions' },
        { kinds: ['429'], match: 'GET /v1/customers' },
      ],
    });
    expect((await api('GET', '/transactions')).status).toBe(503);
    expect((await api('GET', '/customers')).status).toBe(429);
    expect((await api('POST', '/customers', { key: 'alice' })).status).toBe(201);
    await control(sb, 'DELETE', 'faults');
    expect((await api('GET', '/transactions')).status).toBe(200);
  });
});
