import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { abortableFetch, apiClient, control, moneyIn, seedReferral, waitFor } from './helpers.js';

let sb: RunningSandbox;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  api = apiClient(sb);
});
afterAll(() => sb.close());
beforeEach(async () => {
  await control(sb, 'POST', 'reset');
  await seedReferral(api);
});

const sale = (key: string, amount = 10) => ({ customer: { key: 'alice' }, key, amount, action: 'sale' });
const amounts = () => sb.store.state.transactions.map((t) => t.amount);
const until = (condition: () => boolean) => waitFor(async () => (condition() ? true : undefined));
const pendingLate = async () => (await control(sb, 'GET', 'late-commits')).body.pending;
/** bob's USD rewards, read from the balance's unit list as Partnero publishes it. */
const balance = () => moneyIn(api, 'bob');

describe('commit-then-fail faults', () => {
  it('commit-500 applies the write, then answers 500; a retry records a second transaction', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['commit-500'], count: 1, match: 'POST /v1/transactions' });
    const res = await api('POST', '/transactions', sale('o1'));
    expect(res.status).toBe(500);
    expect(res.body.status).toBe(0);
    expect(amounts()).toEqual([10]);

    // The naive retry is the double commission Partnero really pays.
    expect((await api('POST', '/transactions', sale('o1'))).status).toBe(201);
    expect((await api('GET', '/transactions?key=o1')).body.meta.total).toBe(2);
    expect(await balance()).toBe(2);
  });

  it('commit-drop applies the write, then cuts the connection without an answer', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['commit-drop'], count: 1 });
    await expect(api('POST', '/transactions', sale('o1'))).rejects.toThrow();
    expect(amounts()).toEqual([10]);
    expect(await balance()).toBe(1);
  });

  it('commit-timeout applies the write and answers nothing until the client gives up', async () => {
    sb.faults.set({ kinds: ['commit-timeout'], count: 1 });
    const call = abortableFetch(sb, 'DELETE', '/customers/alice');
    await until(() => sb.store.byKey('alice') === undefined);
    expect(call.settled).toBe(false);
    call.giveUp();
    expect(await call.outcome).toEqual({ error: 'AbortError' });
    expect((await api('GET', '/customers/alice')).status).toBe(404);
  });

  it('answers the fault even when the request fails validation, writing nothing', async () => {
    sb.faults.set({ kinds: ['commit-500'], count: 1 });
    expect((await api('POST', '/transactions', { ...sale('o1'), amount: 'x' })).status).toBe(500);
    expect(amounts()).toEqual([]);
  });

  it('on a GET behaves like a plain 500, a drop, or a hang until the client closes', async () => {
    sb.faults.set({ kinds: ['commit-500'], count: 1 });
    expect((await api('GET', '/customers')).status).toBe(500);
    sb.faults.set({ kinds: ['commit-drop'], count: 1 });
    await expect(api('GET', '/customers')).rejects.toThrow();

    for (const kind of ['commit-timeout', 'late-commit'] as const) {
      sb.faults.set({ kinds: [kind], count: 1 });
      sb.store.resetRequests();
      const call = abortableFetch(sb, 'GET', '/customers');
      await until(() => sb.store.requests.total === 1);
      expect(sb.lateCommits.pending).toEqual([]);
      expect(call.settled).toBe(false);
      call.giveUp();
      expect(await call.outcome).toEqual({ error: 'AbortError' });
    }
    expect((await api('GET', '/customers')).status).toBe(200);
  });

  it('draws kinds from the seeded random, reproducibly', async () => {
    const statuses = async (seed: number) => {
      const seeded = await startSandbox({ port: 0, seed });
      try {
        seeded.faults.set({ kinds: ['commit-500', '503'], rate: 0.5 });
        const client = apiClient(seeded);
        const seen: number[] = [];
        for (let i = 0; i < 12; i++) seen.push((await client('POST', '/customers', {})).status);
        return { seen, created: seeded.store.state.customers.length };
      } finally {
        await seeded.close();
      }
    };
    const first = await statuses(7);
    expect(await statuses(7)).toEqual(first);
    expect(new Set(first.seen)).toEqual(new Set([201, 500, 503]));
    expect(first.created).toBe(first.seen.filter((s) => s !== 503).length);
  });
});

