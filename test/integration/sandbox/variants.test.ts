/**
 * The sandbox's two modes (local/sandbox/variants.ts): off, only the shapes Partnero publishes
 * (/work/shared/partnero-contract.md, "Answers as Partnero publishes them"); on (`variants: true`), every
 * plausible reading where Partnero is silent, chosen by a seeded random so a run replays. Each open point
 * of `VARIANT_POINTS` gets a classifier below that names the reading an answer took; the shared client must
 * read every one of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox, VARIANT_POINTS } from '#local/sandbox/index.js';
import {
  type Balance,
  createPartneroClient,
  type PartneroClient,
  type PartneroFetch,
} from '#shared/partnero/index.js';
import { apiClient, type Json, type Reply } from './helpers.js';

const SEED = 42;
const ROUNDS = 40;

type Point = (typeof POINTS)[number];

/** The open points, named as `VARIANT_POINTS` names them (the text before its first colon). */
const POINTS = [
  'envelope',
  'customer',
  'referring_customer',
  'balance',
  'transaction parties',
  'transaction rewards',
  'stats',
  'balance credit answer',
  'transaction delete answer',
  'webhook list `limit` outside 10–100',
] as const;

/** Every reading the sandbox may answer at each point; the first of each is what published mode answers. */
const READINGS: Record<Point, { published: string[]; others: string[] }> = {
  envelope: { published: ['enveloped'], others: ['bare'] },
  customer: { published: ['no key', 'string links'], others: ['key', 'object links'] },
  referring_customer: {
    published: ['{email,id,name}'],
    others: ['{email,id,key,name}', '{key}', 'id string', 'key string'],
  },
  balance: {
    published: ['{customer, balance: {currency: [units]}}'],
    others: [
      '{customer, balance: {currency: [money], points: [others]}}',
      '[units]',
      '{balance: number, currency}',
    ],
  },
  'transaction parties': {
    published: ['id string', 'credit boolean'],
    others: ['key string', '{id,key}', 'credit 0/1'],
  },
  'transaction rewards': { published: ['[]'], others: ['[{amount, amount_units}]', '[number]'] },
  stats: {
    published: ['clicks,signups,referrals,paid_referrals,social_sharing', 'plain counts'],
    others: [
      'clicks_count,signups_count,referrals_count,paid_referrals_count,social_sharing_links',
      'total_clicks,leads,referred_customers,paying_referrals,sharing',
      'counts as {total}',
    ],
  },
  'balance credit answer': {
    published: ['200 {status: 1}'],
    others: ['201 balance', '200 customer', '204 no body', '200 no body'],
  },
  'transaction delete answer': { published: ['200 {status: 1}'], others: ['204 no body'] },
  'webhook list `limit` outside 10–100': { published: ['422'], others: ['clamped'] },
};

// The fixtures every round reads: bob (acct_7) referred alice (acct_42), who bought for 30 (bob earns 3 USD);
// bob also holds 50 points and two clicks.
const BOB = { id: 'acct_7', key: 'bob', email: 'bob@example.com', name: 'Bob' };
const ALICE = { id: 'acct_42', key: 'alice', email: 'alice@example.com', name: 'Alice' };
const linkOf = (key: string) => `http://localhost:3000/?ref=${key}`;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const enveloped = (body: unknown) => isObj(body) && body.status === 1 && 'data' in body;
/** The payload: `data` of an enveloped answer, else the body itself. */
const payload = (body: unknown): Json => (enveloped(body) ? (body as Json).data : body);
const unrecognised = (point: Point, value: unknown) =>
  new Error(`unrecognised ${point} reading: ${JSON.stringify(value)}`);

function customerReadings(c: Json): string[] {
  const links = c.referral_links as unknown[];
  const linkForm = links.every((l) => typeof l === 'string')
    ? 'string links'
    : links.every((l) => isObj(l) && typeof l.url === 'string')
      ? 'object links'
      : undefined;
  if (!linkForm || typeof c.referral_link !== 'string') throw unrecognised('customer', c);
  return ['key' in c ? 'key' : 'no key', linkForm];
}

