import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import { apiClient, control } from './helpers.js';

let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(() => sb.close());
beforeEach(async () => {
  await control(sb, 'POST', 'reset');
});

/** Runs the script against a fake page and returns what it did. */
function runScript(script: string, search: string, existingPo?: unknown) {
  const cookies: string[] = [];
  const beacons: string[] = [];
  const window: Record<string, unknown> = {
    location: { search },
    po: existingPo,
    fetch: (url: string) => {
      beacons.push(url);
      return Promise.resolve();
    },
  };
  const document = {
    get cookie() {
      return '';
    },
    set cookie(value: string) {
      cookies.push(value);
    },
  };
  runInNewContext(script, { window, document });
  return { cookies, beacons, po: window.po as (...args: unknown[]) => unknown };
}

async function fetchScript(sandbox: RunningSandbox, path = '/js/partnero.js') {
  const res = await fetch(`${sandbox.url}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return res.text();
}

describe('PartneroJS stand-in', () => {
  it('stores ?ref=KEY in the partnero_referral cookie and reports the click', async () => {
    const api = apiClient(sb);
    await api('POST', '/customers', { key: 'bob' });
    const { cookies, beacons, po } = runScript(await fetchScript(sb), '?utm=x&ref=bob');
    expect(cookies).toEqual(['partnero_referral=bob; path=/; max-age=2592000; SameSite=Lax']);
    expect(beacons).toEqual([`${sb.url}/__sandbox/click?key=bob`]);
    expect(() => po('program', 'PUBLIC_ID', 'load')).not.toThrow();

    const beacon = beacons[0] ?? '';
    expect((await fetch(beacon)).status).toBe(204);
    expect((await api('GET', '/customers/bob/stats')).body.data.clicks).toBe(1);
  });

  it('is also served as universal.js and leaves the cookie alone without a valid key', async () => {
    const script = await fetchScript(sb, '/js/universal.js');
    for (const search of [
      '',
      '?other=1',
      '?ref=',
      '?ref=%3Cscript%3E',
      `?ref=${'a'.repeat(65)}`,
      '?ref=a;b=c',
    ]) {
      const { cookies, beacons } = runScript(script, search);
      expect(cookies).toEqual([]);
      expect(beacons).toEqual([]);
    }
  });

  it('keeps calls queued by the loader snippet', async () => {
    const queued = { q: [['program', 'ID', 'load']] };
    const { po } = runScript(await fetchScript(sb), '', queued);
    expect((po as unknown as { q: unknown[] }).q).toEqual([['program', 'ID', 'load']]);
  });

  it('honours a custom parameter name and cookie lifetime', async () => {
    const custom = await startSandbox({ port: 0, referralParam: 'via', cookieDays: 7 });
    try {
      const { cookies } = runScript(await fetchScript(custom), '?via=carol_1');
      expect(cookies).toEqual(['partnero_referral=carol_1; path=/; max-age=604800; SameSite=Lax']);
      const created = await apiClient(custom)('POST', '/customers', { key: 'carol_1' });
      expect(created.body.data.referral_link).toBe('http://localhost:3000/?via=carol_1');
    } finally {
      await custom.close();
    }
  });
});
