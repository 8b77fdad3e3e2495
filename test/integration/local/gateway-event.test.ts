import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpApiEvent, isTextContentType } from '#local/gateway/api-event.js';
import { writeLambdaResult } from '#local/gateway/lambda-response.js';
import { matchRoute } from '#local/gateway/routes.js';
import { call, type EventContext, login, send, signedRequest, startTestSystem } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
let token: string;
beforeAll(async () => {
  env = await startTestSystem();
  token = await login(env.system, { user_id: 'alice', email: 'alice@example.com', name: 'Alice' });
});
afterAll(() => env.system.close());

const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

describe('the API Gateway v2 event the handlers receive', () => {
  it('carries cookies, lower-cased headers, the query and the JWT claims of a customer route', async () => {
    await call(env.system, 'GET', '/referrals/me?page=2&tag=a&tag=b', {
      token,
      headers: {
        Cookie: 'theme=dark; partnero_referral=bob',
        'X-Custom-Header': 'Value',
        'User-Agent': 'jest-agent',
      },
    });
    const event = env.lastEvent('me');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /referrals/me',
      rawPath: '/referrals/me',
      rawQueryString: 'page=2&tag=a&tag=b',
      queryStringParameters: { page: '2', tag: 'a,b' },
      cookies: ['theme=dark', 'partnero_referral=bob'],
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ 'x-custom-header': 'Value', 'user-agent': 'jest-agent' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(Object.keys(event.headers ?? {}).every((h) => h === h.toLowerCase())).toBe(true);
    expect(event.headers?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('body');
    const ctx = event.requestContext as EventContext;
    expect(ctx).toMatchObject({
      accountId: '000000000000',
      apiId: 'local',
      stage: '$default',
      routeKey: 'GET /referrals/me',
      http: {
        method: 'GET',
        path: '/referrals/me',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest-agent',
      },
    });
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.time).toMatch(CLF_TIME);
    expect(typeof ctx.timeEpoch).toBe('number');
    expect(ctx.authorizer?.jwt?.claims).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      name: 'Alice',
      iss: env.system.urls.issuer,
      aud: 'referrals-local-web',
    });
    expect(typeof ctx.authorizer?.jwt?.claims.exp).toBe('string');
  });

  it('decodes path parameters and reports the IAM caller of a back-office route', async () => {
    const res = await send(await signedRequest(env.system, 'DELETE', '/transactions/order%40shop-1'));
    expect(res.status).toBe(404); // the handler ran: no such transaction
    const event = env.lastEvent('refundTransaction');
    expect(event).toMatchObject({
      routeKey: 'DELETE /transactions/{key}',
      rawPath: '/transactions/order%40shop-1',
      pathParameters: { key: 'order@shop-1' },
    });
    expect(event.requestContext?.authorizer?.iam).toMatchObject({
      accessKey: env.system.credentials.accessKeyId,
      accountId: '000000000000',
      userArn: expect.stringContaining(':user/'),
    });
  });

  it('passes a JSON body as text and base64-encodes binary and untyped bodies', async () => {
    await call(env.system, 'POST', '/webhooks/partnero', {
      rawBody: '{"event":"x.y"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(env.lastInvocation('partneroWebhook')?.event).toMatchObject({
      body: '{"event":"x.y"}',
      isBase64Encoded: false,
    });

    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await call(env.system, 'POST', '/webhooks/partnero', {
      rawBody: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(env.lastInvocation('partneroWebhook')?.event).toMatchObject({
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    await call(env.system, 'POST', '/webhooks/partnero', { rawBody: Buffer.from('plain') });
    const untyped = env.lastInvocation('partneroWebhook')?.event;
    expect(untyped?.isBase64Encoded).toBe(true);
    expect(Buffer.from(String(untyped?.body), 'base64').toString()).toBe('plain');
  });

  it('answers unknown routes and methods with 404 {"message":"Not Found"}, as API Gateway', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/transactions'],
      ['PUT', '/referrals/signup'],
      ['GET', '/transactions/a/b'],
    ] as const) {
      const res = await call(env.system, method, path);
      expect({ method, path, status: res.status, body: res.body }).toEqual({
        method,
        path,
        status: 404,
        body: { message: 'Not Found' },
      });
    }
  });

  it('refuses bodies over 10 MB with 413', async () => {
    const res = await call(env.system, 'POST', '/webhooks/partnero', {
      rawBody: Buffer.alloc(10 * 1024 * 1024 + 1, 97),
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ message: 'Request Entity Too Large' });
  });
});

describe('CORS, as the stack configures it', () => {
  it('answers a preflight from an allowed origin with credentials allowed', async () => {
    const res = await call(env.system, 'OPTIONS', '/referrals/signup', {
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(res.headers.get('access-control-allow-headers')).toContain('idempotency-key');
  });

  it('gives no CORS headers to other origins', async () => {
    const res = await call(env.system, 'OPTIONS', '/referrals/signup', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await call(env.system, 'GET', '/referrals/me', {
      token,
      headers: { origin: 'https://evil.example' },
    });
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the allow-origin header to responses for the demo origin', async () => {
    const origin = env.system.urls.api;
    const res = await call(env.system, 'GET', '/referrals/me', { token, headers: { origin } });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('vary')).toContain('origin');
  });
});

describe('event and response mapping', () => {
  it('matches routes with one decoded segment per parameter', () => {
    expect(matchRoute('POST', '/customers/a%2Fb/credit')).toMatchObject({ pathParameters: { id: 'a/b' } });
    expect(matchRoute('POST', '/customers//credit')).toBeUndefined();
    expect(matchRoute('DELETE', '/transactions/%E0%A4%A')).toBeUndefined();
  });

  it('treats text, JSON and XML as text and everything else as binary', () => {
    expect(isTextContentType('application/json; charset=utf-8')).toBe(true);
    expect(isTextContentType('application/vnd.api+json')).toBe(true);
    expect(isTextContentType('text/plain')).toBe(true);
    expect(isTextContentType('application/x-www-form-urlencoded')).toBe(false);
    expect(isTextContentType('image/png')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });

  it('splits several Cookie headers into the cookies array', () => {
    const event = httpApiEvent(
      {
        method: 'GET',
        rawPath: '/x',
        rawQuery: '',
        headers: { cookie: 'a=1; b=2' },
        body: Buffer.alloc(0),
        sourceIp: '10.0.0.1',
        requestId: 'r',
      },
      { routeKey: 'GET /x', pathParameters: {}, domainName: 'localhost', port: 3000 },
    );
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('writes a structured result: cookies become Set-Cookie headers, base64 bodies are decoded', async () => {
    const server = createServer((_req, res) =>
      writeLambdaResult(
        res,
        {
          statusCode: 201,
          headers: { 'Content-Type': 'image/png', 'X-Extra': 'yes' },
          cookies: ['a=1; Path=/', 'b=2; Max-Age=0'],
          body: Buffer.from([137, 80, 78, 71]).toString('base64'),
          isBase64Encoded: true,
        },
        { 'apigw-requestid': 'req-1' },
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(201);
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Max-Age=0']);
      expect(res.headers.get('x-extra')).toBe('yes');
      expect(res.headers.get('apigw-requestid')).toBe('req-1');
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([137, 80, 78, 71]);
    } finally {
      server.close();
    }
  });
});
