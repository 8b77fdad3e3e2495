import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler, type SignupDeps } from '#functions/signup.js';
import { answer, jwtEvent, lambdaContext } from '#test/support/events.js';
import { handlerSandbox } from '#test/support/sandbox.js';

let env: Awaited<ReturnType<typeof handlerSandbox>>;
beforeAll(async () => {
  env = await handlerSandbox();
});
afterAll(() => env.sandbox.close());
let settings: Partial<SignupDeps> = {};
beforeEach(async () => {
  await env.reset();
  settings = {};
});
const handler = createHandler(() => ({ partnero: env.partnero, customerKeyClaim: 'sub', ...settings }));

const alice = { sub: 'alice-sub', email: 'alice@example.com', given_name: 'Alice', family_name: 'Smith' };
const bob = { sub: 'bob-sub', email: 'bob@example.com', given_name: 'Bob' };
const call = async (claims: Record<string, string>, input: Parameters<typeof jwtEvent>[1] = {}) =>
  answer(
    await handler(jwtEvent(claims, { method: 'POST', path: '/referrals/signup', ...input }), lambdaContext()),
  );
const partneroCustomer = async (key: string) => (await env.api('GET', `/customers/${key}`)).body?.data;

describe('POST /referrals/signup', () => {
  it('creates the customer from the token and returns the referral link with 201', async () => {
    const res = await call(alice);
    expect(res.status).toBe(201);
    expect(res.body.customer).toMatchObject({ key: 'alice-sub', referred_by: null, referrals_count: 0 });
    expect(res.body.customer.referral_link).toContain('ref=alice-sub');
    expect(res.body.customer.referral_links).toContain(res.body.customer.referral_link);
    expect(await partneroCustomer('alice-sub')).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice',
      surname: 'Smith',
    });
  });

  it('attributes the customer to the referrer in the partnero_referral cookie', async () => {
    await call(alice);
    const res = await call(bob, { cookies: ['theme=dark', 'partnero_referral=alice-sub'] });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toBe('alice-sub');
    expect((await partneroCustomer('alice-sub')).referrals_count).toBe(1);
  });

  it('reads the cookie from a raw Cookie header too', async () => {
    await call(alice);
    const res = await call(bob, { headers: { Cookie: 'a=1; partnero_referral=alice-sub; b=2' } });
    expect(res.body.customer.referred_by).toBe('alice-sub');
  });

  it('falls back to the body referral_key when there is no cookie', async () => {
    await call(alice);
    const res = await call(bob, { body: { referral_key: 'alice-sub' } });
    expect(res.body.customer.referred_by).toBe('alice-sub');
  });

  it('prefers the cookie over the body', async () => {
    await call(alice);
    await call({ sub: 'carol', email: 'carol@example.com' });
    const res = await call(bob, {
      cookies: ['partnero_referral=carol'],
      body: { referral_key: 'alice-sub' },
    });
    expect(res.body.customer.referred_by).toBe('carol');
  });

  it('decodes an URL-encoded cookie value', async () => {
    await call({ sub: 'auth0|42', email: 'x@example.com' });
    const res = await call(bob, { cookies: ['partnero_referral=auth0%7C42'] });
    expect(res.body.customer.referred_by).toBe('auth0|42');
  });

  it('returns 200 and the same customer on a second call, and never re-attributes it', async () => {
    await call(alice);
    const first = await call(bob);
    const second = await call(bob, { cookies: ['partnero_referral=alice-sub'] });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.customer).toEqual(first.body.customer);
    expect(second.body.customer.referred_by).toBeNull();
  });

  it('drops a self-referral and still creates the customer', async () => {
    const res = await call(alice, { cookies: ['partnero_referral=alice-sub'] });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toBeNull();
    expect(res.body.referral_dropped).toBe('self_referral');
  });

  it('reports a self-referral of an existing customer too, and changes nothing', async () => {
    await call(alice);
    const res = await call(alice, { cookies: ['partnero_referral=alice-sub'] });
    expect(res.status).toBe(200);
    expect(res.body.referral_dropped).toBe('self_referral');
    expect(res.body.customer).toMatchObject({ referred_by: null, referrals_count: 0 });
  });

  it('drops an unknown referrer (a stale link) and still creates the customer', async () => {
    const res = await call(bob, { cookies: ['partnero_referral=nobody-here'] });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toBeNull();
    expect(res.body.referral_dropped).toBe('unknown_referrer');
  });

  it('never lets the body choose the customer key', async () => {
    const res = await call(bob, { body: { key: 'mallory', id: 'mallory' } });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(expect.arrayContaining(['body']));
    expect(await partneroCustomer('mallory')).toBeUndefined();
  });

  it('takes profile fields from the body only when the token lacks them', async () => {
    const res = await call(
      { sub: 'dave' },
      { body: { email: 'dave@example.com', name: 'Dave', surname: 'Jones' } },
    );
    expect(res.status).toBe(201);
    expect(await partneroCustomer('dave')).toMatchObject({
      email: 'dave@example.com',
      name: 'Dave',
      surname: 'Jones',
    });
    await call({ sub: 'erin', email: 'erin@example.com' }, { body: { email: 'spoof@example.com' } });
    expect((await partneroCustomer('erin')).email).toBe('erin@example.com');
  });

  it('uses the configured claim as the customer key', async () => {
    settings = { customerKeyClaim: 'custom:account_id' };
    const res = await call({ sub: 'ignored', 'custom:account_id': 'acct-9', email: 'a9@example.com' });
    expect(res.body.customer.key).toBe('acct-9');
  });

  it('expires the referral cookie once it was used, when the cookie domain is configured', async () => {
    settings = { referralCookieDomain: '.example.com' };
    await call(alice);
    const res = await call(bob, { cookies: ['partnero_referral=alice-sub'] });
    expect(res.cookies).toEqual([
      expect.stringMatching(/^partnero_referral=; Domain=\.example\.com; Path=\/; Max-Age=0/),
    ]);
  });

  it.each([
    ['a path traversal', 'partnero_referral=..%2Fx'],
    ['a slash and query', 'partnero_referral=a%2Fb%3Fc'],
    ['a very long value', `partnero_referral=${'a'.repeat(5000)}`],
    ['dots only', 'partnero_referral=..'],
    ['a script', 'partnero_referral=%3Cscript%3E'],
  ])('rejects %s in the referral cookie with 400 naming the cookie', async (_label, cookie) => {
    const res = await call(bob, { cookies: [cookie] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation');
    expect(res.body.error.fields).toHaveProperty(['cookie.partnero_referral']);
    expect(await partneroCustomer('bob-sub')).toBeUndefined();
  });

  it('ignores malformed cookie pairs and undecodable unrelated cookies', async () => {
    await call(alice);
    const res = await call(bob, {
      cookies: ['=novalue', 'junk', 'other=%E0%A4%A', 'partnero_referral=alice-sub'],
    });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toBe('alice-sub');
  });

  it('rejects an undecodable referral cookie with 400 like any malformed one', async () => {
    const res = await call(bob, { cookies: ['partnero_referral=%E0%A4%A'] });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(['cookie.partnero_referral']);
  });

  it('finds the referral cookie behind many other cookies', async () => {
    await call(alice);
    const others = Array.from({ length: 150 }, (_, i) => `c${i}=v${i}`);
    const res = await call(bob, { cookies: [...others, 'partnero_referral=alice-sub'] });
    expect(res.body.customer.referred_by).toBe('alice-sub');
  });

  it('rejects an invalid body referral_key with 400 naming the field', async () => {
    const res = await call(bob, { body: { referral_key: '../transactions' } });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('referral_key');
  });

  it.each([
    ['malformed JSON', { rawBody: '{"email":' }, 400, 'invalid_json'],
    [
      'a non-JSON content type',
      { rawBody: 'a=b', headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    ],
    ['an oversize body', { rawBody: JSON.stringify({ name: 'x'.repeat(20_000) }) }, 413, 'payload_too_large'],
    ['a bad email', { body: { email: 'not-an-email' } }, 400, 'validation'],
    ['a JSON array', { body: [1, 2] }, 400, 'validation'],
  ])('answers %s with a JSON error', async (_label, input, status, code) => {
    const res = await call(bob, input as Parameters<typeof jwtEvent>[1]);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('accepts a base64-encoded body as API Gateway may send it', async () => {
    const res = await call({ sub: 'frank' }, { body: { email: 'frank@example.com' }, base64: true });
    expect(res.status).toBe(201);
    expect((await partneroCustomer('frank')).email).toBe('frank@example.com');
  });

  it('answers 401 when the token has no customer key claim, and 403 for an unusable one', async () => {
    expect((await call({ email: 'x@example.com' })).status).toBe(401);
    expect((await call({ sub: '../etc' })).body.error.code).toBe('invalid_identity');
  });

  it('answers 409 when the email belongs to another customer', async () => {
    await call(alice);
    const res = await call({ sub: 'other', email: 'alice@example.com' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    // Nothing that tells a caller which field (and so which email) is taken.
    expect(res.body.error.fields).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/email/i);
  });

  it('answers 503 with Retry-After when Partnero keeps rate limiting, without leaking the key', async () => {
    await env.faults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0 });
    const res = await call(alice);
    await env.clearFaults();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(res)).not.toContain(env.sandbox.apiKey);
  });

  it('answers 502 when Partnero fails, with no stack trace', async () => {
    await env.faults({ rate: 1, kinds: ['500'] });
    const res = await call(alice);
    await env.clearFaults();
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('partnero_unavailable');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});