function referringReading(r: unknown): string {
  if (r === BOB.id) return 'id string';
  if (r === BOB.key) return 'key string';
  if (isObj(r)) return `{${Object.keys(r).sort().join(',')}}`;
  throw unrecognised('referring_customer', r);
}

function balanceReading(b: unknown): string {
  if (Array.isArray(b)) return '[units]';
  if (isObj(b) && typeof b.balance === 'number' && typeof b.currency === 'string') {
    return '{balance: number, currency}';
  }
  if (isObj(b) && isObj(b.customer) && isObj(b.balance)) {
    const lists = Object.keys(b.balance).sort().join();
    if (lists === 'currency') return '{customer, balance: {currency: [units]}}';
    if (lists === 'currency,points') return '{customer, balance: {currency: [money], points: [others]}}';
  }
  throw unrecognised('balance', b);
}

function partyReading(p: unknown, party: { id: string; key: string }): string {
  if (p === party.id) return 'id string';
  if (p === party.key) return 'key string';
  if (isObj(p) && p.id === party.id && p.key === party.key && Object.keys(p).length === 2) return '{id,key}';
  throw unrecognised('transaction parties', p);
}

function creditReading(c: unknown): string {
  if (typeof c === 'boolean') return 'credit boolean';
  if (c === 0 || c === 1) return 'credit 0/1';
  throw unrecognised('transaction parties', c);
}

function rewardsReading(r: unknown): string {
  if (!Array.isArray(r)) throw unrecognised('transaction rewards', r);
  if (r.length === 0) return '[]';
  if (r.every((x) => typeof x === 'number')) return '[number]';
  if (r.every((x) => isObj(x) && typeof x.amount === 'number' && typeof x.amount_units === 'string')) {
    return '[{amount, amount_units}]';
  }
  throw unrecognised('transaction rewards', r);
}

function statsReadings(s: Json): string[] {
  const names = Object.keys(s).join(',');
  const counts = Object.values(s).filter((v) => !isObj(v) || !('twitter' in v));
  const nesting = counts.every((v) => typeof v === 'number')
    ? 'plain counts'
    : counts.every((v) => isObj(v) && typeof v.total === 'number')
      ? 'counts as {total}'
      : undefined;
  if (counts.length !== 4 || !nesting) throw unrecognised('stats', s);
  return [names, nesting];
}

/** A write's answer: its status and what its body holds (the envelope alone, a balance, a customer, none). */
function answerReading(point: Point, res: Reply): string {
  if (res.body === undefined) return `${res.status} no body`;
  if (isObj(res.body) && Object.keys(res.body).join() === 'status' && res.body.status === 1) {
    return `${res.status} {status: 1}`;
  }
  const data = payload(res.body);
  if (isObj(data) && typeof data.referral_link === 'string') return `${res.status} customer`;
  try {
    balanceReading(data);
    return `${res.status} balance`;
  } catch {
    throw unrecognised(point, res.body);
  }
}

type Api = ReturnType<typeof apiClient>;
type Observation = [Point, string];

