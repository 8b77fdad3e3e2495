import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { handler } from '#functions/credit-customer.js';
import { answer, iamEvent, lambdaContext } from '#test/support/events.js';
import { handlerSandbox } from '#test/support/sandbox.js';

let env: Awaited<ReturnType<typeof handlerSandbox>>;
beforeAll(async () => {
  process.env.IDEMPOTENCY_STORE = 'memory';
  env = await handlerSandbox();
});
afterAll(() => env.sandbox.close());
beforeEach(async () => {
  await env.reset();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
});

let counter = 0;
const freshKey = () => `idem-${Date.now()}-${++counter}`;
const credit = async (body: unknown, headers: Record<string, string>, key = 'alice') =>
  answer(
    await handler(
      iamEvent({ method: 'POST', path: `/customers/${key}/credit`, pathParameters: { key }, body, headers }),
      lambdaContext(),
    ),
  );
const balance = async () => (await env.api('GET', '/customers/alice/balance')).body.data.balance;
const body = { amount: 5, currency: 'usd', is_currency: true };

describe('POST /customers/{key}/credit', () => {
  it('credits the balance and answers 201', async () => {
    const res = await credit(body, { 'idempotency-key': freshKey() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customer_key: 'alice', balance: { amount: 5, currency: 'usd' } });
    expect(await balance()).toBe(5);
  });

  it('never credits twice for the same key and body, and replays the first answer', async () => {
    const key = freshKey();
    const first = await credit(body, { 'Idempotency-Key': key });
    const second = await credit(body, { 'idempotency-key': key });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await balance()).toBe(5);
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const key = freshKey();
    await credit(body, { 'idempotency-key': key });
    const res = await credit({ ...body, amount: 50 }, { 'idempotency-key': key });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(await balance()).toBe(5);
  });

  it('answers 409 while the first request with the key is still running', async () => {
    const key = freshKey();
    await env.faults({ rate: 1, kinds: ['delay'], delayMs: 400, count: 1 });
    const [a, b] = await Promise.all([
      credit(body, { 'idempotency-key': key }),
      new Promise((r) => setTimeout(r, 100)).then(() => credit(body, { 'idempotency-key': key })),
    ]);
    await env.clearFaults();
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await balance()).toBe(5);
  });

  it('keys are per customer: the same key for another customer is a new request', async () => {
    await env.createCustomer({ key: 'bob', email: 'bob@example.com' });
    const key = freshKey();
    expect((await credit(body, { 'idempotency-key': key })).status).toBe(201);
    expect((await credit(body, { 'idempotency-key': key }, 'bob')).status).toBe(201);
  });

  it('answers 400 without an Idempotency-Key header', async () => {
    const res = await credit(body, {});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('idempotency_key_required');
  });

  it.each([
    ['a zero amount', { ...body, amount: 0 }, 'amount'],
    ['a missing is_currency', { amount: 1, currency: 'usd' }, 'is_currency'],
    ['a string amount', { ...body, amount: '5' }, 'amount'],
    ['an extra field', { ...body, customer_key: 'bob' }, 'body'],
  ])('answers 400 for %s', async (_label, input, field) => {
    const res = await credit(input, { 'idempotency-key': freshKey() });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty([field]);
  });

  it('answers 404 for an unknown customer, and the key can be reused after the mistake is fixed', async () => {
    const key = freshKey();
    const res = await credit(body, { 'idempotency-key': key }, 'ghost');
    expect(res.status).toBe(404);
  });

  it('stores an unknown outcome so a retry cannot credit twice', async () => {
    const key = freshKey();
    await env.faults({ rate: 1, kinds: ['drop'], count: 1, match: 'balance/credit' });
    const first = await credit(body, { 'idempotency-key': key });
    expect(first.status).toBe(502);
    expect(first.body.error.code).toBe('unknown_outcome');
    const retry = await credit(body, { 'idempotency-key': key });
    expect(retry.status).toBe(502);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await balance()).toBe(0);
  });

  it('lets a rate-limited credit be retried with the same key', async () => {
    const key = freshKey();
    await env.faults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0 });
    expect((await credit(body, { 'idempotency-key': key })).status).toBe(503);
    await env.clearFaults();
    expect((await credit(body, { 'idempotency-key': key })).status).toBe(201);
    expect(await balance()).toBe(5);
  });
});
