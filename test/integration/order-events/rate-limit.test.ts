import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import { orderEvent, sqsRecord } from '#bench/lib/events.js';
import { processOrderBatch } from '#shared/order-events/process-batch.js';
import { requeueInput, requeuesOf } from '#shared/order-events/send-back.js';
import { type OrdersWorld, REFERRER, startOrdersWorld } from '#test/support/orders-world.js';

/**
 * SQS counts every receive toward the queue's maxReceiveCount, so a record retried in place through a
 * long 429 storm would reach the DLQ although nothing is wrong with it. A rate-limited record is put
 * back as a delayed copy (receive count zero) and the original answered as done.
 */
let world: OrdersWorld;
beforeAll(async () => {
  world = await startOrdersWorld();
});
afterAll(() => world.close());
beforeEach(() => world.reset());

const MAX_RECEIVE_COUNT = 5;
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const placed = (orderId: string) =>
  JSON.stringify(orderEvent('Order Placed', { orderId, customerId: 'bob', amount: 100, currency: 'USD' }));

describe('a 429 storm never parks a good order', () => {
  it('re-enqueues a rate-limited record with a growing delay instead of spending its receives', async () => {
    world.sandbox.faults.set({ kinds: ['429'], match: 'POST /v1/transactions', retryAfterSeconds: 0 });
    const requeued: { record: SQSRecord; seconds: number }[] = [];
    const dlq: string[] = [];
    /** The queue as SQS runs it: a message received more than MAX_RECEIVE_COUNT times goes to the DLQ. */
    let queue: SQSRecord[] = [sqsRecord('m-0', placed('storm-1'))];
    for (let round = 0; round < 12; round++) {
      if (round === 10) world.sandbox.faults.clear(); // the storm ends
      const batch = queue;
      queue = [];
      const out = await processOrderBatch(batch, {
        partnero: world.partnero({ maxAttempts: 2 }),
        ledger: world.ledger(),
        parkInDlq: async (record) => {
          dlq.push(record.body);
        },
        requeue: async (record, seconds) => {
          requeued.push({ record, seconds });
          // SendMessage: a new message with the same body, counting its copies in an attribute.
          const input = requeueInput('https://sqs.example/q', record, seconds);
          const copy = sqsRecord(`m-${requeued.length}`, input.MessageBody, 1);
          copy.messageAttributes = {
            requeues: { dataType: 'Number', stringValue: input.MessageAttributes.requeues?.StringValue },
          };
          queue.push(copy);
        },
        logger: silent,
      });
      for (const failure of out.batchItemFailures) {
        const record = batch.find((r) => r.messageId === failure.itemIdentifier) as SQSRecord;
        const receives = Number(record.attributes.ApproximateReceiveCount) + 1;
        if (receives > MAX_RECEIVE_COUNT) dlq.push(record.body);
        else queue.push(sqsRecord(record.messageId, record.body, receives));
      }
      if (round < 10) expect(out.batchItemFailures).toEqual([]);
    }
    expect(dlq).toEqual([]);
    expect(requeued).toHaveLength(10);
    expect(requeued.map(({ record }) => requeuesOf(record))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Retry-After (1 s at least), then doubling with the copies.
    expect(requeued.map(({ seconds }) => seconds)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(world.copies('storm-1')).toBe(1);
    expect(world.rewards(REFERRER)).toBe(10);
  });

  it('retries in place when the copy cannot be sent', async () => {
    world.sandbox.faults.set({ kinds: ['429'], match: 'POST /v1/transactions', retryAfterSeconds: 0 });
    const out = await processOrderBatch([sqsRecord('m-1', placed('storm-2'))], {
      partnero: world.partnero({ maxAttempts: 1 }),
      ledger: world.ledger(),
      parkInDlq: async () => {},
      requeue: async () => {
        throw new Error('AccessDenied');
      },
      logger: silent,
    });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(out.counts.retried).toBe(1);
  });

  it('keeps the other message attributes on the copy and counts its copies', () => {
    const record = sqsRecord('m-1', '{}');
    record.messageAttributes = {
      requeues: { dataType: 'Number', stringValue: '2' },
      trace: { dataType: 'String', stringValue: 'abc' },
    };
    expect(requeueInput('https://sqs.example/q', record, 5000)).toEqual({
      QueueUrl: 'https://sqs.example/q',
      MessageBody: '{}',
      DelaySeconds: 900,
      MessageAttributes: {
        requeues: { DataType: 'Number', StringValue: '3' },
        trace: { DataType: 'String', StringValue: 'abc' },
      },
    });
  });
});
