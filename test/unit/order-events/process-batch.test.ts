import { describe, expect, it, jest } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import {
  ORDER_BATCH_METRICS,
  type OrderBatchDeps,
  type ParkReason,
  processOrderBatch,
} from '#shared/order-events/index.js';
import { PartneroError, type PartneroErrorCode, type Transaction } from '#shared/partnero/index.js';
import { SecretError } from '#shared/secrets/index.js';

let seq = 0;
const record = (body: string): SQSRecord => {
  seq += 1;
  return {
    messageId: `m-${seq}`,
    receiptHandle: `rh-${seq}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
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
const placed = (orderId: string, customerId = 'bob', amount = 100) =>
  record(
    JSON.stringify({
      'detail-type': 'Order Placed',
      detail: { orderId, customerId, amount, currency: 'usd' },
    }),
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
    rewards: [{ amount: 10, customer_key: 'alice', amount_units: 'usd', status: 'pending' }],
  }) as Transaction;

/** A Partnero client whose transaction calls answer per order key. */
function fake(
  answer: (key: string) => Error | undefined = () => undefined,
  refund: (key: string) => Error | undefined = () => undefined,
) {
  const create = jest.fn(async (input: { key: string }, _call?: unknown) => {
    const error = answer(input.key);
    if (error) throw error;
    return transaction(input.key);
  });
  const createBatch = jest.fn(async (input: { transactions: { key: string }[] }, _call?: unknown) => {
    for (const t of input.transactions) {
      const error = answer(t.key);
      if (error) throw error;
    }
    return input.transactions.map((t) => transaction(t.key));
  });
  const del = jest.fn(async (key: string, _call?: unknown) => {
    const error = refund(key);
    if (error) throw error;
  });
  const partnero = {
    transactions: { create, createBatch, delete: del },
  } as unknown as OrderBatchDeps['partnero'];
  return { partnero, create, createBatch, del };
}

function deps(partnero: OrderBatchDeps['partnero'], extra: Partial<OrderBatchDeps> = {}) {
  const parked: { messageId: string; reason: ParkReason }[] = [];
  const parkInDlq = jest.fn(async (r: SQSRecord, reason: ParkReason) => {
    parked.push({ messageId: r.messageId, reason });
  });
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  return { parked, parkInDlq, logger, deps: { partnero, parkInDlq, logger, ...extra } as OrderBatchDeps };
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
      nothingToReverse: 0,
      skipped: 0,
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

  it('retries the refund of a placed order that is retried, without calling Partnero for it', async () => {
    const { partnero, del } = fake((key) =>
      key === 'o-1' ? partneroError('rate_limited', true) : undefined,
    );
    const { deps: d, parkInDlq } = deps(partnero);
    const batch = [placed('o-1', 'dave'), refunded('o-1'), placed('o-2', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual([batch[0]?.messageId, batch[1]?.messageId].sort());
    expect(result.counts).toMatchObject({ recorded: 1, retried: 2, nothingToReverse: 0 });
    expect(del).not.toHaveBeenCalled();
    expect(parkInDlq).not.toHaveBeenCalled();
  });

  it('parks a validation failure with its reason, and the refund of that order with it', async () => {
    const invalid = partneroError('validation', false, { amount: ['The amount must be a number.'] });
    const { partnero, del } = fake((key) => (key === 'bad' ? invalid : undefined));
    const { deps: d, parked } = deps(partnero);
    const batch = [placed('bad', 'dave'), refunded('bad'), placed('ok', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ recorded: 1, parked: 2 });
    expect(del).not.toHaveBeenCalled();
    expect(parked).toEqual([
      {
        messageId: batch[0]?.messageId,
        reason: {
          code: 'partnero_validation',
          reason: 'Partnero POST /transactions failed (validation) (amount: The amount must be a number.)',
        },
      },
      {
        messageId: batch[1]?.messageId,
        reason: { code: 'placed_order_parked', reason: expect.stringContaining('bad') },
      },
    ]);
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
    ['a rejected API key', partneroError('unauthorized', false)],
    ['a Secrets Manager outage', new SecretError('secret_unavailable', 'id', 'down')],
    ['an unusable secret', new SecretError('secret_invalid', 'id', 'empty')],
    ['an unknown error', new TypeError('boom')],
  ])('retries (never parks) after %s', async (_label, error) => {
    const { partnero } = fake(() => error);
    const { deps: d, parkInDlq } = deps(partnero);
    const batch = [placed('o-1'), placed('o-2', 'carol')];
    const result = await processOrderBatch(batch, d);
    expect(failed(result)).toEqual(batch.map((r) => r.messageId).sort());
    expect(parkInDlq).not.toHaveBeenCalled();
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
    const { partnero, del } = fake(
      (key) =>
        key === 'dup'
          ? partneroError('conflict', false)
          : key === 'stranger'
            ? partneroError('validation', false, { customer: ['The customer is not a referred customer.'] })
            : undefined,
      () => partneroError('not_found', false),
    );
    const { deps: d, logger } = deps(partnero);
    const batch = [placed('dup', 'x'), placed('stranger', 'frank'), refunded('gone'), refunded('gone')];
    const result = await processOrderBatch(batch, d);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ duplicates: 1, skipped: 1, nothingToReverse: 2 });
    expect(del).toHaveBeenCalledTimes(1); // the same refund twice in one batch: one call
    expect(logger.info).toHaveBeenCalledWith(
      'order skipped: customer is not referred',
      expect.objectContaining({ orderId: 'stranger', customerKey: 'frank', messageId: batch[1]?.messageId }),
    );
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
      [ORDER_BATCH_METRICS.recorded, 'Count', 1],
      [ORDER_BATCH_METRICS.parked, 'Count', 1],
    ]);
    expect(ORDER_BATCH_METRICS.skipped).toBe('OrdersSkippedNotReferred');
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
