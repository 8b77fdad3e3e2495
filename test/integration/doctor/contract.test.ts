import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { nodeHttpTransport, type PartneroFetch, partneroHttpHandler } from '#shared/partnero/index.js';
import { isObj } from '#shared/partnero/shapes.js';
import { ASSUMPTIONS } from '#tools/doctor/contract/assumptions.js';
import { RUN_PREFIX } from '#tools/doctor/contract/names.js';
import { lineOf, rewriting, runCommand, statusesOf, stripCustomerNames } from './contract-support.js';

// `npm run doctor -- --contract` against the embedded sandbox, in-process, with the production transport.
const handler = partneroHttpHandler();
const transport = nodeHttpTransport(handler);
afterAll(() => handler.destroy());

const allPass = Object.fromEntries(ASSUMPTIONS.map((a) => [a.name, 'PASS']));
const program = (sb: RunningSandbox) => ({ url: sb.apiUrl, apiKey: sb.apiKey });

/** What the check left in the sandbox: active customers and transactions of its runs. */
function leftIn(sb: RunningSandbox) {
  const ours = (s: string | null) => Boolean(s?.startsWith(RUN_PREFIX));
  return {
    customers: sb.store.state.customers.filter((c) => c.status === 'active' && ours(c.name)).map((c) => c.id),
    transactions: sb.store.state.transactions.filter((t) => ours(t.key)).map((t) => t.key),
  };
}
const nothingLeft = { customers: [], transactions: [] };

