import { afterEach, describe, expect, it } from '@jest/globals';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ActivityLog } from '#local/bus/activity-log.js';
import { LocalEventBus } from '#local/bus/event-bus.js';
import { EventSourceMapping } from '#local/bus/event-source-mapping.js';
import { orderRulePattern } from '#local/bus/order-rule.js';
import { matchesPattern, UnsupportedPatternError } from '#local/bus/pattern.js';
import { LocalQueue } from '#local/bus/queue.js';
import { waitFor } from './helpers.js';

const event = (overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Order Placed',
  source: 'shop.orders',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { orderId: 'o-1', amount: 100, tags: ['vip', 'eu'], customer: { tier: 'gold' } },
  ...overrides,
});

describe('event patterns', () => {
  const order = orderRulePattern({
    source: 'shop.orders',
    placedDetailType: 'Order Placed',
    refundedDetailType: 'Order Refunded',
  });

  it('the order rule matches placed and refunded orders of the configured source only', () => {
    expect(order).toEqual({ source: ['shop.orders'], 'detail-type': ['Order Placed', 'Order Refunded'] });
    expect(matchesPattern(order, event())).toBe(true);
    expect(matchesPattern(order, event({ 'detail-type': 'Order Refunded' }))).toBe(true);
    expect(matchesPattern(order, event({ 'detail-type': 'Order Shipped' }))).toBe(false);
    expect(matchesPattern(order, event({ source: 'partnero' }))).toBe(false);
    expect(matchesPattern(order, event({ source: undefined }))).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case, exists, anything-but and numeric', () => {
    const e = event();
    expect(matchesPattern({ source: [{ prefix: 'shop.' }] }, e)).toBe(true);
    expect(matchesPattern({ source: [{ suffix: '.orders' }] }, e)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ 'equals-ignore-case': 'order placed' }] }, e)).toBe(true);
    expect(matchesPattern({ detail: { orderId: [{ exists: true }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { coupon: [{ exists: false }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { orderId: [{ exists: false }] } }, e)).toBe(false);
    expect(matchesPattern({ source: [{ 'anything-but': ['partnero'] }] }, e)).toBe(true);
    expect(matchesPattern({ source: [{ 'anything-but': { prefix: 'shop' } }] }, e)).toBe(false);
    expect(matchesPattern({ detail: { amount: [{ numeric: ['>', 50, '<=', 100] }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { amount: [{ numeric: ['>', 100] }] } }, e)).toBe(false);
  });

  it('matches nested fields and any element of an array value', () => {
    expect(matchesPattern({ detail: { customer: { tier: ['gold', 'platinum'] } } }, event())).toBe(true);
    expect(matchesPattern({ detail: { tags: ['eu'] } }, event())).toBe(true);
    expect(matchesPattern({ detail: { tags: ['us'] } }, event())).toBe(false);
  });

  it('refuses operators it does not implement instead of silently matching nothing', () => {
    expect(() => matchesPattern({ source: [{ wildcard: 'shop.*' }] }, event())).toThrow(
      UnsupportedPatternError,
    );
  });
});

describe('the bus', () => {
  it('delivers matching events to the rule target as the full event JSON, and logs every event', () => {
    const log = new ActivityLog();
    const bus = new LocalEventBus('us-east-1', log);
    bus.createBus('b');
    const delivered: unknown[] = [];
    bus.addRule({
      name: 'r',
      bus: 'b',
      pattern: { source: ['shop.orders'] },
      target: (e) => delivered.push(e),
    });
    const out = bus.putEvents([
      { EventBusName: 'b', Source: 'shop.orders', DetailType: 'Order Placed', Detail: '{"orderId":"1"}' },
      {
        EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/b',
        Source: 'other',
        DetailType: 'X',
        Detail: '{}',
      },
      { EventBusName: 'b', Source: 'shop.orders', DetailType: 'Order Placed', Detail: '[1]' },
    ]);
    expect(out.FailedEntryCount).toBe(1);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ source: 'shop.orders', detail: { orderId: '1' } });
    expect(log.recent().map((r) => (r.kind === 'event' ? r.rules : null))).toEqual([['r'], []]);
  });

  it('keeps a bounded log and tells subscribers', () => {
    const log = new ActivityLog(3);
    const seen: number[] = [];
    const unsubscribe = log.subscribe((r) => seen.push(r.seq));
    for (let i = 0; i < 5; i++) {
      log.append({ kind: 'delivery', queue: 'q', messageIds: [], failedIds: [], durationMs: 0 });
    }
    unsubscribe();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(log.recent().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(log.recent(4).map((r) => r.seq)).toEqual([5]);
  });
});

describe('the SQS event source mapping', () => {
  let mapping: EventSourceMapping | undefined;
  let queues: LocalQueue[] = [];
  afterEach(async () => {
    await mapping?.stop();
    for (const q of queues) q.close();
    queues = [];
  });

  /** queue → consumer with redrive to a DLQ after 5 receives; `consume` decides what fails. */
  function pipeline(consume: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>, maxConcurrency = 2) {
    const log = new ActivityLog();
    const dlq = new LocalQueue({ name: 'dlq', endpointUrl: 'http://127.0.0.1:1', region: 'us-east-1' });
    const queue = new LocalQueue({
      name: 'orders',
      endpointUrl: 'http://127.0.0.1:1',
      region: 'us-east-1',
      redrive: { deadLetterQueue: dlq, maxReceiveCount: 5 },
    });
    queues = [queue, dlq];
    const batches: SQSEvent[] = [];
    mapping = new EventSourceMapping({
      queue,
      region: 'us-east-1',
      batchSize: 10,
      maxBatchingWindowMs: 30,
      maxConcurrency,
      retryDelayMs: 20,
      log,
      invoke: async (e) => {
        batches.push(structuredClone(e));
        return consume(e);
      },
    });
    return { queue, dlq, batches, log };
  }

  it('delivers SQS-shaped records in batches of at most 10 and deletes what succeeded', async () => {
    const { queue, batches } = pipeline(async () => ({ batchItemFailures: [] }));
    for (let i = 0; i < 12; i++) queue.send(JSON.stringify({ n: i }));
    await waitFor(() => queue.depth === 0, 25_000, 'queue drained');
    expect(batches.map((b) => b.Records.length).sort()).toEqual([10, 2].sort());
    const record = batches[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
      awsRegion: 'us-east-1',
      messageAttributes: {},
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record?.receiptHandle).toContain(record?.messageId);
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
  });

  it('redelivers only the items reported as failed, with the receive count + 1', async () => {
    let failOnce: string | undefined;
    const { queue, batches } = pipeline(async (e) => {
      const target = e.Records.find((r) => r.body === '"b"');
      if (target && !failOnce) {
        failOnce = target.messageId;
        return { batchItemFailures: [{ itemIdentifier: target.messageId }] };
      }
      return { batchItemFailures: [] };
    });
    queue.send('"a"');
    queue.send('"b"');
    await waitFor(() => queue.depth === 0, 25_000, 'queue drained');
    expect(batches).toHaveLength(2);
    expect(batches[1]?.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ['"b"', '2'],
    ]);
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount (5) receives', async () => {
    const { queue, dlq, batches, log } = pipeline(async (e) => ({
      batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    const sent = queue.send('"poison"');
    await waitFor(() => dlq.depth === 1, 25_000, 'message in the DLQ');
    expect(batches.map((b) => b.Records[0]?.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    expect(queue.depth).toBe(0);
    expect(dlq.list()[0]).toMatchObject({ messageId: sent.messageId, body: '"poison"' });
    expect(
      log
        .recent()
        .filter((r) => r.kind === 'delivery')
        .every((r) => r.kind === 'delivery' && r.failedIds.length === 1),
    ).toBe(true);
  });

  it('fails the whole batch when the consumer throws or answers an unknown itemIdentifier', async () => {
    let calls = 0;
    const { queue, batches, log } = pipeline(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
      return undefined;
    });
    queue.send('"x"');
    queue.send('"y"');
    await waitFor(() => queue.depth === 0, 25_000, 'queue drained');
    expect(batches.map((b) => b.Records.length)).toEqual([2, 2, 2]);
    expect(batches[2]?.Records.every((r) => r.attributes.ApproximateReceiveCount === '3')).toBe(true);
    const deliveries = log.recent().filter((r) => r.kind === 'delivery');
    expect(deliveries.map((d) => (d.kind === 'delivery' ? (d.error ?? null) : null))).toEqual([
      'boom',
      expect.stringContaining('invalid batch response'),
      null,
    ]);
  });

  it('keeps at most maxConcurrency invocations in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const { queue } = pipeline(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight -= 1;
      return { batchItemFailures: [] };
    }, 2);
    for (let i = 0; i < 50; i++) queue.send(String(i));
    await waitFor(() => queue.depth === 0, 25_000, 'queue drained');
    expect(peak).toBe(2);
  });
});
