import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox } from '#local/sandbox/index.js';
import { apiClient, balanceUnits, sandboxState, seedReferral } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'partnero-sandbox-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('keeps customers, transactions, credits, clicks and webhooks across a restart', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startSandbox({ port: 0, stateFile });
    const api1 = apiClient(first);
    await seedReferral(api1);
    await api1('POST', '/transactions', {
      customer: { key: 'alice' },
      key: 'o1',
      amount: 50,
      action: 'sale',
    });
    await api1('POST', '/customers/bob/balance/credit', {
      amount: 1,
      amount_units: 'usd',
      is_currency: true,
    });
    await fetch(`${first.url}/__sandbox/click?key=bob`);
    const hook = await api1('POST', '/webhooks', {
      name: 'crm',
      url: 'http://127.0.0.1:9/hook',
      events: ['customer.created'],
    });
    await first.close();

    expect(JSON.parse(await readFile(stateFile, 'utf8')).customers).toHaveLength(2);
    expect(await readdir(dir)).toEqual(['state.json']);

    const second = await startSandbox({ port: 0, stateFile });
    try {
      const api2 = apiClient(second);
      expect((await api2('GET', '/customers/alice')).body.data.referring_customer.id).toBe('acct_7');
      expect(await balanceUnits(api2, 'bob')).toEqual([
        { amount: 6, amount_units: 'USD', is_currency: true },
      ]);
      const state = await sandboxState(second);
      expect(state.transactions).toEqual([
        expect.objectContaining({
          key: 'o1',
          customer_key: 'bob',
          referred_customer_key: 'alice',
          reward: 5,
        }),
      ]);
      expect(state.credits).toEqual([expect.objectContaining({ customer: 'acct_7', amount: 1 })]);
      expect(state.customers.map((c: { key: string }) => c.key)).toEqual(['bob', 'alice']);
      expect((await api2('GET', '/customers/bob/stats')).body.data.clicks).toBe(1);
      const dup = await api2('POST', '/transactions', {
        customer: { key: 'alice' },
        key: 'o1',
        amount: 1,
        action: 'sale',
      });
      expect(dup.status).toBe(201);
      expect((await api2('GET', '/transactions?key=o1')).body.meta.total).toBe(2);
      expect((await api2('GET', `/webhooks/${hook.body.data.key}`)).body.data).toEqual(hook.body.data);
      const carl = await api2('POST', '/customers', { email: 'carl@example.com' });
      expect(carl.status).toBe(201);
    } finally {
      await second.close();
    }
  });

  it('does not write when a request fails validation', async () => {
    const stateFile = join(dir, 'invalid.json');
    const sandbox = await startSandbox({ port: 0, stateFile });
    try {
      await apiClient(sandbox)('POST', '/customers', { email: 'nope' });
      await expect(readFile(stateFile)).rejects.toThrow();
    } finally {
      await sandbox.close();
    }
  });
});
