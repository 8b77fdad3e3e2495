import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartneroClient } from '#shared/partnero/index.js';
import { json, noContent, setup } from './fake-fetch.js';

/**
 * Every published Partnero example (test/fixtures/partnero/*.json, each naming its page) and every
 * variant we also read (variants/), sent through the real client: the request it makes is the one the
 * fixture shows, and the domain values that come out are the ones the fixture expects.
 */

interface Fixture {
  source: string;
  call: string;
  request: { method: string; path: string; body?: Record<string, unknown> };
  response: { status: number; body: unknown };
  /** A GET the client makes after a write whose answer lacked what it needs. */
  readBack?: { status: number; body: unknown };
  /** null: the call resolves with no value read from the answer. */
  expect: unknown;
}

const DIR = join(process.cwd(), 'test/fixtures/partnero');
const load = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture] as const);

const published = load(DIR);
const variants = load(join(DIR, 'variants'));

const lastSegment = (path: string) => decodeURIComponent(path.split('?')[0]?.split('/')[2] ?? '');

/** Calls the client method the fixture names, with the arguments its request shows. */
function invoke(client: PartneroClient, f: Fixture): Promise<unknown> {
  const { path, body = {} } = f.request;
  const id = lastSegment(path);
  switch (f.call) {
    case 'customers.create':
      return client.customers.create(body);
    case 'customers.get':
      return client.customers.get(id);
    case 'customers.balance':
      return client.customers.balance(id);
    case 'customers.stats':
      return client.customers.stats(id);
    case 'customers.referrals':
      return client.customers.referrals(id);
    case 'customers.creditBalance':
      return client.customers.creditBalance(id, body as never);
    case 'transactions.create':
      return client.transactions.create(body as never);
    case 'transactions.delete':
      return client.transactions.delete(id);
    case 'transactions.list':
      return client.transactions.list({ key: new URLSearchParams(path.split('?')[1]).get('key') ?? '' });
    default:
      throw new Error(`fixture names an unknown call ${f.call}`);
  }
}

const reply = (r: { status: number; body: unknown }) =>
  r.body === null || r.body === undefined ? noContent() : json(r.status, r.body);

async function run(f: Fixture) {
  const replies = [reply(f.response), ...(f.readBack ? [reply(f.readBack)] : [])];
  const { client, calls } = setup(replies);
  const result = await invoke(client, f);
  return { result, calls };
}

describe.each([
  ['published', published],
  ['variant', variants],
])('Partnero answers, %s', (_kind, fixtures) => {
  it('has fixtures, each naming its source', () => {
    expect(fixtures.length).toBeGreaterThan(5);
    for (const [, f] of fixtures) expect(f.source.length).toBeGreaterThan(10);
  });

  it.each(fixtures.map(([name, f]) => [name, f] as const))(
    '%s is read as the fixture expects',
    async (_name, f) => {
      const { result, calls } = await run(f);
      const sent = calls[0];
      expect(sent?.method).toBe(f.request.method);
      expect(`${sent?.url.pathname}${sent?.url.search}`).toBe(`/v1${f.request.path}`);
      if (f.request.body) expect(sent?.body).toEqual(f.request.body);
      if (f.expect === null) expect(result).toBeUndefined();
      else expect(result).toMatchObject(f.expect as object);
      expect(calls).toHaveLength(f.readBack ? 2 : 1);
    },
  );
});

describe('reads that carry nothing usable', () => {
  it('a customer with neither id nor key is an error, not an empty customer', async () => {
    const { client } = setup([json(200, { status: 1, data: { email: 'a@example.com' } })], {
      maxAttempts: 1,
    });
    await expect(client.customers.get('x')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a balance answer without any balance is an error', async () => {
    const { client } = setup([json(200, { status: 1, data: { customer: { id: 'x' } } })], { maxAttempts: 1 });
    await expect(client.customers.balance('x')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a balance with an empty unit list is a balance with no units', async () => {
    const { client } = setup([json(200, { status: 1, data: { balance: { currency: [] } } })]);
    await expect(client.customers.balance('x')).resolves.toEqual({ units: [] });
  });

  it('a list row without a transaction key makes the look-up fail rather than read "not there"', async () => {
    const { client } = setup([json(200, { data: [{ amount: 1 }] })], { maxAttempts: 1 });
    await expect(client.transactions.list({ key: 'k' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a write answered 2xx with an unreadable body is applied, not unknown', async () => {
    const { client } = setup([json(201, { status: 1, data: 'ok' })]);
    await expect(
      client.transactions.create({ customer: { id: 'c' }, key: 'k', amount: 1, action: 'sale' }),
    ).resolves.toBeUndefined();
  });

  it('a created customer whose answer and read-back both fail is what was sent', async () => {
    const { client } = setup([json(201, {}), json(503, {})], { maxAttempts: 1 });
    await expect(
      client.customers.create({ id: 'acct_1', key: 'k1', email: 'a@example.com' }),
    ).resolves.toMatchObject({
      id: 'acct_1',
      key: 'k1',
      referral_link: null,
    });
  });
});
