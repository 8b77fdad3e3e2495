import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHandler as createRecord } from '#functions/create-transactions.js';
import { createHandler as createRefund } from '#functions/refund-transaction.js';
import { moneyOf } from '#test/support/balance.js';
import { answer, iamEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo } from '#test/support/local-dynamo.js';
import { recordingMetrics } from '#test/support/metrics.js';
import { handlerSandbox } from '#test/support/sandbox.js';

/** The transaction routes on the order ledger (local DynamoDB) against the realistic sandbox. */
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
const recorded = recordingMetrics();
const deps = () => ({ partnero: env.partnero, ledger: dynamo.ledger(), metrics: recorded.metrics });
const create = createRecord(deps);
const refund = createRefund(deps);
beforeEach(async () => {
  await env.reset();
  dynamo.reset();
  recorded.clear();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
  await env.createCustomer({ key: 'bob', email: 'bob@example.com', referring_customer: { key: 'alice' } });
});

const post = async (body: unknown, extra: Parameters<typeof iamEvent>[0] = {}) =>
  answer(await create(iamEvent({ method: 'POST', path: '/transactions', body, ...extra }), lambdaContext()));
const del = async (key: string, extra: Parameters<typeof iamEvent>[0] = {}) =>
  answer(
    await refund(
      iamEvent({ method: 'DELETE', path: `/transactions/${key}`, pathParameters: { key }, ...extra }),
      lambdaContext(),
    ),
  );
const balance = async (key: string) => moneyOf((await env.api('GET', `/customers/${key}/balance`)).body.data);

