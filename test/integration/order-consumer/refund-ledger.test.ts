import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { handler } from '#functions/order-consumer.js';
import { memoryRefundLedger } from '#shared/orders/index.js';
import { lambdaContext } from '#test/support/events.js';
import { handlerSandbox } from '#test/support/sandbox.js';
import { DLQ_URL, drain, orderPlaced, orderRefunded, sqsEvent, sqsRecord } from './helpers.js';

let env: Awaited<ReturnType<typeof handlerSandbox>>;
const consume = (records: SQSRecord[]) =>
  handler(sqsEvent(records), lambdaContext(20_000)) as Promise<SQSBatchResponse>;
const balance = async (key: string) => (await env.api('GET', `/customers/${key}/balance`)).body.data.balance;
const transactionKeys = async () =>
  ((await env.api('GET', '/transactions?limit=250')).body.data as { key: string }[]).map((t) => t.key);

beforeAll(async () => {
  process.env.IDEMPOTENCY_STORE = 'memory';
  process.env.ORDER_DLQ_URL = DLQ_URL;
  env = await handlerSandbox();
});
afterAll(async () => {
  delete process.env.IDEMPOTENCY_STORE;
  await env.sandbox.close();
});
beforeEach(async () => {
  await env.reset();
  memoryRefundLedger.clear();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
  await env.createCustomer({ key: 'bob', email: 'bob@example.com', referring_customer: { key: 'alice' } });
});

describe('order consumer with the refund ledger', () => {
  it('does not record a placed event replayed after its refund', async () => {
    const placed = orderPlaced('o-1', 'bob', 100);
    await consume([sqsRecord(placed)]);
    await consume([sqsRecord(orderRefunded('o-1'))]);
    const replay = await consume([sqsRecord(placed)]);
    expect(replay.batchItemFailures).toEqual([]);
    expect(await transactionKeys()).toEqual([]);
    expect(await balance('alice')).toBe(0);
  });

  it('keeps a refund that overtook its order: the late placed event is not recorded', async () => {
    await consume([sqsRecord(orderRefunded('o-2'))]);
    await consume([sqsRecord(orderPlaced('o-2', 'bob', 100))]);
    expect(await transactionKeys()).toEqual([]);
    expect(await balance('alice')).toBe(0);
  });

  it('records and refunds exactly once under 30% injected faults with replays of every event', async () => {
    await env.faults({ rate: 0.3, kinds: ['429', '500', '503'], retryAfterSeconds: 0 });
    const events = [];
    for (let i = 0; i < 20; i++) events.push(orderPlaced(`p-${i}`, 'bob', 10));
    for (let i = 0; i < 10; i++) events.push(orderRefunded(`p-${i}`));
    // Every event delivered twice, the replays after everything else.
    for (const e of [...events, ...events]) await drain((ev) => consume(ev.Records), [sqsRecord(e)]);
    await env.clearFaults();
    expect((await transactionKeys()).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `p-${i + 10}`).sort(),
    );
    expect(await balance('alice')).toBe(10);
  });
});
