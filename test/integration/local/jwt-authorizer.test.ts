import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { call, login, startTestSystem } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
beforeAll(async () => {
  env = await startTestSystem();
});
afterAll(() => env.system.close());

const alice = { user_id: 'alice', email: 'alice@example.com', name: 'Alice' };
const unauthorized = { status: 401, body: { message: 'Unauthorized' } };

/** GET /referrals/me with `token`: the status and body, and whether the function ran. */
async function me(token: string | undefined, raw = false) {
  const before = env.invocations.length;
  const res = await call(env.system, 'GET', '/referrals/me', {
    ...(token === undefined ? {} : { headers: { authorization: raw ? token : `Bearer ${token}` } }),
  });
  return { status: res.status, body: res.body, invoked: env.invocations.length > before };
}

describe('the local issuer', () => {
  it('signs a token for POST /local/login that the JWT routes accept', async () => {
    const token = await login(env.system, alice);
    const res = await call(env.system, 'POST', '/referrals/signup', { token, body: {} });
    expect(res.status).toBe(201);
    expect(res.body.customer.key_type).toBe('random');
  });

  it('publishes its JWKS and OpenID configuration, so any OIDC library can verify its tokens', async () => {
    const config = (await call(env.system, 'GET', '/local/.well-known/openid-configuration')).body;
    expect(config).toMatchObject({
      issuer: env.system.urls.issuer,
      jwks_uri: `${env.system.urls.issuer}/.well-known/jwks.json`,
    });
    const token = await login(env.system, alice);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(config.jwks_uri)), {
      issuer: env.system.urls.issuer,
      audience: 'referrals-local-web',
    });
    expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', name: 'Alice' });
  });

  it('refuses user ids that cannot be referral keys', async () => {
    for (const user_id of ['', 'a b', 'x'.repeat(65), 'a/b', 42]) {
      expect((await call(env.system, 'POST', '/local/login', { body: { user_id } })).status).toBe(400);
    }
    const badEmail = await call(env.system, 'POST', '/local/login', {
      body: { user_id: 'ok', email: 'nope' },
    });
    expect(badEmail).toMatchObject({
      status: 400,
      body: { error: { code: 'validation', message: 'email must be an email address' } },
    });
  });
});

describe('the JWT authorizer (issuer, audience, expiry, signature)', () => {
  it('lets a valid token through, with or without the Bearer prefix', async () => {
    const token = await env.system.issuer.sign(alice);
    expect(await me(token)).toMatchObject({ status: 200, invoked: true });
    expect(await me(token, true)).toMatchObject({ status: 200, invoked: true });
  });

  it('answers 401 without calling the function when the token is missing', async () => {
    expect(await me(undefined)).toMatchObject({ ...unauthorized, invoked: false });
    expect(await me('')).toMatchObject({ ...unauthorized, invoked: false });
  });

  it('refuses an expired token', async () => {
    expect(await me(await env.system.issuer.sign(alice, { expiresIn: -60 }))).toMatchObject({
      ...unauthorized,
      invoked: false,
    });
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await me(await env.system.issuer.sign(alice, { notBeforeIn: 600 }))).toMatchObject({
      ...unauthorized,
      invoked: false,
    });
  });

  it('refuses a token for another audience', async () => {
    expect(await me(await env.system.issuer.sign(alice, { audience: 'another-app' }))).toMatchObject({
      ...unauthorized,
      invoked: false,
    });
  });

  it('accepts the audience as client_id (access tokens), as API Gateway does', async () => {
    const token = await env.system.issuer.sign(
      alice,
      { audience: 'another-app' },
      { client_id: 'referrals-local-web' },
    );
    expect(await me(token)).toMatchObject({ status: 200, invoked: true });
  });

  it('refuses a token from another issuer', async () => {
    expect(await me(await env.system.issuer.sign(alice, { issuer: 'https://issuer.example' }))).toMatchObject(
      { ...unauthorized, invoked: false },
    );
  });

  it('refuses a token signed with another key, even with the right kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const kid = env.system.issuer.jwks.keys[0]?.kid ?? '';
    const forged = await new SignJWT({ email: 'alice@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('alice')
      .setIssuer(env.system.urls.issuer)
      .setAudience('referrals-local-web')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await me(forged)).toMatchObject({ ...unauthorized, invoked: false });
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, payload, signature] = (await env.system.issuer.sign(alice)).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
    expect(await me(`${header}.${tampered}.${signature}`)).toMatchObject({ ...unauthorized, invoked: false });
  });

  it('refuses an unsigned (alg none) token', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'alice', iss: env.system.urls.issuer, aud: 'referrals-local-web', exp })}.`;
    expect(await me(none)).toMatchObject({ ...unauthorized, invoked: false });
  });

  it('refuses a token without an expiry', async () => {
    const token = await env.system.issuer.sign(alice);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    delete claims.exp;
    const noExp = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect(await me(`${header}.${noExp}.${signature}`)).toMatchObject({ ...unauthorized, invoked: false });
  });

  it('protects the demo order routes with the same authorizer', async () => {
    expect((await call(env.system, 'POST', '/local/orders', { body: {} })).status).toBe(401);
    const expired = await env.system.issuer.sign(alice, { expiresIn: -1 });
    expect((await call(env.system, 'GET', '/local/orders', { token: expired })).status).toBe(401);
  });

  it('answers 404, not 500, for an order id that is not valid percent-encoding', async () => {
    const token = await login(env.system, alice);
    const res = await call(env.system, 'POST', '/local/orders/%ZZ/refund', { token });
    expect(res.status).toBe(404);
  });
});