function expectOk(res: Reply, what: string): Reply {
  if (res.status < 200 || res.status >= 300)
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

async function seedFixtures(sb: RunningSandbox): Promise<void> {
  const api = apiClient(sb);
  expectOk(await api('POST', '/customers', BOB), 'create bob');
  expectOk(await api('POST', '/customers', { ...ALICE, referring_customer: { key: 'bob' } }), 'create alice');
  const sale = { customer: { key: 'alice' }, key: 'o1', amount: 30, action: 'sale' };
  expectOk(await api('POST', '/transactions', sale), 'sale');
  const points = { amount: 50, amount_units: 'points', is_currency: false };
  expectOk(await api('POST', '/customers/bob/balance/credit', points), 'points');
  for (let i = 0; i < 2; i++) await fetch(`${sb.url}/__sandbox/click?key=bob`);
  // Inactive, so nothing is delivered anywhere.
  const hook = {
    name: 'crm',
    url: 'https://example.com/hook',
    events: ['customer.created'],
    is_active: false,
  };
  expectOk(await api('POST', '/webhooks', hook), 'webhook');
}

/** One request at each open point; answers the reading each took, in order. */
async function round(api: Api, i: number): Promise<Observation[]> {
  const seen: Observation[] = [];
  const note = (point: Point, ...readings: string[]) => {
    for (const reading of readings) seen.push([point, reading]);
  };

  const alice = expectOk(await api('GET', '/customers/acct_42'), 'get alice');
  note('envelope', enveloped(alice.body) ? 'enveloped' : 'bare');
  const customer = payload(alice.body);
  expect(customer).toMatchObject({ id: ALICE.id, email: ALICE.email, referral_link: linkOf('alice') });
  note('customer', ...customerReadings(customer));
  note('referring_customer', referringReading(customer.referring_customer));

  const balance = expectOk(await api('GET', '/customers/bob/balance'), 'balance');
  note('envelope', enveloped(balance.body) ? 'enveloped' : 'bare');
  note('balance', balanceReading(payload(balance.body)));

  const list = expectOk(await api('GET', '/transactions?key=o1'), 'list');
  note('envelope', enveloped(list.body) ? 'enveloped' : 'bare');
  const [sale] = payload(list.body);
  expect(sale).toMatchObject({ key: 'o1', amount: 30, amount_units: 'usd', is_currency: true });
  note('transaction parties', partyReading(sale.customer, BOB), partyReading(sale.referred_customer, ALICE));
  note('transaction parties', creditReading(sale.credit));
  note('transaction rewards', rewardsReading(sale.rewards));

  const stats = expectOk(await api('GET', '/customers/bob/stats'), 'stats');
  note('envelope', enveloped(stats.body) ? 'enveloped' : 'bare');
  note('stats', ...statsReadings(payload(stats.body)));

  const credit = await api('POST', '/customers/bob/balance/credit', {
    amount: 1,
    amount_units: 'usd',
    is_currency: true,
  });
  note('balance credit answer', answerReading('balance credit answer', expectOk(credit, 'credit')));

  const key = `refund-${i}`;
  expectOk(
    await api('POST', '/transactions', { customer: { key: 'alice' }, key, amount: 10, action: 'sale' }),
    key,
  );
  const deleted = expectOk(await api('DELETE', `/transactions/${key}`), `delete ${key}`);
  note('transaction delete answer', answerReading('transaction delete answer', deleted));

  for (const [limit, clampedTo] of [
    [5, 10],
    [101, 100],
  ] as const) {
    const hooks = await api('GET', `/webhooks?limit=${limit}`);
    if (hooks.status === 422) {
      expect(hooks.body.errors).toEqual({ limit: ['The limit must be an integer between 10 and 100.'] });
      note('webhook list `limit` outside 10–100', '422');
    } else {
      expectOk(hooks, `webhooks?limit=${limit}`);
      if (enveloped(hooks.body)) expect(hooks.body.meta.per_page).toBe(clampedTo);
      note('webhook list `limit` outside 10–100', 'clamped');
    }
  }
  return seen;
}

/** Starts a sandbox, seeds the fixtures, runs `rounds` rounds; answers every reading in order. */
async function observe(opts: { variants: boolean; seed: number }, rounds: number): Promise<Observation[]> {
  const sb = await startSandbox({ port: 0, ...opts });
  try {
    await seedFixtures(sb);
    const api = apiClient(sb);
    const seen: Observation[] = [];
    for (let i = 0; i < rounds; i++) seen.push(...(await round(api, i)));
    return seen;
  } finally {
    await sb.close();
  }
}

const readingsByPoint = (seen: Observation[]) => {
  const by = Object.fromEntries(POINTS.map((p) => [p, new Set<string>()])) as Record<Point, Set<string>>;
  for (const [point, reading] of seen) by[point].add(reading);
  return Object.fromEntries(POINTS.map((p) => [p, [...by[p]].sort()]));
};

const sorted = (list: string[]) => [...list].sort();

it('covers every open point the sandbox lists, in its order', () => {
  expect(VARIANT_POINTS.map((p) => p.slice(0, p.indexOf(':')))).toEqual([...POINTS]);
});

describe('published mode (variants off, even with a seed)', () => {
  let seen: Observation[];
  beforeAll(async () => {
    seen = await observe({ variants: false, seed: SEED }, 5);
  });

  it('answers only the published reading at every open point', () => {
    expect(readingsByPoint(seen)).toEqual(
      Object.fromEntries(POINTS.map((p) => [p, sorted(READINGS[p].published)])),
    );
  });

  it('never answers a key in a customer object, a non-string link, a non-list balance or a non-string party', async () => {
    const sb = await startSandbox({ port: 0, seed: SEED });
    try {
      await seedFixtures(sb);
      const api = apiClient(sb);
      const customers: Json[] = [];
      const data = async (method: string, path: string, body?: unknown) => {
        const res = expectOk(await api(method, path, body), `${method} ${path}`);
        expect(enveloped(res.body)).toBe(true);
        return res.body.data;
      };
      customers.push(await data('POST', '/customers', { key: 'carl', referring_customer: { id: 'acct_7' } }));
      customers.push(await data('POST', '/customers', { email: 'dora@example.com' }));
      customers.push(await data('GET', '/customers/alice'));
      customers.push(await data('PUT', '/customers/alice', { update: { name: 'Alicia' } }));
      customers.push(await data('PUT', '/customers', { id: 'acct_7', update: { surname: 'B' } }));
      customers.push(...(await data('GET', '/customers?limit=250')));
      customers.push(...(await data('GET', '/customers/bob/referrals')));
      customers.push(...(await data('GET', '/customers:search?email=alice@example.com')));
      const balances = [
        await data('GET', '/customers/bob/balance'),
        await data('GET', '/customers/alice/balance'),
      ];
      customers.push(...balances.map((b) => b.customer));

      expect(customers.length).toBeGreaterThanOrEqual(12);
      for (const c of customers) {
        expect(c).not.toHaveProperty('key');
        expect(typeof c.id).toBe('string');
        expect(typeof c.referral_link).toBe('string');
        expect(c.referral_links).toEqual([c.referral_link]);
        if (c.referring_customer !== null) {
          expect(Object.keys(c.referring_customer).sort()).toEqual(['email', 'id', 'name']);
        }
      }
      for (const b of balances) {
        expect(Object.keys(b).sort()).toEqual(['balance', 'customer']);
        expect(Object.keys(b.balance)).toEqual(['currency']);
        expect(Array.isArray(b.balance.currency)).toBe(true);
      }
      expect(balances[0].balance.currency).toEqual([
        { amount: 3, amount_units: 'USD', is_currency: true },
        { amount: 50, amount_units: 'points', is_currency: false },
      ]);
      expect(balances[1].balance.currency).toEqual([]);

      const transactions: Json[] = [];
      transactions.push(
        await data('POST', '/transactions', {
          customer: { key: 'carl' },
          key: 'o2',
          amount: 10,
          action: 'sale',
        }),
      );
      transactions.push(
        ...(await data('POST', '/transactions', {
          customer: { id: 'acct_42' },
          transactions: [{ key: 'o3', amount: 5, action: 'sale' }],
        })),
      );
      transactions.push(...(await data('GET', '/transactions?limit=250')));
      transactions.push(await data('POST', '/transactions/o1/archive'));
      expect(transactions).toHaveLength(6);
      for (const t of transactions) {
        expect(typeof t.customer).toBe('string');
        expect(typeof t.referred_customer).toBe('string');
        expect(t.credit).toBe(false);
        expect(t.rewards).toEqual([]);
        expect(t).not.toHaveProperty('product_id');
        expect(t).not.toHaveProperty('product_type');
      }
      expect(transactions.map((t) => [t.customer, t.referred_customer])).toEqual([
        ['acct_7', 'carl'],
        ['acct_7', 'acct_42'],
        ['acct_7', 'acct_42'],
        ['acct_7', 'carl'],
        ['acct_7', 'acct_42'],
        ['acct_7', 'acct_42'],
      ]);
    } finally {
      await sb.close();
    }
  });
});

describe('variants mode', () => {
  let seen: Observation[];
  beforeAll(async () => {
    seen = await observe({ variants: true, seed: SEED }, ROUNDS);
  });

  it(`answers more than one reading at every open point over ${ROUNDS} rounds, each a known one`, () => {
    const by = readingsByPoint(seen);
    for (const point of POINTS) expect(by[point]?.length).toBeGreaterThan(1);
    // Every reading variants.ts names appears (and nothing else, or a classifier would have thrown).
    expect(by).toEqual(
      Object.fromEntries(POINTS.map((p) => [p, sorted([...READINGS[p].published, ...READINGS[p].others])])),
    );
  });

  it('replays the same sequence of readings from the same seed, and another from another seed', async () => {
    const again = await observe({ variants: true, seed: SEED }, ROUNDS);
    expect(again).toEqual(seen);
    const other = await observe({ variants: true, seed: SEED + 1 }, ROUNDS);
    expect(other).not.toEqual(seen);
  });
});

/** A variant answer the client read wrong: the call, the reading, the exact answer and what the client made of it. */
interface Misread {
  call: string;
  answer: string;
  status: number;
  body: unknown;
  read: unknown;
}

/** A transport that keeps the raw answer of the client's last request, so each check knows the reading. */
function recordingFetch() {
  const last: { status: number; text: string } = { status: 0, text: '' };
  const doFetch: PartneroFetch = async (url, init) => {
    const res = await fetch(url, init);
    const text = await res.text();
    last.status = res.status;
    last.text = text;
    return { status: res.status, headers: res.headers, text: async () => text };
  };
  return { doFetch, last };
}

describe('the shared client reads every variant answer', () => {
  let sb: RunningSandbox;
  let client: PartneroClient;
  let last: { status: number; text: string };
  const api = () => apiClient(sb);

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, variants: true, seed: SEED });
    await seedFixtures(sb);
    const recording = recordingFetch();
    last = recording.last;
    client = createPartneroClient({
      apiKey: sb.apiKey,
      baseUrl: sb.apiUrl,
      fetch: recording.doFetch,
      maxAttempts: 1,
    });
  });
  afterAll(() => sb.close());

  const rawBody = (): unknown => (last.text === '' ? undefined : JSON.parse(last.text));
  /** bob's balance as the sandbox holds it (its own view), one entry per unit. */
  const bobUnits = () => {
    const bob = sb.store.byKey('bob');
    if (!bob) throw new Error('no bob');
    return sb.store.balanceUnits(bob.uid).map((u) => ({
      amount: u.amount,
      unit: u.amount_units,
      is_currency: u.is_currency,
    }));
  };
  const byUnit = (b: Balance | undefined) =>
    b === undefined ? undefined : [...b.units].sort((x, y) => String(x.unit).localeCompare(String(y.unit)));

  it('customers.get, balance, stats, transactions.list, creditBalance and transactions.delete', async () => {
    const readings = new Map<string, Set<string>>();
    const misreads: Misread[] = [];
    const saw = (what: string, reading: string) => {
      readings.set(what, (readings.get(what) ?? new Set()).add(reading));
    };

    for (let i = 0; i < ROUNDS; i++) {
      const alice = await client.customers.get('acct_42');
      const rawAlice = payload(rawBody());
      const [keyReading, linkReading] = customerReadings(rawAlice);
      const refReading = referringReading(rawAlice.referring_customer);
      saw('customer', `${keyReading}, ${linkReading}`);
      saw('referring_customer', refReading);
      expect(alice).toMatchObject({
        id: ALICE.id,
        key: keyReading === 'key' ? 'alice' : null,
        email: ALICE.email,
        name: ALICE.name,
        referral_link: linkOf('alice'),
        referral_links: [linkOf('alice')],
        referrals_count: 0,
      });
      expect(alice.referring_customer).toEqual({
        identifier: refReading === 'key string' || refReading === '{key}' ? BOB.key : BOB.id,
        id: refReading.startsWith('{email,id') ? BOB.id : null,
        key: refReading === '{key}' || refReading === '{email,id,key,name}' ? BOB.key : null,
        email: refReading.startsWith('{email') ? BOB.email : null,
        name: refReading.startsWith('{email') ? BOB.name : null,
      });

      const balance = await client.customers.balance('bob');
      const balanceForm = balanceReading(payload(rawBody()));
      saw('balance', balanceForm);
      const units = bobUnits();
      if (balanceForm === '{balance: number, currency}') {
        // This reading holds money only, summed: the points are not in the answer.
        const money = units.filter((u) => u.is_currency).reduce((sum, u) => sum + u.amount, 0);
        expect(balance.units).toEqual([{ amount: money, unit: 'USD', is_currency: true }]);
      } else {
        expect(byUnit(balance)).toEqual(byUnit({ units }));
      }

      const stats = await client.customers.stats('bob');
      const rawStats = payload(rawBody());
      const [names, nesting] = statsReadings(rawStats);
      saw('stats', `${names}, ${nesting}`);
      expect(stats).toMatchObject({ clicks: 2, signups: 1, referrals: 1, paid_referrals: 1 });
      expect(stats.fields).toEqual(Object.keys(rawStats));
      expect(stats.social_sharing).toEqual(Object.values(rawStats).find((v) => isObj(v) && 'twitter' in v));
      expect(stats.social_sharing.twitter).toContain(encodeURIComponent(linkOf('bob')));

      const page = await client.transactions.list({ key: 'o1' });
      const raw = rawBody();
      const [rawSale] = payload(raw);
      const customerForm = partyReading(rawSale.customer, BOB);
      saw('transaction parties', `${customerForm}, ${creditReading(rawSale.credit)}`);
      const rewardsForm = rewardsReading(rawSale.rewards);
      saw('transaction rewards', rewardsForm);
      expect(page.data).toHaveLength(1);
      const [sale] = page.data;
      expect(sale).toMatchObject({ key: 'o1', amount: 30, amount_units: 'usd', credit: false });
      const party = (form: string, who: { id: string; key: string }) => ({
        identifier: form === 'key string' ? who.key : who.id,
        id: form === '{id,key}' ? who.id : null,
        key: form === '{id,key}' ? who.key : null,
        email: null,
        name: null,
      });
      expect(sale?.customer).toEqual(party(customerForm, BOB));
      expect(sale?.referred_customer).toEqual(party(partyReading(rawSale.referred_customer, ALICE), ALICE));
      expect(sale?.rewards).toEqual(
        {
          '[]': [],
          '[number]': [{ amount: 3, amount_units: null, status: null }],
          '[{amount, amount_units}]': [{ amount: 3, amount_units: 'usd', status: null }],
        }[rewardsForm],
      );

      const before = bobUnits();
      const credited = await client.customers.creditBalance('bob', {
        amount: 1,
        amount_units: 'usd',
        is_currency: true,
      });
      const creditForm = answerReading('balance credit answer', {
        status: last.status,
        body: rawBody(),
        headers: new Headers(),
      });
      saw('balance credit answer', creditForm);
      const after = bobUnits();
      expect(after.find((u) => u.unit === 'USD')?.amount).toBe(
        (before.find((u) => u.unit === 'USD')?.amount ?? 0) + 1,
      );
      if (creditForm === '201 balance') {
        const form = balanceReading(payload(rawBody()));
        if (form === '{balance: number, currency}') {
          const money = after.filter((u) => u.is_currency).reduce((sum, u) => sum + u.amount, 0);
          expect(credited).toEqual({ units: [{ amount: money, unit: 'USD', is_currency: true }] });
        } else {
          expect(byUnit(credited)).toEqual(byUnit({ units: after }));
        }
      } else {
        // No balance in the answer: the client must say so (undefined) rather than make one up.
        if (credited !== undefined) {
          misreads.push({
            call: 'creditBalance',
            answer: creditForm,
            status: last.status,
            body: rawBody(),
            read: credited,
          });
        }
      }

      const key = `refund-${i}`;
      expectOk(
        await api()('POST', '/transactions', { customer: { key: 'alice' }, key, amount: 10, action: 'sale' }),
        key,
      );
      await expect(client.transactions.delete(key)).resolves.toBeUndefined();
      saw(
        'transaction delete answer',
        answerReading('transaction delete answer', {
          status: last.status,
          body: rawBody(),
          headers: new Headers(),
        }),
      );
      expect(sb.store.transactionsWithKey(key)).toEqual([]);
    }

    expect(misreads).toEqual([]);
    // Every reading came up at least once, so each was read above.
    expect(Object.fromEntries([...readings].map(([what, set]) => [what, set.size]))).toEqual({
      customer: 4,
      referring_customer: 5,
      balance: 4,
      stats: 6,
      'transaction parties': 6,
      'transaction rewards': 3,
      'balance credit answer': 5,
      'transaction delete answer': 2,
    });
  });
});
