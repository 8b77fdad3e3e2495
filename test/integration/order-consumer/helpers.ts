import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:order-events';
export const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq';

/** An EventBridge event exactly as an SQS target receives it (the rule has no input transformer). */
export function eventBridgeEvent(detailType: string, detail: unknown, source = 'shop.orders') {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export const orderPlaced = (orderId: string, customerId: string, amount: number, currency = 'USD') =>
  eventBridgeEvent('Order Placed', { orderId, customerId, amount, currency });
export const orderRefunded = (orderId: string) => eventBridgeEvent('Order Refunded', { orderId });

/** One SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(event: unknown, rawBody?: string): SQSRecord {
  const body = rawBody ?? JSON.stringify(event);
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomBytes(48).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** The same message received again: new receipt handle, receive count + 1. */
export function redelivered(record: SQSRecord): SQSRecord {
  return {
    ...record,
    receiptHandle: `AQEB${randomBytes(48).toString('base64')}`,
    attributes: {
      ...record.attributes,
      ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1),
    },
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

export const failedIds = (response: SQSBatchResponse | undefined) =>
  (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);

/**
 * What SQS does with partial batch responses: the failed records come back (here: as the next batch,
 * so a placed + refunded pair stays together) until none fail. Returns the number of rounds.
 */
export async function drain(
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>,
  records: SQSRecord[],
  maxRounds = 50,
): Promise<number> {
  let batch = records;
  for (let round = 1; round <= maxRounds; round++) {
    const failed = new Set(failedIds(await invoke(sqsEvent(batch))));
    for (const id of failed)
      if (!batch.some((r) => r.messageId === id)) throw new Error(`unknown failure id ${id}`);
    batch = batch.filter((r) => failed.has(r.messageId)).map(redelivered);
    if (batch.length === 0) return round;
  }
  throw new Error(`records still failing after ${maxRounds} rounds`);
}

/**
 * Captures the EMF lines Powertools Metrics writes to stdout (and keeps them out of the test output).
 * `metric(name)` sums a metric over everything captured since the last `clear()`.
 */
export function captureMetrics() {
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((
    chunk: unknown,
    ...rest: unknown[]
  ) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) {
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  return {
    lines,
    metric: (name: string) =>
      lines.reduce((sum, line) => {
        const value = line[name];
        return (
          sum + (Array.isArray(value) ? value.reduce((a: number, b: number) => a + b, 0) : Number(value ?? 0))
        );
      }, 0),
    clear: () => {
      lines.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}