describe('late-commit', () => {
  it('applies the write only after the client has given up', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['late-commit'], count: 1 });
    const call = abortableFetch(sb, 'POST', '/transactions', sale('o1'));
    const [entry] = await waitFor(async () => {
      const pending = await pendingLate();
      return pending.length === 1 ? pending : undefined;
    });
    expect(entry).toMatchObject({ label: 'POST /v1/transactions', hold: false, clientGone: false });
    expect(amounts()).toEqual([]);
    expect(call.settled).toBe(false);

    call.giveUp();
    expect(await call.outcome).toEqual({ error: 'AbortError' });
    await until(() => amounts().length === 1);
    const late = (await control(sb, 'GET', 'late-commits')).body;
    expect(late).toEqual({ pending: [], applied: [expect.objectContaining({ id: entry.id, status: 201 })] });
    expect(await balance()).toBe(1);
  });

  it('with hold, keeps the write pending after the client has gone, until flushed', async () => {
    await control(sb, 'POST', 'faults', { kinds: ['late-commit'], hold: true, count: 1 });
    const call = abortableFetch(sb, 'POST', '/transactions', sale('o1'));
    await waitFor(async () => ((await pendingLate()).length === 1 ? true : undefined));
    call.giveUp();
    expect(await call.outcome).toEqual({ error: 'AbortError' });
    await waitFor(async () => ((await pendingLate())[0]?.clientGone ? true : undefined));
    expect(amounts()).toEqual([]);

    expect((await control(sb, 'POST', 'late-commits/flush')).body).toEqual({ flushed: 1 });
    expect(amounts()).toEqual([10]);
    expect((await control(sb, 'POST', 'late-commits/flush')).body).toEqual({ flushed: 0 });
  });

  it('a flush cuts off a client still waiting before the write lands', async () => {
    sb.faults.set({ kinds: ['late-commit'], hold: true, count: 1 });
    const call = abortableFetch(sb, 'POST', '/transactions', sale('o1'));
    await until(() => sb.lateCommits.pending.length === 1);
    expect(await sb.lateCommits.flush()).toBe(1);
    expect(amounts()).toEqual([10]);
    expect(await call.outcome).toEqual({ error: expect.any(String) });
  });

  it('applies late commits in the order they were received', async () => {
    sb.faults.set({ kinds: ['late-commit'], count: 2 });
    const first = abortableFetch(sb, 'POST', '/transactions', sale('o1', 10));
    await until(() => sb.lateCommits.pending.length === 1);
    const second = abortableFetch(sb, 'POST', '/transactions', sale('o1', 30));
    await until(() => sb.lateCommits.pending.length === 2);

    second.giveUp();
    await second.outcome;
    await until(() => sb.lateCommits.pending[1]?.clientGone === true);
    // The second waits behind the first, whose client is still there.
    expect(amounts()).toEqual([]);

    first.giveUp();
    await first.outcome;
    await until(() => amounts().length === 2);
    expect(amounts()).toEqual([10, 30]);
  });

  it('flushes held commits in the order received too', async () => {
    sb.faults.set({ kinds: ['late-commit'], hold: true, count: 2 });
    const calls = [];
    for (const amount of [10, 30]) {
      calls.push(abortableFetch(sb, 'POST', '/transactions', sale('o1', amount)));
      await until(() => sb.lateCommits.pending.length === calls.length);
    }
    for (const call of [...calls].reverse()) {
      call.giveUp();
      await call.outcome;
    }
    expect(await sb.lateCommits.flush()).toBe(2);
    expect(amounts()).toEqual([10, 30]);
  });

  it('reset drops pending late commits without applying them', async () => {
    sb.faults.set({ kinds: ['late-commit'], hold: true, count: 1 });
    const call = abortableFetch(sb, 'POST', '/customers', { key: 'zoe' });
    await until(() => sb.lateCommits.pending.length === 1);
    await control(sb, 'POST', 'reset');
    call.giveUp();
    await call.outcome;
    expect(await sb.lateCommits.flush()).toBe(0);
    expect(sb.store.state.customers).toEqual([]);
  });

  it('validates the hold option', async () => {
    const res = await control(sb, 'POST', 'faults', { kinds: ['late-commit'], hold: 'yes' });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.errors)).toEqual(['hold']);
  });
});
