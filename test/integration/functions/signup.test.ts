import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler, type SignupDeps } from '#functions/signup.js';
import { disposableEmailGuard } from '#shared/referrals/disposable-email.js';
import { emailHasher } from '#shared/referrals/mailbox.js';
import { DynamoReferralKeys, type ReferralKeys } from '#shared/referrals/public-keys.js';
import { answer, jwtEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import { recordingMetrics } from '#test/support/metrics.js';
import { handlerSandbox } from '#test/support/sandbox.js';

let env: Awaited<ReturnType<typeof handlerSandbox>>;
let dynamo: LocalDynamo;
let keys: ReferralKeys;
beforeAll(async () => {
  env = await handlerSandbox();
  dynamo = await startLocalDynamo();
  keys = new DynamoReferralKeys(dynamo.client(), TEST_TABLES.referralKeys);
});
afterAll(async () => {
  await env.sandbox.close();
  await dynamo.close();
});
const recorded = recordingMetrics();
let settings: Partial<SignupDeps> = {};
beforeEach(async () => {
  await env.reset();
  dynamo.reset();
  recorded.clear();
  settings = {};
});
const hashEmail = emailHasher(async () => 'test-email-hash-key');
const handler = createHandler(() => ({
  partnero: env.partnero,
  keys,
  hashEmail,
  identity: { keyClaim: 'sub', requiredTokenUse: 'id' },
  guards: {},
  metrics: recorded.metrics,
  ...settings,
}));

/** ID-token claims as API Gateway's JWT authorizer hands them over: every value a string. */
const idToken = (claims: Record<string, string>) => ({ token_use: 'id', ...claims });
const verified = (sub: string, email: string, extra: Record<string, string> = {}) =>
  idToken({ sub, email, email_verified: 'true', ...extra });
const alice = verified('alice-sub', 'alice@example.com', { given_name: 'Alice', family_name: 'Smith' });
const bob = verified('bob-sub', 'bob@example.com', { given_name: 'Bob' });
const call = async (claims: Record<string, string>, input: Parameters<typeof jwtEvent>[1] = {}) =>
  answer(
    await handler(jwtEvent(claims, { method: 'POST', path: '/referrals/signup', ...input }), lambdaContext()),
  );
/** Signs `claims` up and answers the public key of their referral link. */
const keyOf = async (claims: Record<string, string>) => (await call(claims)).body.customer.key as string;
const partneroCustomer = async (key: string) => (await env.api('GET', `/customers/${key}`)).body?.data;
const customerReads = async () => {
  const counters = await env.requests();
  return Object.entries(counters.byRoute as Record<string, number>)
    .filter(([route]) => route.startsWith('GET /v1/customers'))
    .reduce((sum, [, n]) => sum + n, 0);
};

describe('POST /referrals/signup', () => {
  it('creates the customer from the token and returns the referral link with 201', async () => {
    const res = await call(alice);
    expect(res.status).toBe(201);
    // A public key of ours, never the account id: that is Partnero's private id.
    const { key } = res.body.customer;
    expect(key).toMatch(/^[2-9a-hjkmnp-z]{9}$/);
    expect(res.body.customer).toMatchObject({ key_type: 'random', referred_by: null, referrals_count: 0 });
    expect(res.body.customer.referral_link).toContain(`ref=${key}`);
    expect(res.body.customer.referral_link).not.toContain('alice-sub');
    expect(res.body.customer.referral_links).toContain(res.body.customer.referral_link);
    expect(await partneroCustomer('alice-sub')).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice',
      surname: 'Smith',
    });
  });

  it('attributes the customer to the referrer in the partnero_referral cookie', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(bob, { cookies: ['theme=dark', `partnero_referral=${aliceKey}`] });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
    expect((await partneroCustomer('alice-sub')).referrals_count).toBe(1);
  });

  it('reads the cookie from a raw Cookie header too', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(bob, { headers: { Cookie: `a=1; partnero_referral=${aliceKey}; b=2` } });
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
  });

  it('falls back to the body referral_key when there is no cookie', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(bob, { body: { referral_key: aliceKey } });
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
  });

  it('prefers the cookie over the body', async () => {
    const aliceKey = await keyOf(alice);
    const carolKey = await keyOf(verified('carol', 'carol@example.com'));
    const res = await call(bob, {
      cookies: [`partnero_referral=${carolKey}`],
      body: { referral_key: aliceKey },
    });
    expect(res.body.customer.referred_by).toEqual({ key: carolKey, name: null });
  });

  it('decodes an URL-encoded cookie value', async () => {
    // A customer enrolled before our keys: its key is its account id, and links with it still attribute.
    await env.api('POST', '/customers', { id: 'auth0|42', key: 'auth0|42', email: 'x@example.com' });
    const res = await call(bob, { cookies: ['partnero_referral=auth0%7C42'] });
    expect(res.body.customer.referred_by).toEqual({ key: 'auth0|42', name: null });
    expect((await partneroCustomer('bob-sub')).referring_customer).toMatchObject({ id: 'auth0|42' });
  });

  it('returns 200 and the same customer on a second call, and never re-attributes it', async () => {
    const aliceKey = await keyOf(alice);
    const first = await call(bob);
    const second = await call(bob, { cookies: [`partnero_referral=${aliceKey}`] });
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
    const aliceKey = await keyOf(alice);
    const res = await call(alice, { cookies: [`partnero_referral=${aliceKey}`] });
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

  it('takes names from the body only when the token lacks them, and the email never', async () => {
    const res = await call(idToken({ sub: 'dave' }), {
      body: { email: 'dave@example.com', name: 'Dave', surname: 'Jones' },
    });
    expect(res.status).toBe(201);
    const dave = await partneroCustomer('dave');
    expect(dave).toMatchObject({ name: 'Dave', surname: 'Jones' });
    expect(dave.email ?? null).toBeNull();
    await call(verified('erin', 'erin@example.com'), { body: { email: 'spoof@example.com' } });
    expect((await partneroCustomer('erin')).email).toBe('erin@example.com');
  });

  it('uses the configured claim as the customer key', async () => {
    settings = { identity: { keyClaim: 'cognito:username', requiredTokenUse: 'id' } };
    const res = await call(verified('ignored', 'a9@example.com', { 'cognito:username': 'acct-9' }));
    expect(res.body.customer.key_type).toBe('random');
    expect(await partneroCustomer('acct-9')).toMatchObject({ email: 'a9@example.com' });
  });

  it('expires the referral cookie once it was used, when the cookie domain is configured', async () => {
    settings = { referralCookieDomain: '.example.com' };
    const aliceKey = await keyOf(alice);
    const res = await call(bob, { cookies: [`partnero_referral=${aliceKey}`] });
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
    ['an undecodable value', 'partnero_referral=%E0%A4%A'],
    ['control characters', 'partnero_referral=a%00b%0A'],
  ])(
    'creates the customer despite %s in the referral cookie, dropping the referral',
    async (_label, cookie) => {
      const res = await call(bob, { cookies: [cookie] });
      expect(res.status).toBe(201);
      expect(res.body.referral_dropped).toBe('invalid_referral');
      expect(res.body.customer.referred_by).toBeNull();
      expect(await partneroCustomer('bob-sub')).toMatchObject({ id: 'bob-sub' });
    },
  );

  it('uses a valid body referral_key when the cookie is garbled, and expires the cookie', async () => {
    settings = { referralCookieDomain: '.example.com' };
    const aliceKey = await keyOf(alice);
    const res = await call(bob, {
      cookies: ['partnero_referral=%3Cscript%3E'],
      body: { referral_key: aliceKey },
    });
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
    expect(res.body.referral_dropped).toBeUndefined();
    expect(res.cookies).toEqual([expect.stringMatching(/^partnero_referral=; Domain=\.example\.com/)]);
  });

  it('ignores malformed cookie pairs and undecodable unrelated cookies', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(bob, {
      cookies: ['=novalue', 'junk', 'other=%E0%A4%A', `partnero_referral=${aliceKey}`],
    });
    expect(res.status).toBe(201);
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
  });

  it('finds the referral cookie behind many other cookies', async () => {
    const aliceKey = await keyOf(alice);
    const others = Array.from({ length: 150 }, (_, i) => `c${i}=v${i}`);
    const res = await call(bob, { cookies: [...others, `partnero_referral=${aliceKey}`] });
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
  });

  it('drops an invalid body referral_key (a mangled link) and still creates the customer', async () => {
    const res = await call(bob, { body: { referral_key: '../transactions' } });
    expect(res.status).toBe(201);
    expect(res.body.referral_dropped).toBe('invalid_referral');
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
    ['a non-string name', { body: { name: 42 } }, 400, 'validation'],
    ['a JSON array', { body: [1, 2] }, 400, 'validation'],
  ])('answers %s with a JSON error', async (_label, input, status, code) => {
    const res = await call(bob, input as Parameters<typeof jwtEvent>[1]);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('accepts a base64-encoded body as API Gateway may send it', async () => {
    const res = await call(idToken({ sub: 'frank' }), { body: { name: 'Frank' }, base64: true });
    expect(res.status).toBe(201);
    expect((await partneroCustomer('frank')).name).toBe('Frank');
  });

  it('answers 401 when the token has no customer key claim, and 403 for an unusable one', async () => {
    expect((await call(idToken({ email: 'x@example.com' }))).status).toBe(401);
    expect((await call(idToken({ sub: '../etc' }))).body.error.code).toBe('invalid_identity');
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

describe('POST /referrals/signup: identity', () => {
  it('refuses an access token when ID tokens are required, and creates nothing', async () => {
    const res = await call({ sub: 'alice-sub', token_use: 'access', client_id: 'web', scope: 'openid' });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/ID token/);
    expect(await partneroCustomer('alice-sub')).toBeUndefined();
  });

  it('accepts a token without token_use when the issuer is not the stack pool (no rule set)', async () => {
    settings = { identity: { keyClaim: 'sub' } };
    expect((await call({ sub: 'ext-1', email: 'e@example.com', email_verified: 'true' })).status).toBe(201);
  });

  it.each([
    ['no email_verified claim', { sub: 'm', email: 'victim@example.com' }],
    ['email_verified false', { sub: 'm', email: 'victim@example.com', email_verified: 'false' }],
  ])('never enrols an email with %s, so nobody can squat a victim address', async (_label, claims) => {
    const squat = await call(idToken(claims));
    expect(squat.status).toBe(201);
    expect((await partneroCustomer('m')).email ?? null).toBeNull();
    // The victim's own, verified sign-up goes through.
    const victim = await call(verified('victim', 'victim@example.com'));
    expect(victim.status).toBe(201);
    expect((await partneroCustomer('victim')).email).toBe('victim@example.com');
  });

  it('accepts email_verified as a JSON boolean too (a direct invocation, not API Gateway)', async () => {
    const claims = { ...idToken({ sub: 'g' }), email: 'g@example.com', email_verified: true };
    await call(claims as unknown as Record<string, string>);
    expect((await partneroCustomer('g')).email).toBe('g@example.com');
  });

  it.each([
    ['the same address', 'alice@example.com'],
    ['another case', 'ALICE@Example.com'],
  ])(
    'answers 409 email_in_use when the verified email (%s) belongs to another account',
    async (_l, email) => {
      await call(alice);
      const res = await call(verified('alice-second-account', email));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('email_in_use');
      expect(res.body.error.message).toMatch(/sign in with the account you joined with/);
      expect(await partneroCustomer('alice-second-account')).toBeUndefined();
    },
  );

  it.each([' alice-sub', 'alice-sub ', '\talice-sub'])(
    'refuses a key claim with surrounding whitespace (%j) instead of trimming it',
    async (sub) => {
      await call(alice);
      const res = await call(verified(sub, 'mallory@example.com'));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('invalid_identity');
    },
  );
});

describe('POST /referrals/signup: abuse guards', () => {
  const referrer = verified('alice-sub', 'Alice.Smith@gmail.com');

  it.each([
    ['a +tag', 'alice.smith+friend@gmail.com'],
    ['Gmail dots', 'a.l.i.c.e.s.m.i.t.h@gmail.com'],
    ['no dots', 'alicesmith@gmail.com'],
    ['googlemail.com', 'alicesmith@googlemail.com'],
    ['all at once', 'A.liceSmith+2@GoogleMail.com'],
  ])('drops a self-referral by %s and still creates the customer', async (_label, email) => {
    const aliceKey = await keyOf(referrer);
    await env.resetRequests();
    const res = await call(verified('alice-alt', email), { cookies: [`partnero_referral=${aliceKey}`] });
    // Caught through the key map's email hash: no Partnero read.
    expect(await customerReads()).toBe(0);
    expect(res.status).toBe(201);
    expect(res.body.referral_dropped).toBe('self_referral');
    expect(res.body.customer.referred_by).toBeNull();
    expect((await partneroCustomer('alice-sub')).referrals_count).toBe(0);
  });

  it.each([
    ['dots outside Gmail', 'ali.ce@example.com', 'alice@example.com'],
    ['a different mailbox', 'alice.smith2@gmail.com', 'alice.smith@gmail.com'],
    ['a tag on another domain', 'alice+x@example.org', 'alice@example.com'],
  ])('keeps a real referral: %s', async (_label, friendEmail, referrerEmail) => {
    const aliceKey = await keyOf(verified('alice-sub', referrerEmail));
    const res = await call(verified('friend', friendEmail), { cookies: [`partnero_referral=${aliceKey}`] });
    expect(res.body.referral_dropped).toBeUndefined();
    expect(res.body.customer.referred_by).toEqual({ key: aliceKey, name: null });
  });

  it('reads no Partnero customer to screen a key of ours, and one for a key from before the map', async () => {
    const aliceKey = await keyOf(alice);
    await env.api('POST', '/customers', { id: 'old-timer', key: 'old-timer', email: 'old@example.com' });
    await env.resetRequests();
    await call(bob);
    const plain = await customerReads();
    await call(verified('carol', 'carol@example.com'), { cookies: [`partnero_referral=${aliceKey}`] });
    const mapped = await customerReads();
    await call(verified('dave', 'dave@example.com'), { cookies: ['partnero_referral=old-timer'] });
    expect(plain).toBe(0);
    expect(mapped).toBe(0);
    expect((await customerReads()) - mapped).toBe(1);
  });

  it('drops the referral of a throwaway mailbox when the guard is on, and still creates the customer', async () => {
    settings = { guards: { isDisposableEmail: disposableEmailGuard(console) } };
    const aliceKey = await keyOf(alice);
    const res = await call(verified('temp', 'someone@mailinator.com'), {
      cookies: [`partnero_referral=${aliceKey}`],
    });
    expect(res.status).toBe(201);
    expect(res.body.referral_dropped).toBe('disposable_email');
    expect((await partneroCustomer('temp')).referring_customer ?? null).toBeNull();
  });

  it('keeps the referral of a throwaway mailbox when the guard is off (the default)', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(verified('temp', 'someone@mailinator.com'), {
      cookies: [`partnero_referral=${aliceKey}`],
    });
    expect(res.body.customer.referred_by).toMatchObject({ key: aliceKey });
  });
});

describe('POST /referrals/signup: funnel metrics', () => {
  it('counts sign-ups by outcome and dropped referrals by reason, one EMF record per sign-up that counted', async () => {
    const aliceKey = await keyOf(alice);
    await call(bob, { cookies: [`partnero_referral=${aliceKey}`] });
    await call(bob, { cookies: [`partnero_referral=${aliceKey}`] });
    await call(verified('carol', 'carol@example.com'), { cookies: ['partnero_referral=%3Cx%3E'] });
    await call(idToken({ sub: '../bad' }));
    // By outcome only, one EMF record per sign-up (the dashboard sums the outcomes).
    expect(recorded.count('Signups')).toBe(0);
    expect(recorded.count('Signups', ['outcome', 'unattributed'])).toBe(2);
    expect(recorded.count('Signups', ['outcome', 'attributed'])).toBe(1);
    expect(recorded.count('Signups', ['outcome', 'existing'])).toBe(1);
    expect(recorded.count('ReferralsDropped')).toBe(2);
    expect(recorded.count('ReferralsDropped', ['reason', 'already_enrolled'])).toBe(1);
    expect(recorded.count('ReferralsDropped', ['reason', 'invalid_referral'])).toBe(1);
    // The refused token (a 4xx) counted nothing, so it writes no record (and no Powertools warning).
    expect(recorded.publishes()).toBe(4);
  });
});

describe('POST /referrals/signup: public keys', () => {
  it('attributes through our key map by referring_customer.id, which Partnero prefers over the key', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(bob, { cookies: [`partnero_referral=${aliceKey}`] });
    // The referrer's first name when Partnero's answer carries one (its fields are not published).
    const { name } = res.body.customer.referred_by;
    expect(res.body.customer.referred_by).toEqual({ key: aliceKey, name });
    expect([null, 'Alice']).toContain(name);
    expect((await partneroCustomer('bob-sub')).referring_customer).toMatchObject({ id: 'alice-sub' });
    // The answer never names the referrer's account id.
    expect(JSON.stringify(res.body)).not.toContain('alice-sub');
  });

  it('drops a self-referral through the account’s own key', async () => {
    const aliceKey = await keyOf(alice);
    const res = await call(alice, { cookies: [`partnero_referral=${aliceKey}`] });
    expect(res.body.referral_dropped).toBe('self_referral');
  });

  it('keeps the account id as the key of a customer enrolled before the map, and says so', async () => {
    await env.api('POST', '/customers', { id: 'alice-sub', key: 'alice-sub', email: 'alice@example.com' });
    const res = await call(alice);
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ key: 'alice-sub', key_type: 'account_id' });
    expect(res.body.customer.referral_link).toContain('ref=alice-sub');
    expect(await keys.keyOf('alice-sub')).toMatchObject({ publicKey: 'alice-sub', kind: 'account_id' });
    // Its old links still attribute, by key.
    const friend = await call(bob, { cookies: ['partnero_referral=alice-sub'] });
    expect(friend.body.customer.referred_by).toEqual({ key: 'alice-sub', name: null });
  });

  it('answers the same key on every later sign-up, with or without a referral', async () => {
    const first = await call(alice);
    const again = await call(alice, { cookies: ['partnero_referral=someone-else'] });
    expect(again.body.customer.key).toBe(first.body.customer.key);
  });
});
