import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHandler } from '#functions/credit-customer.js';
import { createIdempotentCredit } from '#shared/credits/idempotent-credit.js';
import { createPartneroClient, nodeHttpTransport, type PartneroFetch } from '#shared/partnero/index.js';
import { moneyOf } from '#test/support/balance.js';
import { answer, iamEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import { recordingMetrics } from '#test/support/metrics.js';
import { handlerSandbox } from '#test/support/sandbox.js';

/** The production transport; the wrappers below only decide when a call goes through it. */
const partneroHttp = nodeHttpTransport();

/** Credits on the real Powertools DynamoDB persistence layer, against the local DynamoDB endpoint. */
let env: Awaited<ReturnType<typeof handlerSandbox>>;
let dynamo: LocalDynamo;
beforeAll(async () => {
  env = await handlerSandbox();
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await env.sandbox.close();
  await dynamo.close();
});
beforeEach(async () => {
  await env.reset();
  dynamo.reset();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
  fetchOf = partneroHttp;
});

/** What the Partnero client's requests go through; tests replace it to see or change the wire. */
let fetchOf: PartneroFetch = partneroHttp;
const partnero = () =>
  createPartneroClient({
    apiKey: env.sandbox.apiKey,
    baseUrl: env.sandbox.apiUrl,
    baseDelayMs: 1,
    maxDelayMs: 5,
    fetch: (input, init) => fetchOf(input, init),
  });
const recorded = recordingMetrics();
const handlerWith = (store = dynamo.persistence()) => {
  const credit = createIdempotentCredit(store, partnero);
  return createHandler(() => ({ credit, metrics: recorded.metrics }));
};
/** The real persistence layer whose SDK client tries once, so a store fault reaches the handler. */
const singleAttemptStore = () =>
  new DynamoDBPersistenceLayer({ tableName: TEST_TABLES.idempotency, awsSdkV3Client: dynamo.client(1) });
let handler: ReturnType<typeof handlerWith>;
beforeEach(() => {
  handler = handlerWith();
  recorded.clear();
});

let counter = 0;
const freshKey = () => `idem-${Date.now()}-${++counter}`;
const credit = async (body: unknown, headers: Record<string, string>, key = 'alice') =>
  answer(
    await handler(
      iamEvent({
        method: 'POST',
        path: `/customers/${key}/credit`,
        pathParameters: { id: key },
        body,
        headers,
      }),
      lambdaContext(),
    ),
  );
const balance = async () => moneyOf((await env.api('GET', '/customers/alice/balance')).body.data);
const body = { amount: 5, currency: 'usd', is_currency: true };

describe('POST /customers/{id}/credit', () => {
  it('credits the balance and answers 201', async () => {
    const res = await credit(body, { 'idempotency-key': freshKey() });
    expect(res.status).toBe(201);
    // Partnero publishes no body for a credit: the answer names the balance only when Partnero's does.
    expect(res.body.customer_id).toBe('alice');
    if (res.body.balances !== null) expect(res.body.balances).toMatchObject([{ amount: 5 }]);
    expect(await balance()).toBe(5);
  });

  it('credits points in the unit the program names them, beside the money', async () => {
    await credit(body, { 'idempotency-key': freshKey() });
    const points = { amount: 50, currency: 'points', is_currency: false };
    expect((await credit(points, { 'idempotency-key': freshKey() })).status).toBe(201);
    const units = (await env.api('GET', '/customers/alice/balance')).body.data.balance.currency;
    expect(units).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ amount: 50, amount_units: 'points', is_currency: false }),
        expect.objectContaining({ amount: 5, is_currency: true }),
      ]),
    );
    const money = await credit({ ...points, is_currency: true }, { 'idempotency-key': freshKey() });
    expect(money.status).toBe(400);
    expect(money.body.error.fields.currency).toEqual(['must be a 3-letter ISO 4217 currency code']);
  });

  it('never credits twice for the same key and body, and replays the first answer', async () => {
    const key = freshKey();
    const first = await credit(body, { 'Idempotency-Key': key });
    const second = await credit(body, { 'idempotency-key': key });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await balance()).toBe(5);
    expect([recorded.count('CreditsIssued'), recorded.count('CreditsReplayed')]).toEqual([1, 1]);
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
    // The first credit waits at Partnero's door until the second request has been answered.
    let second: Promise<Awaited<ReturnType<typeof credit>>> | undefined;
    fetchOf = async (input, init) => {
      second ??= credit(body, { 'idempotency-key': key });
      await second;
      return partneroHttp(input, init);
    };
    const first = await credit(body, { 'idempotency-key': key });
    const conflict = await (second as NonNullable<typeof second>);
    expect(first.status).toBe(201);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('request_in_progress');
    expect(conflict.headers['retry-after']).toBe('1');
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

  const unsignedAuthorization = (signed: string) =>
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request, SignedHeaders=${signed}, Signature=${'0'.repeat(64)}`;

  it('refuses an Idempotency-Key the SigV4 signature does not cover, and credits nothing', async () => {
    // A captured request signed over these headers only could be replayed with a new key each time.
    const headers = {
      'idempotency-key': freshKey(),
      authorization: unsignedAuthorization('content-type;host;x-amz-date'),
    };
    const first = await credit(body, headers);
    const replay = await credit(body, { ...headers, 'idempotency-key': freshKey() });
    for (const res of [first, replay]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('idempotency_key_unsigned');
      expect(res.body.error.message).toMatch(/idempotency-key/i);
      expect(res.body.error.fields).toHaveProperty(['header.idempotency-key']);
    }
    expect(await balance()).toBe(0);
    expect(recorded.count('CreditAmount')).toBe(0);
  });

  it('refuses a request that carries no SigV4 signature to read, and accepts a presigned one that signs the key', async () => {
    const event = iamEvent({
      method: 'POST',
      path: '/customers/alice/credit',
      pathParameters: { id: 'alice' },
      body,
      headers: { 'idempotency-key': freshKey() },
    });
    const { authorization: _, ...unsigned } = event.headers;
    const refused = answer(await handler({ ...event, headers: unsigned }, lambdaContext()));
    expect(refused.body.error.code).toBe('idempotency_key_unsigned');
    const presigned = answer(
      await handler(
        {
          ...event,
          headers: unsigned,
          queryStringParameters: { 'X-Amz-SignedHeaders': 'host;idempotency-key' },
        },
        lambdaContext(),
      ),
    );
    expect(presigned.status).toBe(201);
  });

  it('records the credited amount once per key (CreditAmount), not for a replay', async () => {
    const key = freshKey();
    expect((await credit({ ...body, amount: 7 }, { 'idempotency-key': key })).status).toBe(201);
    expect((await credit({ ...body, amount: 7 }, { 'idempotency-key': key })).status).toBe(201);
    expect(recorded.added.filter((m) => m.name === 'CreditAmount').map((m) => m.value)).toEqual([7]);
  });

  it('names every invalid field at once: a bad Idempotency-Key does not hide a bad body', async () => {
    const res = await credit({ amount: 0, currency: 'usd' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation');
    expect(Object.keys(res.body.error.fields).sort()).toEqual([
      'amount',
      'header.idempotency-key',
      'is_currency',
    ]);
    const missing = await credit({ amount: 0, currency: 'usd', is_currency: true }, {});
    expect(missing.body.error.code).toBe('idempotency_key_required');
    expect(Object.keys(missing.body.error.fields).sort()).toEqual(['amount', 'header.idempotency-key']);
    expect(await balance()).toBe(0);
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

  it('takes a 2xx whose body cannot be read as an applied credit (a 2xx is applied) and replays it', async () => {
    const key = freshKey();
    fetchOf = async (input, init) => {
      await partneroHttp(input, init);
      return new Response('<html>done</html>', { status: 200 });
    };
    const first = await credit(body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customer_id: 'alice', balances: null });
    fetchOf = partneroHttp;
    const retry = await credit(body, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await balance()).toBe(5);
  });

  it.each([
    ...[501, 505, 507, 520].map(
      (status) => [`HTTP ${status}`, () => new Response('{}', { status })] as const,
    ),
  ])('stores %s that followed an applied credit as unknown_outcome and replays it', async (_label, reply) => {
    const key = freshKey();
    fetchOf = async (input, init) => {
      await partneroHttp(input, init); // Partnero applies it; the answer on the way back is not a clean success
      return reply();
    };
    const first = await credit(body, { 'idempotency-key': key });
    expect(first.status).toBe(502);
    expect(first.body.error.code).toBe('unknown_outcome');
    fetchOf = partneroHttp;
    const retry = await credit(body, { 'idempotency-key': key });
    expect(retry.status).toBe(502);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await balance()).toBe(5);
  });

  it('answers outcome_not_recorded (never retry this key) when the success record cannot be stored', async () => {
    handler = handlerWith(singleAttemptStore());
    dynamo.db.faults.set({ rate: 1, kinds: ['internal'], operations: ['UpdateItem'] });
    const res = await credit(body, { 'idempotency-key': freshKey() });
    dynamo.db.faults.clear();
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('outcome_not_recorded');
    expect(res.body.error.message).toMatch(/Do not retry with this Idempotency-Key/);
    expect(await balance()).toBe(5);
  });

  it('never credits twice when the retry comes after the first invocation’s time ran out', async () => {
    const key = freshKey();
    handler = handlerWith(singleAttemptStore());
    // Partnero credits, but the outcome is never stored (as when the function dies right there).
    dynamo.db.faults.set({ rate: 1, kinds: ['internal'], operations: ['UpdateItem'] });
    expect((await credit(body, { 'idempotency-key': key })).body.error.code).toBe('outcome_not_recorded');
    dynamo.db.faults.clear();
    // A minute on: long past the 10 s the first invocation had left, so no Lambda still works on it.
    const realNow = Date.now.bind(Date);
    const later = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 60_000);
    try {
      const retry = await credit(body, { 'idempotency-key': key });
      expect(retry.status).toBe(409);
      expect(retry.body.error.code).toBe('request_in_progress');
      expect(retry.body.error.message).toMatch(/check the balance/);
    } finally {
      later.mockRestore();
    }
    expect(await balance()).toBe(5);
  });

  it('answers 503, credits nothing, and lets the key be retried when the store is down before the call', async () => {
    const key = freshKey();
    handler = handlerWith(singleAttemptStore());
    dynamo.db.faults.set({ rate: 1, kinds: ['internal'], operations: ['PutItem'], count: 1 });
    const res = await credit(body, { 'idempotency-key': key });
    expect(res.status).toBe(503);
    expect(await balance()).toBe(0);
    expect((await credit(body, { 'idempotency-key': key })).status).toBe(201);
    expect(await balance()).toBe(5);
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
