import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import { type OrderBatchDeps, processOrderBatch } from '#shared/order-events/process-batch.js';
import type { ParkReason } from '#shared/order-events/send-back.js';
import { ORDER_METRICS } from '#shared/orders/order-outcomes.js';
import { PartneroError, type PartneroErrorCode, type Transaction } from '#shared/partnero/index.js';
import { SecretError } from '#shared/secrets/secret-value.js';
import { type LocalDynamo, startLocalDynamo } from '#test/support/local-dynamo.js';

/** The batch verdicts, with a scripted Partnero and the real order ledger on the local DynamoDB. */
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());
beforeEach(() => dynamo.reset());

let seq = 0;
const record = (body: string, receives = 1): SQSRecord => {
  seq += 1;
  return {
    messageId: `m-${seq}`,
    receiptHandle: `rh-${seq}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receives),
      SentTimestamp: '1767225600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1767225600001',
    },
    messageAttributes: {},
    md5OfBody: 'x',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:order-events',
    awsRegion: 'us-east-1',
  };
};
const placed = (orderId: string, customerId = 'bob', amount = 100, receives = 1) =>
  record(
    JSON.stringify({
      'detail-type': 'Order Placed',
      detail: { orderId, customerId, amount, currency: 'usd' },
    }),
    receives,
  );
const refunded = (orderId: string) =>
  record(JSON.stringify({ 'detail-type': 'Order Refunded', detail: { orderId } }));

const partneroError = (code: PartneroErrorCode, retryable: boolean, fields?: Record<string, string[]>) =>
  new PartneroError({
    code,
    retryable,
    method: 'POST',
    path: '/transactions',
    message: `Partnero POST /transactions failed (${code})`,
    ...(fields ? { fields } : {}),
  });

const transaction = (key: string): Transaction =>
  ({
    key,
    rewards: [{ amount: 10, amount_units: 'usd', status: 'pending' }],
  }) as unknown as Transaction;

/** A Partnero client whose transaction calls answer per order key, and that remembers what it recorded. */
function fake(
  answer: (key: string) => Error | undefined = () => undefined,
  refund: (key: string) => Error | undefined = () => undefined,
) {
  const recorded: string[] = [];
  const create = jest.fn(async (input: { key: string }, _call?: unknown) => {
    const error = answer(input.key);
    if (error) throw error;
    recorded.push(input.key);
    return transaction(input.key);
  });
  const createBatch = jest.fn(async (input: { transactions: { key: string }[] }, _call?: unknown) => {
    for (const t of input.transactions) {
      const error = answer(t.key);
      if (error) throw error;
    }
    recorded.push(...input.transactions.map((t) => t.key));
    return input.transactions.map((t) => transaction(t.key));
  });
  const del = jest.fn(async (key: string, _call?: unknown) => {
    const error = refund(key);
    if (error) throw error;
    const at = recorded.indexOf(key);
    if (at === -1) throw partneroError('not_found', false);
    recorded.splice(at, 1);
  });
  const list = jest.fn(async (q: { key?: string }) => ({
    data: recorded.filter((k) => k === q.key).map(transaction),
    links: {},
    meta: { current_page: 1, last_page: 1 },
  }));
  const partnero = {
    transactions: { create, createBatch, delete: del, list },
  } as unknown as OrderBatchDeps['partnero'];
  return { partnero, create, createBatch, del, recorded };
}

function deps(partnero: OrderBatchDeps['partnero'], extra: Partial<OrderBatchDeps> = {}) {
  const parked: { messageId: string; reason: ParkReason }[] = [];
  const parkInDlq = jest.fn(async (r: SQSRecord, reason: ParkReason) => {
    parked.push({ messageId: r.messageId, reason });
  });
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const ledger = dynamo.ledger();
  return {
    parked,
    parkInDlq,
    logger,
    deps: { partnero, ledger, parkInDlq, logger, ...extra } as OrderBatchDeps,
  };
}

const failed = (result: { batchItemFailures: { itemIdentifier: string }[] }) =>
  result.batchItemFailures.map((f) => f.itemIdentifier).sort();

describe('processOrderBatch', () => {
  it('records, refunds and counts; a placed + refunded pair in one batch ends refunded', async () => {
    const { partnero, create, createBatch, del } = fake();
    const { deps: d } = deps(partnero);
    const batch = [refunded('o-1'), placed('o-1'), placed('o-2', 'carol'), placed('o-3')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toEqual({
      recorded: 3,
      duplicates: 0,
      alreadyRefunded: 0,
      refunded: 1,
      partiallyRefunded: 0,
      nothingToReverse: 0,
      refundPending: 0,
      skipped: 0,
      unknownCustomer: 0,
      pending: 0,
      parked: 0,
      retried: 0,
    });
    expect(createBatch).toHaveBeenCalledTimes(1); // bob's two orders share one request
    expect(create).toHaveBeenCalledTimes(1);
    expect(del).toHaveBeenCalledWith('o-1', {});
    // The refund ran after the placed orders were recorded, although it came first in the batch.
    expect(del.mock.invocationCallOrder[0]).toBeGreaterThan(
      createBatch.mock.invocationCallOrder[0] as number,
    );
  });

  it('retries only the placed order that failed; its refund is remembered, so the retry records nothing', async () => {
    let limited = true;
    const { partnero, create } = fake((key) =>
      key === 'o-1' && limited ? partneroError('rate_limited', true) : undefined,
    );
    const { deps: d, parkInDlq } = deps(partnero);
    const batch = [placed('o-1', 'dave'), refunded('o-1'), placed('o-2', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual([batch[0]?.messageId]);
    expect(result.counts).toMatchObject({ recorded: 1, retried: 1, nothingToReverse: 1 });
    limited = false;
    const retry = await processOrderBatch([placed('o-1', 'dave', 100, 2)], d);
    expect(retry.counts).toMatchObject({ alreadyRefunded: 1, retried: 0 });
    expect(create.mock.calls.map(([input]) => input.key)).toEqual(['o-1', 'o-2']);
    expect(parkInDlq).not.toHaveBeenCalled();
  });

  it('parks a validation failure with its reason; the refund of that order is remembered, not parked', async () => {
    const invalid = partneroError('validation', false, { amount: ['The amount must be a number.'] });
    const { partnero } = fake((key) => (key === 'bad' ? invalid : undefined));
    const { deps: d, parked } = deps(partnero);
    const batch = [placed('bad', 'dave'), refunded('bad'), placed('ok', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ recorded: 1, parked: 1, nothingToReverse: 1 });
    expect(parked).toEqual([
      {
        messageId: batch[0]?.messageId,
        reason: {
          code: 'partnero_validation',
          reason: 'Partnero POST /transactions failed (validation) (amount: The amount must be a number.)',
        },
      },
    ]);
    // Redriven from the DLQ after the fix, the sale finds its refund: nothing is paid.
    expect((await processOrderBatch([placed('bad', 'dave')], d)).counts).toMatchObject({
      alreadyRefunded: 1,
    });
  });

  it('parks poison messages without calling Partnero and leaves the neighbours alone', async () => {
    const { partnero, create } = fake();
    const { deps: d, parked } = deps(partnero);
    const batch = [
      record('{oops'),
      placed('o-1'),
      record(JSON.stringify({ 'detail-type': 'Order Placed', detail: {} })),
    ];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ recorded: 1, parked: 2 });
    expect(create).toHaveBeenCalledTimes(1);
    expect(parked.map((p) => p.reason.code)).toEqual(['not_json', 'invalid_fields']);
    expect(parked[1]?.reason.reason).toContain('orderId ($.detail.orderId): missing');
  });

  it('retries a record whose parking failed, never drops it', async () => {
    const { partnero } = fake();
    const { deps: d, logger } = deps(partnero, {
      parkInDlq: jest.fn(async () => {
        throw new Error('SQS is down');
      }),
    });
    const batch = [record('nope'), placed('o-1')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual([batch[0]?.messageId]);
    expect(result.counts).toMatchObject({ recorded: 1, parked: 0, retried: 1 });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('could not park'),
      expect.objectContaining({ messageId: batch[0]?.messageId, code: 'not_json', error: 'SQS is down' }),
    );
  });

  it.each([
    ['a 5xx', partneroError('unavailable', true)],
    ['a timeout', partneroError('timeout', true)],
    ['an unknown outcome', partneroError('unknown_outcome', false)],
    ['a Secrets Manager outage', new SecretError('secret_unavailable', 'id', 'down')],
    ['an unknown error', new TypeError('boom')],
  ])('retries (never parks) after %s', async (_label, error) => {
    const { partnero } = fake(() => error);
    const { deps: d, parkInDlq } = deps(partnero);
    const batch = [placed('o-1'), placed('o-2', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual(batch.map((r) => r.messageId).sort());
    expect(parkInDlq).not.toHaveBeenCalled();
  });

  it.each([
    ['a rejected API key', partneroError('unauthorized', false), 'partnero_unauthorized'],
    ['an unusable secret', new SecretError('secret_invalid', 'id', 'empty'), 'secret_invalid'],
  ])('parks, with the reason, what no retry can fix: %s', async (_label, error, code) => {
    const { partnero } = fake(() => error);
    const { deps: d, parked } = deps(partnero);
    const result = await processOrderBatch([placed('o-1')], d);
    expect(result.batchItemFailures).toEqual([]);
    expect(parked.map((p) => p.reason.code)).toEqual([code]);
  });

  it('retries an order of a customer Partnero does not know with a growing delay, then parks it', async () => {
    const unknown = partneroError('validation', false, {
      'customer.key': ['The selected customer.key is invalid.'],
    });
    const { partnero } = fake(() => unknown);
    const delayRetry = jest.fn(async (_r: SQSRecord, _seconds: number) => {});
    const { deps: d, parked } = deps(partnero, { delayRetry, unknownCustomerMaxReceives: 3 });
    for (const receives of [1, 2]) {
      const result = await processOrderBatch([placed('o-1', 'ghost', 100, receives)], d);
      expect(result.counts).toMatchObject({ unknownCustomer: 1, retried: 1 });
    }
    expect(delayRetry.mock.calls.map(([, seconds]) => seconds)).toEqual([30, 60]);
    const last = await processOrderBatch([placed('o-1', 'ghost', 100, 3)], d);
    expect(last.counts).toMatchObject({ unknownCustomer: 1, parked: 1, retried: 0 });
    expect(parked[0]?.reason).toEqual({
      code: 'unknown_customer',
      reason: expect.stringContaining('Partnero does not know the customer after 3 attempts'),
    });
  });

  it('retries a refund that fails retryably and parks one Partnero rejects as invalid', async () => {
    const { partnero } = fake(undefined, (key) =>
      key === 'r-1' ? partneroError('unavailable', true) : partneroError('validation', false),
    );
    const { deps: d, parked } = deps(partnero);
    const batch = [refunded('r-1'), refunded('r-2')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual([batch[0]?.messageId]);
    expect(parked.map((p) => p.messageId)).toEqual([batch[1]?.messageId]);
  });

  it('counts duplicates, unknown refunds and not-referred customers as done, with a log line', async () => {
    const { partnero, del } = fake((key) =>
      key === 'stranger'
        ? partneroError('validation', false, { customer: ['The customer is not a referred customer.'] })
        : undefined,
    );
    const { deps: d, logger } = deps(partnero);
    await processOrderBatch([placed('dup')], d);
    const batch = [placed('dup'), placed('stranger', 'frank'), refunded('gone'), refunded('gone')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ duplicates: 1, skipped: 1, nothingToReverse: 2 });
    expect(del).toHaveBeenCalledTimes(1); // the same refund twice in one batch: one call
    expect(logger.info).toHaveBeenCalledWith(
      'order skipped: customer is not referred',
      expect.objectContaining({ orderId: 'stranger' }),
    );
  });

  it('parks another order under an id recorded before (or twice in one batch), and records only the first', async () => {
    const { partnero, recorded } = fake();
    const { deps: d, parked } = deps(partnero);
    await processOrderBatch([placed('o-1')], d);
    const batch = [placed('o-1', 'bob', 250), placed('o-2'), placed('o-2', 'bob', 75), placed('o-2')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ recorded: 1, duplicates: 1, parked: 2 });
    expect(parked.map((p) => p.reason)).toEqual([
      { code: 'order_key_reused', reason: 'order o-1 was recorded before with another amount' },
      { code: 'order_key_reused', reason: 'order o-2 appeared earlier in this call with another amount' },
    ]);
    expect(recorded).toEqual(['o-1', 'o-2']);
  });

  it('reports the same order placed twice in one batch once as recorded, once as duplicate', async () => {
    const { partnero, create } = fake();
    const { deps: d } = deps(partnero);
    const result = await processOrderBatch([placed('o-1'), placed('o-1')], d);
    expect(result.counts).toMatchObject({ recorded: 1, duplicates: 1 });
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('emits a Count metric for each counter that moved and passes the call options through', async () => {
    const { partnero, create } = fake();
    const addMetric = jest.fn();
    const call = { deadline: Date.now() + 5000 };
    const { deps: d } = deps(partnero, {
      metrics: { addMetric } as unknown as OrderBatchDeps['metrics'],
      call,
    });
    await processOrderBatch([placed('o-1'), record('x')], d);
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ key: 'o-1' }), call);
    expect(addMetric.mock.calls).toEqual([
      [ORDER_METRICS.recorded, 'Count', 1],
      [ORDER_METRICS.parked, 'Count', 1],
    ]);
    expect(ORDER_METRICS.skipped).toBe('OrdersSkippedNotReferred');
  });

  it('handles an empty batch without calls', async () => {
    const { partnero, create, createBatch, del } = fake();
    const { deps: d } = deps(partnero);
    const result = await processOrderBatch([], d);
    expect(result.batchItemFailures).toEqual([]);
    expect(create).not.toHaveBeenCalled();
    expect(createBatch).not.toHaveBeenCalled();
    expect(del).not.toHaveBeenCalled();
  });
});