describe('doctor --contract against the sandbox (published shapes)', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  it('passes every assumption, names the fields it saw, and leaves nothing behind', async () => {
    const run = await runCommand(program(sb), transport);
    expect(statusesOf(run.lines)).toEqual(allPass);
    expect(run.code).toBe(0);
    const line = (name: string) => lineOf(run.lines, name);
    expect(line('customer identity')).toMatch(/key in 0 \(as published: no key\); every id is the one sent$/);
    expect(line('referring customer')).toMatch(/an object \{id, email, name\} carrying the referrer's id$/);
    expect(line('referral link')).toMatch(/referral_link string, referral_links \[string\]/);
    expect(line('stats')).toMatch(
      /Partnero's names: clicks, signups, referrals, paid_referrals, social_sharing; read as clicks ← clicks,/,
    );
    expect(line('balance')).toMatch(
      /balance \{currency\}, units \[\{amount, amount_units, is_currency\}\]; the referrer holds 1 USD$/,
    );
    expect(line('transaction fields')).toMatch(
      /customer: string \(the referrer's id\); referred_customer: string \(the friend's id\); credit: boolean/,
    );
    expect(line('transaction look-up')).toMatch(/found after 1 try of 10; 1 row\(s\), all with the key$/);
    expect(line('transaction delete')).toMatch(/HTTP 200 \{status\}; gone from GET/);
    expect(line('customer delete')).toMatch(/friend: HTTP 204 \(no body\), then GET → 404; referrer: /);
    expect(line('list envelope')).toMatch(/data\[\], links\{first, last, prev, next\}, meta\{/);
    expect(run.lines).toContain('leftovers: none found');
    expect(run.lines.at(-1)).toBe(
      `contract: ${ASSUMPTIONS.length} assumptions hold, 0 failed, 0 not checked`,
    );
    expect(leftIn(sb)).toEqual(nothingLeft);
  });

  it('prints its plan and writes nothing without --yes', async () => {
    const before = sb.store.state.customers.length;
    const run = await runCommand(program(sb), transport, { yes: false });
    expect(run.code).toBe(2);
    expect(run.error?.message).toMatch(/^Nothing was written: run this again with --yes/);
    expect(run.lines.join('\n')).toMatch(/Use a test program/);
    expect(run.lines).toContain(
      `  - customer ${RUN_PREFIX}<time>-friend (a friend referred by it), ${RUN_PREFIX}<time>-friend@example.com`,
    );
    expect(run.lines.join('\n')).toMatch(
      /Partnero fires its webhooks .*\n.*\n.*republishes them on its event bus/,
    );
    expect(sb.store.state.customers.length).toBe(before);
  });

  it('removes the leftovers of a killed run on start, and keeps those of a run that may still be going', async () => {
    const { api } = await import('#local/sandbox/index.js').then((m) => m.sandboxClient(sb));
    const now = Date.now();
    const killed = `${RUN_PREFIX}${now - 3_600_000}`;
    const going = `${RUN_PREFIX}${now - 60_000}`;
    const create = (name: string, role: string, extra: Record<string, unknown> = {}) =>
      api('POST', '/customers', {
        id: `${name}-${role}`,
        email: `${name}-${role}@example.com`,
        name,
        ...extra,
      });
    expect((await create(killed, 'referrer')).status).toBe(201);
    expect(
      (await create(killed, 'friend', { referring_customer: { id: `${killed}-referrer` } })).status,
    ).toBe(201);
    const sale = { key: `${killed}-order`, amount: 10, action: 'sale', customer: { id: `${killed}-friend` } };
    expect((await api('POST', '/transactions', sale)).status).toBe(201);
    expect((await create(going, 'referrer')).status).toBe(201);

    const run = await runCommand(program(sb), transport, { yes: true }, { now: () => now });
    expect(run.code).toBe(0);
    expect(run.lines).toContain(
      'leftovers: removed 2 customer(s) and 1 transaction(s) of earlier runs; left 1 of a run started in the last minutes',
    );
    expect(leftIn(sb)).toEqual({ customers: [`${going}-referrer`], transactions: [] });
    await api('DELETE', `/customers/${going}-referrer`);
  });

  it('waits for a lagging look-up, up to its bound', async () => {
    let hidden = 3;
    const lagging = rewriting(transport, (method, url, body) => {
      const lookingUp =
        method === 'GET' && url.pathname.endsWith('/transactions') && url.searchParams.has('key');
      if (!lookingUp || hidden === 0 || !isObj(body) || !Array.isArray(body.data) || body.data.length === 0)
        return body;
      hidden--;
      return { ...body, data: [], meta: { ...(body.meta as object), total: 0, from: null, to: null } };
    });
    const waits: number[] = [];
    const run = await runCommand(
      program(sb),
      lagging,
      { yes: true },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(statusesOf(run.lines)).toEqual(allPass);
    expect(lineOf(run.lines, 'transaction look-up')).toMatch(/found after 4 tries of 10;/);
    expect(waits.slice(0, 3)).toEqual([3000, 3000, 3000]);
    expect(leftIn(sb)).toEqual(nothingLeft);
  });

  it('fails the look-up when the transaction stays hidden past the bound, and still cleans up', async () => {
    const never = rewriting(transport, (method, url, body) =>
      method === 'GET' && url.pathname.endsWith('/transactions') && isObj(body)
        ? { ...body, data: [] }
        : body,
    );
    const run = await runCommand(program(sb), never, { yes: true }, { lookupTries: 4 });
    expect(lineOf(run.lines, 'transaction look-up')).toMatch(
      /^ {2}FAIL {2}transaction look-up +published {2}not found after 4 tries of 4: HTTP 200/,
    );
    expect(run.code).toBe(1);
    expect(leftIn(sb)).toEqual(nothingLeft);
  });
});

describe('doctor --contract interrupted (Ctrl-C)', () => {
  it('stops the checks, still deletes what it created, and fails', async () => {
    const sb = await startSandbox();
    try {
      const controller = new AbortController();
      const interrupting: PartneroFetch = async (url, init) => {
        const res = await transport(url, init);
        if (init.method === 'POST' && new URL(url).pathname.endsWith('/transactions')) controller.abort();
        return res;
      };
      const run = await runCommand(program(sb), interrupting, { yes: true }, { signal: controller.signal });
      expect(run.lines).toContain('interrupted: the checks stopped; what they did not reach is not checked');
      expect(lineOf(run.lines, 'customer create')).toMatch(/^ {2}PASS /);
      expect(lineOf(run.lines, 'balance')).toMatch(
        /^ {2}SKIP {2}balance +published {2}not checked: the balance read did not run$/,
      );
      expect(run.lines.filter((l) => l.startsWith('cleanup: '))).toEqual([
        expect.stringMatching(/^cleanup: deleted transaction referrals-contract-check-\d+-order$/),
        expect.stringMatching(/^cleanup: deleted customer referrals-contract-check-\d+-friend$/),
        expect.stringMatching(/^cleanup: deleted customer referrals-contract-check-\d+-referrer$/),
      ]);
      expect(run.code).toBe(1);
      expect(leftIn(sb)).toEqual(nothingLeft);
    } finally {
      await sb.close();
    }
  });
});

describe('doctor --contract against the sandbox answering every plausible variant', () => {
  it.each([1, 2, 3, 4])('passes every assumption with seed %i', async (seed) => {
    const sb = await startSandbox({ variants: true, seed });
    try {
      const run = await runCommand(program(sb), transport);
      expect(statusesOf(run.lines)).toEqual(allPass);
      expect(run.code).toBe(0);
      expect(leftIn(sb)).toEqual(nothingLeft);
    } finally {
      await sb.close();
    }
  });
});

describe('doctor --contract when Partnero answers otherwise than the client assumes', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  it('FAILs, with what it saw, when customer objects carry neither id nor key; still deletes everything', async () => {
    const run = await runCommand(program(sb), rewriting(transport, stripCustomerNames));
    const statuses = statusesOf(run.lines);
    expect(statuses['customer identity']).toBe('FAIL');
    expect(lineOf(run.lines, 'customer identity')).toMatch(
      /id in 0 of \d customer objects, key in 0 \(as published: no key\); the referrer create answer names the customer by neither \(fields: email, name, surname, status,/,
    );
    expect(statuses['customer read']).toBe('FAIL');
    expect(lineOf(run.lines, 'customer read')).toMatch(/unavailable: .*neither id nor key/);
    expect(statuses.referrals).toBe('FAIL');
    expect(statuses['transaction look-up']).toBe('PASS');
    expect(run.code).toBe(1);
    expect(run.lines.filter((l) => l.startsWith('cleanup: '))).toEqual([
      expect.stringMatching(/^cleanup: deleted customer referrals-contract-check-\d+-friend$/),
      expect.stringMatching(/^cleanup: deleted customer referrals-contract-check-\d+-referrer$/),
    ]);
    expect(leftIn(sb)).toEqual(nothingLeft);
  });

  it('FAILs the balance when the answer holds no units', async () => {
    const unitless = rewriting(transport, (_method, url, body) =>
      url.pathname.endsWith('/balance') && isObj(body) && isObj(body.data)
        ? { ...body, data: { customer: body.data.customer, balance: {} } }
        : body,
    );
    const run = await runCommand(program(sb), unitless);
    expect(statusesOf(run.lines)).toEqual({ ...allPass, balance: 'FAIL' });
    expect(lineOf(run.lines, 'balance')).toMatch(
      /FAIL {2}balance +published {2}unavailable: .*no balance in the answer.*; the answer: balance \{\}$/,
    );
    expect(run.code).toBe(1);
    expect(leftIn(sb)).toEqual(nothingLeft);
  });
});
