import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler } from '#functions/order-consumer.js';
import { lazy } from '#lambda';
import { createMetrics, logger } from '#shared/lambda/runtime.js';
import { parseOrderEventsMapping } from '#shared/order-events/mapping.js';
import { createDlqParker } from '#shared/order-events/send-back.js';
import { createPartneroClient, nodeHttpTransport, type PartneroFetch } from '#shared/partnero/index.js';
import { moneyOf } from '#test/support/balance.js';
import { lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo } from '#test/support/local-dynamo.js';
import { handlerSandbox } from '#test/support/sandbox.js';
import {
  captureMetrics,
  DLQ_URL,
  drain,
  eventBridgeEvent,
  failedIds,
  orderPlaced,
  orderRefunded,
  redelivered,
  sqsEvent,
  sqsRecord,
} from './helpers.js';

/** The production transport; the wrappers below only decide when a call goes through it. */
const partneroHttp = nodeHttpTransport();

// Metrics are off in tests (setup-env); this file asserts them, so it turns them on before the
// consumer's Metrics instance is created (on its first invocation).
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

let env: Awaited<ReturnType<typeof handlerSandbox>>;
let dynamo: LocalDynamo;
let emf: ReturnType<typeof captureMetrics>;
const sqs = mockClient(SQSClient);

/**
 * Our schemas reject everything the sandbox would reject, so no real order reaches a Partnero
 * validation error. To get a genuine one, this interposer corrupts the amount of chosen order keys on
 * the way out; the sandbox then answers its real 422 (`transactions.N.amount must be a number`).
 */
const corruptKeys = new Set<string>();
const corrupting: PartneroFetch = async (input, init) => {
  if (
    corruptKeys.size > 0 &&
    init?.method === 'POST' &&
    typeof init.body === 'string' &&
    String(input).endsWith('/transactions')
  ) {
    const body = JSON.parse(init.body);
    for (const item of body.transactions ?? [body])
      if (corruptKeys.has(item.key)) item.amount = 'not-a-number';
    return partneroHttp(input, { ...init, body: JSON.stringify(body) });
  }
  return partneroHttp(input, init);
};

let mapping: string | undefined;
const handler = createHandler(
  lazy(() => ({
    partnero: createPartneroClient({
      apiKey: env.sandbox.apiKey,
      baseUrl: env.sandbox.apiUrl,
      baseDelayMs: 1,
      maxDelayMs: 5,
      fetch: corrupting,
    }),
    // The sandbox's look-up shows every write at once, so a redelivery need not wait for a lag.
    ledger: dynamo.ledger({ lookupLagMs: 0 }),
    get mapping() {
      return parseOrderEventsMapping(mapping);
    },
    parkInDlq: createDlqParker({ client: () => new SQSClient({}), queueUrl: DLQ_URL }),
    metrics: createMetrics(),
    logger,
  })),
);

const invoke = (event: SQSEvent) => handler(event, lambdaContext(20_000)) as Promise<SQSBatchResponse>;
const consume = (records: SQSRecord[]) => invoke(sqsEvent(records));
const balance = async (key: string) => moneyOf((await env.api('GET', `/customers/${key}/balance`)).body.data);
const transactionKeys = async () =>
  ((await env.api('GET', '/transactions?limit=250')).body.data as { key: string }[]).map((t) => t.key).sort();
const parkedInputs = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

beforeAll(async () => {
  env = await handlerSandbox({ seed: 20260101 });
  dynamo = await startLocalDynamo();
  emf = captureMetrics();
});
afterAll(async () => {
  emf.restore();
  await env.sandbox.close();
  await dynamo.close();
});
beforeEach(async () => {
  await env.reset();
  dynamo.reset();
  mapping = undefined;
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-message' });
  emf.clear();
  corruptKeys.clear();
  await env.createCustomer({ key: 'alice', email: 'alice@example.com' });
  await env.createCustomer({ key: 'bob', email: 'bob@example.com', referring_customer: { key: 'alice' } });
  await env.createCustomer({
    key: 'carol',
    email: 'carol@example.com',
    referring_customer: { key: 'alice' },
  });
  await env.createCustomer({ key: 'erin', email: 'erin@example.com' });
  await env.createCustomer({ key: 'dave', email: 'dave@example.com', referring_customer: { key: 'erin' } });
  await env.createCustomer({ key: 'frank', email: 'frank@example.com' });
  await env.resetRequests();
});

