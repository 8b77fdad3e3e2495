import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, send, signedRequest, startTestSystem } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
beforeAll(async () => {
  env = await startTestSystem();
});
afterAll(() => env.system.close());

const forbidden = { status: 403, body: { message: 'Forbidden' } };
const body = JSON.stringify({ customer_key: 'nobody', key: 'order-1', amount: 100, currency: 'USD' });

async function outcome(
  request: Promise<{ url: string; init: RequestInit }> | { url: string; init: RequestInit },
) {
  const before = env.invocations.length;
  const res = await send(await request);
  return { status: res.status, body: res.body, invoked: env.invocations.length > before };
}

describe('IAM routes require a SigV4 signature with the local credentials', () => {
  it('accepts a request signed with @smithy/signature-v4 and passes it to the function', async () => {
    const res = await outcome(signedRequest(env.system, 'POST', '/transactions', { body }));
    expect(res.invoked).toBe(true);
    expect(res.status).toBe(422); // the function answered: Partnero does not know "nobody"
    expect(res.body.error.code).toBe('unknown_customer');
  });

  it('accepts signed requests with an encoded path, a query and extra signed headers', async () => {
    const res = await outcome(
      signedRequest(env.system, 'DELETE', '/transactions/order%40shop%3A1', {
        query: { dry: 'no way', a: '1' },
        headers: { 'x-trace': 'abc', 'user-agent': 'signed-agent/1.0' },
      }),
    );
    expect(res).toMatchObject({ status: 404, invoked: true });
    expect(env.lastInvocation('refundTransaction')?.event.pathParameters).toEqual({ key: 'order@shop:1' });
  });

  it('accepts the Idempotency-Key header of the credit route when it is signed', async () => {
    const res = await outcome(
      signedRequest(env.system, 'POST', '/customers/nobody/credit', {
        body: JSON.stringify({ amount: 5, currency: 'USD', is_currency: true }),
        headers: { 'idempotency-key': 'b7e8c1a0-6f0e-4a57-9d3e-2f1c4f0a9b11' },
      }),
    );
    expect(res.invoked).toBe(true);
    expect(res.status).not.toBe(403);
  });

  it('passes the Authorization header on, so the credit route refuses an Idempotency-Key added after signing', async () => {
    const request = await signedRequest(env.system, 'POST', '/customers/nobody/credit', {
      body: JSON.stringify({ amount: 5, currency: 'USD', is_currency: true }),
    });
    // A valid signature over content-type;host;x-amz-date…: the key rides along unsigned.
    (request.init.headers as Record<string, string>)['idempotency-key'] =
      'c1d2e3f4-0000-4000-8000-000000000001';
    const res = await outcome(request);
    expect(res.invoked).toBe(true);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('idempotency_key_unsigned');
    expect(env.lastInvocation('creditCustomer')?.event.headers?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=.*SignedHeaders=/,
    );
  });

  it('refuses an unsigned request with 403 Forbidden', async () => {
    const res = await call(env.system, 'POST', '/transactions', {
      rawBody: body,
      headers: { 'content-type': 'application/json' },
    });
    expect({ status: res.status, body: res.body }).toEqual(forbidden);
    expect(
      env.invocations.some(
        (i) => i.fn === 'createTransactions' && i.event.body === body && !i.event.requestContext?.authorizer,
      ),
    ).toBe(false);
  });

  it('refuses a request whose body was changed after signing', async () => {
    const request = await signedRequest(env.system, 'POST', '/transactions', { body });
    request.init.body = body.replace('100', '1000');
    expect(await outcome(request)).toMatchObject({ ...forbidden, invoked: false });
  });

  it('refuses a request whose path or query was changed after signing', async () => {
    const path = await signedRequest(env.system, 'DELETE', '/transactions/order-1');
    path.url = path.url.replace('order-1', 'order-2');
    expect(await outcome(path)).toMatchObject({ ...forbidden, invoked: false });
    const query = await signedRequest(env.system, 'DELETE', '/transactions/order-1', { query: { a: '1' } });
    query.url = query.url.replace('a=1', 'a=2');
    expect(await outcome(query)).toMatchObject({ ...forbidden, invoked: false });
  });

  it('refuses a payload hash header that does not match the body', async () => {
    const request = signedRequest(env.system, 'POST', '/transactions', {
      body,
      headers: { 'x-amz-content-sha256': 'a'.repeat(64) },
    });
    expect(await outcome(request)).toMatchObject({ ...forbidden, invoked: false });
  });

  it('refuses a signature made with the wrong secret or another access key', async () => {
    const { accessKeyId } = env.system.credentials;
    const wrongSecret = signedRequest(env.system, 'POST', '/transactions', {
      body,
      credentials: { accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    expect(await outcome(wrongSecret)).toMatchObject({ ...forbidden, invoked: false });
    const otherKey = signedRequest(env.system, 'POST', '/transactions', {
      body,
      credentials: {
        accessKeyId: 'AKIAOTHERKEY00000000',
        secretAccessKey: env.system.credentials.secretAccessKey,
      },
    });
    expect(await outcome(otherKey)).toMatchObject({ ...forbidden, invoked: false });
  });

  it('refuses signatures older or newer than five minutes', async () => {
    const old = signedRequest(env.system, 'POST', '/transactions', {
      body,
      signingDate: new Date(Date.now() - 6 * 60_000),
    });
    expect(await outcome(old)).toMatchObject({ ...forbidden, invoked: false });
    const future = signedRequest(env.system, 'POST', '/transactions', {
      body,
      signingDate: new Date(Date.now() + 6 * 60_000),
    });
    expect(await outcome(future)).toMatchObject({ ...forbidden, invoked: false });
    const recent = signedRequest(env.system, 'POST', '/transactions', {
      body,
      signingDate: new Date(Date.now() - 60_000),
    });
    expect(await outcome(recent)).toMatchObject({ invoked: true });
  });

  it('refuses a signature for another region or service', async () => {
    expect(
      await outcome(signedRequest(env.system, 'POST', '/transactions', { body, region: 'eu-west-1' })),
    ).toMatchObject({ ...forbidden, invoked: false });
    expect(
      await outcome(signedRequest(env.system, 'POST', '/transactions', { body, service: 'lambda' })),
    ).toMatchObject({ ...forbidden, invoked: false });
  });

  it('refuses a garbled Authorization header', async () => {
    const res = await call(env.system, 'POST', '/transactions', {
      rawBody: body,
      headers: { authorization: 'AWS4-HMAC-SHA256 nonsense', 'x-amz-date': '20240101T000000Z' },
    });
    expect({ status: res.status, body: res.body }).toEqual(forbidden);
  });

  it('does not accept a JWT on an IAM route', async () => {
    const token = await env.system.issuer.sign({ user_id: 'alice' });
    const res = await call(env.system, 'POST', '/transactions', { token, body: JSON.parse(body) });
    expect({ status: res.status, body: res.body }).toEqual(forbidden);
  });
});