describe('POST /transactions', () => {
  it('names the buyer by customer_id, its account id, or by the older name customer_key', async () => {
    expect((await post({ customer_id: 'bob', key: 'by-id', amount: 10, currency: 'usd' })).status).toBe(201);
    expect((await post({ customer_key: 'bob', key: 'by-key', amount: 10, currency: 'usd' })).status).toBe(
      201,
    );
    const sent = await env.api('GET', '/transactions?key=by-id');
    expect(sent.body.data).toHaveLength(1);
    expect(await balance('alice')).toBe(2);
  });

  it('records a single sale and rewards the referrer', async () => {
    const res = await post({ customer_id: 'bob', key: 'order-1', amount: 100, currency: 'USD' });
    expect(res.status).toBe(201);
    expect(res.body.transactions).toEqual([{ key: 'order-1', status: 'recorded' }]);
    expect(await balance('alice')).toBe(10);
    const listed = await env.api('GET', '/transactions?key=order-1');
    expect(listed.body.data[0]).toMatchObject({ action: 'sale', amount_units: 'usd' });
  });

  it('records a batch for one customer with one Partnero call', async () => {
    await env.resetRequests();
    const res = await post({
      customer_key: 'bob',
      transactions: [
        { key: 'o-1', amount: 10, currency: 'usd' },
        {
          key: 'o-2',
          amount: 20,
          currency: 'usd',
          action: 'upgrade',
          product_id: 'pro',
          product_type: 'plan',
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.transactions.map((t: { status: string }) => t.status)).toEqual(['recorded', 'recorded']);
    const requests = await env.requests();
    expect(requests.total).toBe(1);
    expect(await balance('alice')).toBe(3);
  });

  it('answers 200 with duplicate for a resent transaction and counts it once', async () => {
    await post({ customer_key: 'bob', key: 'order-1', amount: 100, currency: 'usd' });
    const again = await post({ customer_key: 'bob', key: 'order-1', amount: 100, currency: 'usd' });
    expect(again.status).toBe(200);
    expect(again.body.transactions).toEqual([{ key: 'order-1', status: 'duplicate' }]);
    expect(await balance('alice')).toBe(10);
  });

  it('records the new items of a resent batch and reports the old ones as duplicates', async () => {
    await post({ customer_key: 'bob', key: 'o-1', amount: 10, currency: 'usd' });
    const res = await post({
      customer_key: 'bob',
      transactions: [
        { key: 'o-1', amount: 10, currency: 'usd' },
        { key: 'o-2', amount: 20, currency: 'usd' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.transactions).toEqual(
      expect.arrayContaining([
        { key: 'o-1', status: 'duplicate' },
        { key: 'o-2', status: 'recorded' },
      ]),
    );
    expect(await balance('alice')).toBe(3);
  });

  it('never pays twice when the answer was lost: the resend after a 500 that committed is a duplicate', async () => {
    env.sandbox.faults.set({ kinds: ['commit-500'], match: 'POST /v1/transactions', count: 1 });
    const first = await post({ customer_id: 'bob', key: 'order-7', amount: 100, currency: 'usd' });
    expect(first.status).toBe(201);
    expect(first.body.transactions).toEqual([{ key: 'order-7', status: 'recorded' }]);
    const resent = await post({ customer_key: 'bob', key: 'order-7', amount: 100, currency: 'usd' });
    expect(resent.body.transactions).toEqual([{ key: 'order-7', status: 'duplicate' }]);
    expect((await env.api('GET', '/transactions?key=order-7')).body.data).toHaveLength(1);
    expect(await balance('alice')).toBe(10);
  });

  it('answers 422 unknown_customer (not "not referred") for a customer Partnero does not know yet', async () => {
    const res = await post({ customer_key: 'zoe', key: 'o-8', amount: 10, currency: 'usd' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unknown_customer');
    await env.createCustomer({ key: 'zoe', email: 'zoe@example.com', referring_customer: { key: 'alice' } });
    expect((await post({ customer_key: 'zoe', key: 'o-8', amount: 10, currency: 'usd' })).status).toBe(201);
  });

  it('records a resend that corrects what Partnero refused, with the corrected fields', async () => {
    const refused = await post({ customer_key: 'ghost', key: 'o-10', amount: 100, currency: 'usd' });
    expect(refused.body.error.code).toBe('unknown_customer');
    const fixed = await post({ customer_key: 'bob', key: 'o-10', amount: 100, currency: 'usd' });
    expect(fixed.status).toBe(201);
    expect(await balance('alice')).toBe(10);
    // The ghost enrolling later changes nothing: the sale is bob's.
    await env.createCustomer({
      key: 'ghost',
      email: 'ghost@example.com',
      referring_customer: { key: 'alice' },
    });
    const late = await post({ customer_key: 'ghost', key: 'o-10', amount: 100, currency: 'usd' });
    expect(late.body.error.code).toBe('transaction_key_reused');
    expect((await env.api('GET', '/transactions?key=o-10')).body.data).toHaveLength(1);
    expect(await balance('alice')).toBe(10);
  });

  it('answers 409 transaction_key_reused for another order under a recorded key, and pays nothing for it', async () => {
    expect((await post({ customer_key: 'bob', key: 'o-11', amount: 100, currency: 'usd' })).status).toBe(201);
    const reused = await post({ customer_key: 'bob', key: 'o-11', amount: 250, currency: 'usd' });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({
      code: 'transaction_key_reused',
      fields: { key: ['order o-11 was recorded before with another amount'] },
    });
    // The same order again (currency in another case) is still a plain duplicate.
    const same = await post({ customer_key: 'bob', key: 'o-11', amount: 100, currency: 'USD' });
    expect(same.body).toEqual({ transactions: [{ key: 'o-11', status: 'duplicate' }] });
    expect((await env.api('GET', '/transactions?key=o-11')).body.data).toHaveLength(1);
    expect(await balance('alice')).toBe(10);
  });

  it('answers 422 not_referred for a customer nobody referred', async () => {
    const res = await post({ customer_key: 'alice', key: 'o-9', amount: 10, currency: 'usd' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_referred');
  });

  it.each([
    ['a missing body', undefined, ['body']],
    ['a zero amount', { customer_key: 'bob', key: 'o', amount: 0, currency: 'usd' }, ['amount']],
    ['a bad currency', { customer_key: 'bob', key: 'o', amount: 1, currency: 'dollars' }, ['currency']],
    ['an unknown currency', { customer_key: 'bob', key: 'o', amount: 1, currency: 'XYZ' }, ['currency']],
    [
      'a batch with the same key twice',
      {
        customer_key: 'bob',
        transactions: [
          { key: 'k1', amount: 1, currency: 'usd' },
          { key: 'k1', amount: 2, currency: 'usd' },
        ],
      },
      ['transactions'],
    ],
    ['a hostile key', { customer_key: 'bob', key: '../customers', amount: 1, currency: 'usd' }, ['key']],
    ['missing fields', { customer_key: 'bob' }, ['key', 'amount', 'currency']],
    ['no buyer', { key: 'o', amount: 1, currency: 'usd' }, ['customer_id']],
    [
      'both customer_id and its older name customer_key',
      { customer_id: 'bob', customer_key: 'bob', key: 'o', amount: 1, currency: 'usd' },
      ['customer_id'],
    ],
    [
      'a batch of 101',
      {
        customer_key: 'bob',
        transactions: Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, amount: 1, currency: 'usd' })),
      },
      ['transactions'],
    ],
  ])('answers 400 for %s, naming every field', async (_label, body, fields) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const named = Object.keys(res.body.error.fields).join(' ');
    for (const f of fields) expect(named).toContain(f);
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const res = await post(undefined, {
      rawBody: JSON.stringify({ customer_key: 'bob', pad: 'x'.repeat(70_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('answers 503 with Retry-After when Partnero rate limits every attempt', async () => {
    await env.faults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0 });
    const res = await post({ customer_key: 'bob', key: 'o-1', amount: 1, currency: 'usd' });
    await env.clearFaults();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('DELETE /transactions/{key}', () => {
  it('deletes the transaction and reverses the reward', async () => {
    await post({ customer_key: 'bob', key: 'order-1', amount: 100, currency: 'usd' });
    const res = await del('order-1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key: 'order-1', status: 'refunded' });
    expect(await balance('alice')).toBe(0);
  });

  it('answers a resent refund with 200 already_refunded, so a retry after a lost answer is safe', async () => {
    await post({ customer_key: 'bob', key: 'order-1', amount: 100, currency: 'usd' });
    expect((await del('order-1')).body).toEqual({ key: 'order-1', status: 'refunded' });
    const resent = await del('order-1');
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ key: 'order-1', status: 'already_refunded' });
    expect(await balance('alice')).toBe(0);
  });

  it('answers 404 for an unknown transaction', async () => {
    const res = await del('nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('transaction_not_found');
  });

  it('rejects a hostile key with 400 and never reaches another endpoint', async () => {
    await env.resetRequests();
    const res = await del('..');
    expect(res.status).toBe(400);
    expect((await env.requests()).total).toBe(0);
  });
});

describe('DELETE /transactions/{key} with an amount: partial refunds', () => {
  const sale = () => post({ customer_key: 'bob', key: 'order-p', amount: 200, currency: 'usd' });

  it('refunds part of the order: the reward follows what is left, and the same refund_id applies once', async () => {
    await sale();
    const first = await del('order-p', { body: { amount: 50, refund_id: 're_1' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ key: 'order-p', status: 'partially_refunded', remaining: 150 });
    expect(await balance('alice')).toBe(15);
    const again = await del('order-p', { body: { amount: 50, refund_id: 're_1' } });
    expect(again.body).toEqual({ key: 'order-p', status: 'duplicate_refund' });
    expect(await balance('alice')).toBe(15);
    const rest = await del('order-p', { body: { amount: 150, refund_id: 're_2' } });
    expect(rest.body).toEqual({ key: 'order-p', status: 'refunded' });
    expect(await balance('alice')).toBe(0);
    expect(recorded.count('OrdersPartiallyRefunded')).toBe(1);
    expect(recorded.count('OrdersRefunded')).toBe(1);
    expect(recorded.count('OrdersRecorded')).toBe(1);
    expect(recorded.publishes()).toBe(4);
  });

  it('answers 409 refund_id_reused for a refund_id applied before with another amount, and changes nothing', async () => {
    await sale();
    await del('order-p', { body: { amount: 50, refund_id: 're_1' } });
    const conflicting = await del('order-p', { body: { amount: 80, refund_id: 're_1' } });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error).toMatchObject({
      code: 'refund_id_reused',
      fields: { refund_id: ['was applied before with another amount'] },
    });
    expect(await balance('alice')).toBe(15);
  });

  it('answers 400 for a part that is not whole cents of the order, and changes nothing', async () => {
    await sale();
    const res = await del('order-p', { body: { amount: 0.001, refund_id: 're_1' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'validation',
      fields: { amount: ['has 3 decimals, but USD has 2 (its ISO 4217 minor unit)'] },
    });
    expect(await balance('alice')).toBe(20);
  });

  it('answers 404 for a partial refund of an order not recorded (yet), naming why', async () => {
    const res = await del('never-sold', { body: { amount: 5, refund_id: 're_x' } });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/once its sale is recorded/);
  });

  it.each([
    ['an amount without a refund_id', { amount: 5 }, 'refund_id'],
    ['a refund_id without an amount', { refund_id: 're_1' }, 'amount'],
    ['a zero amount', { amount: 0, refund_id: 're_1' }, 'amount'],
    ['an unknown field', { amount: 5, refund_id: 're_1', reason: 'x' }, 'body'],
  ])('answers 400 for %s, naming the field, and changes nothing', async (_label, body, field) => {
    await sale();
    const res = await del('order-p', { body });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toContain(field);
    expect(await balance('alice')).toBe(20);
  });
});