describe('order consumer over real HTTP', () => {
  it('records an Order Placed event as a transaction that rewards the referrer', async () => {
    const res = await consume([sqsRecord(orderPlaced('order-1', 'bob', 100))]);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await balance('alice')).toBe(10);
    const listed = (await env.api('GET', '/transactions?key=order-1')).body.data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ key: 'order-1', amount: 100, amount_units: 'usd', action: 'sale' });
    expect(emf.metric('OrdersRecorded')).toBe(1);
    expect(parkedInputs()).toEqual([]);
  });

  it('reverses the reward for an Order Refunded event, and counts an unknown refund as nothing to reverse', async () => {
    await consume([sqsRecord(orderPlaced('order-1', 'bob', 100))]);
    expect(await balance('alice')).toBe(10);
    expect(await consume([sqsRecord(orderRefunded('order-1'))])).toEqual({ batchItemFailures: [] });
    expect(await balance('alice')).toBe(0);
    expect(await transactionKeys()).toEqual([]);
    expect(await consume([sqsRecord(orderRefunded('order-1'))])).toEqual({ batchItemFailures: [] });
    expect(emf.metric('OrdersRefunded')).toBe(1);
    expect(emf.metric('OrdersNothingToReverse')).toBe(1);
  });

  it('refunds an order placed in the same batch, even when the refund comes first', async () => {
    const res = await consume([
      sqsRecord(orderRefunded('order-1')),
      sqsRecord(orderPlaced('order-1', 'bob', 100)),
    ]);
    expect(res.batchItemFailures).toEqual([]);
    expect(await balance('alice')).toBe(0);
    expect(await transactionKeys()).toEqual([]);
  });

  it('counts the same event delivered twice, in one batch and across batches, once', async () => {
    const event = orderPlaced('order-1', 'bob', 100);
    const first = sqsRecord(event);
    const copy = sqsRecord(event); // EventBridge delivered it twice: two SQS messages, one body
    expect(await consume([first, copy])).toEqual({ batchItemFailures: [] });
    expect(await consume([redelivered(first)])).toEqual({ batchItemFailures: [] }); // SQS redelivered it
    expect(await consume([sqsRecord(event)])).toEqual({ batchItemFailures: [] }); // replayed later
    expect(await transactionKeys()).toEqual(['order-1']);
    expect(await balance('alice')).toBe(10);
    expect(emf.metric('OrdersRecorded')).toBe(1);
    expect(emf.metric('OrdersDuplicate')).toBe(3);
  });

  it('parks only the poison message of a mixed batch, with the reason, and records its neighbours', async () => {
    const poison = sqsRecord(
      eventBridgeEvent('Order Placed', { orderId: 'order-2', customerId: 'bob', currency: 'usd' }),
    );
    const garbage = sqsRecord(undefined, 'this is not json');
    const good = [
      sqsRecord(orderPlaced('order-1', 'bob', 100)),
      sqsRecord(orderPlaced('order-3', 'dave', 50)),
    ];
    const res = await consume([good[0] as SQSRecord, poison, garbage, good[1] as SQSRecord]);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await transactionKeys()).toEqual(['order-1', 'order-3']);
    expect(await balance('alice')).toBe(10);
    expect(await balance('erin')).toBe(5);

    const parked = parkedInputs();
    expect(parked).toHaveLength(2);
    const byId = Object.fromEntries(
      parked.map((p) => [p.MessageAttributes?.original_message_id?.StringValue, p]),
    );
    expect(byId[poison.messageId]).toEqual({
      QueueUrl: DLQ_URL,
      MessageBody: poison.body,
      MessageAttributes: {
        failure_code: { DataType: 'String', StringValue: 'invalid_fields' },
        failure_reason: {
          DataType: 'String',
          StringValue: '"Order Placed" event has invalid fields: amount ($.detail.amount): missing',
        },
        original_message_id: { DataType: 'String', StringValue: poison.messageId },
        original_source_arn: { DataType: 'String', StringValue: poison.eventSourceARN },
      },
    });
    expect(byId[garbage.messageId]?.MessageBody).toBe('this is not json');
    expect(byId[garbage.messageId]?.MessageAttributes?.failure_code?.StringValue).toBe('not_json');
    expect(emf.metric('OrdersParked')).toBe(2);
  });

  it.each([
    ['below DynamoDB’s number range', 5e-324],
    ['a fraction of a cent', 0.001],
  ])(
    'parks an order whose amount is %s at once, with its failure code, and sends nothing',
    async (_l, amount) => {
      const bad = sqsRecord(orderPlaced('order-tiny', 'bob', amount));
      expect(await consume([bad])).toEqual({ batchItemFailures: [] });
      expect(await transactionKeys()).toEqual([]);
      const [parked] = parkedInputs();
      expect(parked?.MessageAttributes?.failure_code?.StringValue).toBe('invalid_fields');
      expect(parked?.MessageAttributes?.failure_reason?.StringValue).toMatch(/amount/);
    },
  );

  it('returns a poison message as a batch item failure when parking it fails, never drops it', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const poison = sqsRecord(undefined, '{');
    const good = sqsRecord(orderPlaced('order-1', 'bob', 100));
    const res = await consume([poison, good]);
    expect(failedIds(res)).toEqual([poison.messageId]);
    expect(await transactionKeys()).toEqual(['order-1']);
  });

  it('parks a partial refund that is not whole cents of its order as invalid_fields, and changes nothing', async () => {
    await consume([sqsRecord(orderPlaced('order-1', 'bob', 100))]);
    const part = sqsRecord(
      eventBridgeEvent('Order Refunded', { orderId: 'order-1', amount: 0.001, refundId: 'r-1' }),
    );
    expect(await consume([part])).toEqual({ batchItemFailures: [] });
    const [parked] = parkedInputs();
    expect(parked?.MessageBody).toBe(part.body);
    expect(parked?.MessageAttributes?.failure_code?.StringValue).toBe('invalid_fields');
    expect(parked?.MessageAttributes?.failure_reason?.StringValue).toMatch(
      /amount: has 3 decimals, but USD has 2/,
    );
    expect(await balance('alice')).toBe(10);
    expect(await transactionKeys()).toEqual(['order-1']);
  });

  it('parks an order Partnero rejects as invalid and records the rest of its batch request', async () => {
    corruptKeys.add('order-bad');
    const bad = sqsRecord(orderPlaced('order-bad', 'bob', 50));
    const res = await consume([sqsRecord(orderPlaced('order-1', 'bob', 100)), bad]);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await transactionKeys()).toEqual(['order-1']);
    expect(await balance('alice')).toBe(10);
    const [parked] = parkedInputs();
    expect(parkedInputs()).toHaveLength(1);
    expect(parked?.MessageBody).toBe(bad.body);
    expect(parked?.MessageAttributes?.failure_code?.StringValue).toBe('partnero_validation');
    expect(parked?.MessageAttributes?.failure_reason?.StringValue).toMatch(
      /HTTP 422.*transactions\.1\.amount.*must be a number/,
    );
    expect(parked?.MessageAttributes?.original_message_id?.StringValue).toBe(bad.messageId);
  });

  it('skips and counts orders of non-referred customers, with a log line, without failing', async () => {
    const info = jest.spyOn(logger, 'info');
    const res = await consume([
      sqsRecord(orderPlaced('order-f', 'frank', 100)),
      sqsRecord(orderPlaced('order-b', 'bob', 100)),
    ]);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await transactionKeys()).toEqual(['order-b']);
    expect(emf.metric('OrdersSkippedNotReferred')).toBe(1);
    expect(emf.metric('OrdersRecorded')).toBe(1);
    const skipped = info.mock.calls.filter(
      ([message]) => message === 'order skipped: customer is not referred',
    );
    info.mockRestore();
    expect(skipped.map(([, extra]) => (extra as { orderId: string }).orderId)).toEqual(['order-f']);
    expect(parkedInputs()).toEqual([]);
  });

  it('retries the order of a customer Partnero does not know yet, records it once they sign up', async () => {
    const first = sqsRecord(orderPlaced('order-g', 'ghost', 100));
    const neighbour = sqsRecord(orderPlaced('order-b', 'bob', 100));
    expect(failedIds(await consume([first, neighbour]))).toEqual([first.messageId]);
    expect(emf.metric('OrdersUnknownCustomer')).toBe(1);
    await env.createCustomer({
      key: 'ghost',
      email: 'ghost@example.com',
      referring_customer: { key: 'alice' },
    });
    expect(await consume([redelivered(first)])).toEqual({ batchItemFailures: [] });
    expect(await transactionKeys()).toEqual(['order-b', 'order-g']);
  });

  it('parks the order of a customer that never appears, with its reason, before SQS gives up on it', async () => {
    let record = sqsRecord(orderPlaced('order-g', 'ghost', 100));
    for (let receive = 1; receive < 4; receive++) {
      expect(failedIds(await consume([record]))).toEqual([record.messageId]);
      record = redelivered(record);
    }
    expect(await consume([record])).toEqual({ batchItemFailures: [] });
    const [parked] = parkedInputs();
    expect(parked?.MessageAttributes?.failure_code?.StringValue).toBe('unknown_customer');
    expect(parked?.MessageAttributes?.failure_reason?.StringValue).toMatch(
      /does not know the customer after 4 attempts/,
    );
    expect(await transactionKeys()).toEqual([]);
  });

  it('sends a customer’s orders of one batch as one Partnero request: fewer calls than events', async () => {
    const records = [
      ...[1, 2, 3, 4].map((i) => sqsRecord(orderPlaced(`b-${i}`, 'bob', 10))),
      ...[1, 2, 3].map((i) => sqsRecord(orderPlaced(`c-${i}`, 'carol', 10))),
      sqsRecord(orderPlaced('d-1', 'dave', 10)),
    ];
    expect(await consume(records)).toEqual({ batchItemFailures: [] });
    const requests = await env.requests();
    expect(requests.total).toBe(3);
    expect(requests.total).toBeLessThan(records.length);
    expect(await transactionKeys()).toHaveLength(8);
    expect(await balance('alice')).toBe(7);
  });

  it('maps a foreign event shape through ORDER_EVENTS_MAPPING', async () => {
    mapping = JSON.stringify({
      placed: 'checkout.completed',
      refunded: 'checkout.refunded',
      fields: {
        orderId: '$.detail.order.id',
        customerId: '$.detail.buyer.ref',
        amount: '$.detail.order.total',
        currency: '$.detail.order.currency',
      },
    });
    {
      const placed = eventBridgeEvent(
        'checkout.completed',
        { order: { id: 'A1', total: '49.90', currency: 'EUR' }, buyer: { ref: 'bob' } },
        'shop.checkout',
      );
      expect(await consume([sqsRecord(placed)])).toEqual({ batchItemFailures: [] });
      const [transaction] = (await env.api('GET', '/transactions?key=A1')).body.data;
      expect(transaction).toMatchObject({ key: 'A1', amount: 49.9, amount_units: 'eur' });
      expect(await balance('alice')).toBe(4.99);
      const refund = eventBridgeEvent('checkout.refunded', { order: { id: 'A1' } }, 'shop.checkout');
      expect(await consume([sqsRecord(refund)])).toEqual({ batchItemFailures: [] });
      expect(await balance('alice')).toBe(0);
    }
  });

  it('records everything exactly once under 30% injected 429/5xx and lost answers, by redelivering failed records', async () => {
    await env.faults({
      rules: [
        // The first batch's POST fails every attempt, so its refund has to come back with it.
        { match: 'POST /v1/transactions', rate: 1, kinds: ['503'], count: 3, retryAfterSeconds: 0 },
        { rate: 0.3, kinds: ['429', '500', '502', '503', 'commit-500', 'commit-drop'], retryAfterSeconds: 0 },
      ],
    });
    // Deterministic traffic: 12 batches of referred and non-referred customers' orders, refunds of
    // orders placed in the same batch, and replays of events already delivered.
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const referrerOf: Record<string, string | undefined> = {
      bob: 'alice',
      carol: 'alice',
      dave: 'erin',
      frank: undefined,
    };
    const expected = new Map<string, { referrer: string; amount: number }>();
    const delivered: SQSRecord[] = [];
    const forced = [sqsRecord(orderPlaced('first', 'dave', 100)), sqsRecord(orderRefunded('first'))];
    const batches: SQSRecord[][] = [forced];
    let n = 0;
    for (let b = 0; b < 12; b++) {
      const batch: SQSRecord[] = [];
      while (batch.length < 10) {
        const roll = random();
        if (roll < 0.1 && delivered.length > 0) {
          const replay = delivered[Math.floor(random() * delivered.length)] as SQSRecord;
          batch.push(sqsRecord(undefined, replay.body)); // the same event again, as a new message
          continue;
        }
        const customer = (['bob', 'carol', 'dave', 'frank', 'bob', 'carol'] as const)[
          Math.floor(random() * 6)
        ] as string;
        const orderId = `o-${++n}`;
        const amount = 10 * (1 + Math.floor(random() * 20));
        const record = sqsRecord(orderPlaced(orderId, customer, amount));
        batch.push(record);
        delivered.push(record);
        const referrer = referrerOf[customer];
        if (roll > 0.85 && batch.length < 10) {
          // Refunded in the same batch; later replays of its sale must not record it again.
          batch.push(sqsRecord(orderRefunded(orderId)));
        } else if (referrer) {
          expected.set(orderId, { referrer, amount });
        }
      }
      batches.push(batch);
    }

    const rounds: number[] = [];
    for (const batch of batches) rounds.push(await drain(invoke, batch));
    const requests = await env.requests();
    await env.clearFaults();

    expect(rounds[0]).toBeGreaterThanOrEqual(2); // the forced failure came back, refund included
    expect(requests.total).toBeGreaterThan(0);
    expect(parkedInputs()).toEqual([]);
    expect(await transactionKeys()).toEqual([...expected.keys()].sort());
    const reward = (referrer: string) =>
      Math.round(
        [...expected.values()].filter((e) => e.referrer === referrer).reduce((sum, e) => sum + e.amount, 0),
      ) / 10;
    expect(await balance('alice')).toBeCloseTo(reward('alice'), 2);
    expect(await balance('erin')).toBeCloseTo(reward('erin'), 2);
    expect(expected.size).toBeGreaterThan(50);
  });
});
