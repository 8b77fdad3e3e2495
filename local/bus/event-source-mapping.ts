import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { ActivityLog } from './activity-log.js';
import type { LocalQueue, QueueMessage } from './queue.js';

export interface EventSourceMappingOptions {
  queue: LocalQueue;
  region: string;
  /** The consumer; resolves with its batch response (or throws / times out: the whole batch failed). */
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse | undefined | null>;
  /** @default 10 */
  batchSize?: number;
  /** How long a batch is gathered before a partial one is sent. @default 2_000 (the stack's default) */
  maxBatchingWindowMs?: number;
  /** Concurrent invocations. @default 2 */
  maxConcurrency?: number;
  /**
   * After a failed invocation, how long its failed messages stay invisible. On AWS they reappear when
   * the visibility timeout (6 × the consumer timeout) runs out; locally a short delay keeps the loop fast.
   * @default 3_000
   */
  retryDelayMs?: number;
  log?: ActivityLog;
}

const SENDER_ID = 'AROALOCALEVENTBRIDGE:events';

function lambdaAttributes(attributes: QueueMessage['messageAttributes']): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        dataType: a.DataType,
        ...(a.StringValue === undefined ? {} : { stringValue: a.StringValue }),
        ...(a.BinaryValue === undefined ? {} : { binaryValue: a.BinaryValue }),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  ) as SQSMessageAttributes;
}

/** A received message as the SQS event source hands it to Lambda. */
export function toSqsRecord(message: QueueMessage, queue: LocalQueue, region: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: SENDER_ID,
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? Date.now()),
    },
    messageAttributes: lambdaAttributes(message.messageAttributes),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}

/**
 * The Lambda SQS event source mapping with `ReportBatchItemFailures`: gathers up to `batchSize`
 * messages (or what arrived within the batching window), invokes the consumer with at most
 * `maxConcurrency` batches in flight, deletes what succeeded and lets the failed messages reappear,
 * so the queue's redrive policy moves them to the DLQ after `maxReceiveCount` receives. An invalid
 * batch response (an unknown or empty itemIdentifier) fails the whole batch, as Lambda does.
 */
export class EventSourceMapping {
  private inFlight = 0;
  private windowTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly running = new Set<Promise<void>>();
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly maxConcurrency: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: EventSourceMappingOptions) {
    this.batchSize = options.batchSize ?? 10;
    this.windowMs = options.maxBatchingWindowMs ?? 2_000;
    this.maxConcurrency = options.maxConcurrency ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 3_000;
    this.unsubscribe = options.queue.onAvailable(() => this.poll());
  }

  /** Resolves when no invocation is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops polling and waits (at most `graceMs`) for running invocations; their messages stay in the queue. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.windowTimer);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.idle(), grace]);
    clearTimeout(timer);
  }

  private poll(): void {
    if (this.stopped || this.inFlight >= this.maxConcurrency) return;
    const visible = this.options.queue.visibleCount;
    if (visible === 0) return;
    if (visible >= this.batchSize || this.windowMs === 0) {
      this.dispatch();
      return;
    }
    this.windowTimer ??= setTimeout(() => {
      this.windowTimer = undefined;
      this.dispatch();
    }, this.windowMs);
  }

  private dispatch(): void {
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    while (!this.stopped && this.inFlight < this.maxConcurrency) {
      const messages = this.options.queue.receive(this.batchSize, Number.POSITIVE_INFINITY);
      if (messages.length === 0) return;
      this.inFlight += 1;
      const run = this.deliver(messages).finally(() => {
        this.inFlight -= 1;
        this.running.delete(run);
        this.poll();
      });
      this.running.add(run);
    }
  }

  private async deliver(messages: QueueMessage[]): Promise<void> {
    const { queue, region, log } = this.options;
    const records = messages.map((m) => toSqsRecord(m, queue, region));
    const started = Date.now();
    let failed: Set<string>;
    let error: string | undefined;
    try {
      const response = await this.options.invoke({ Records: records });
      failed = this.failedIds(response, records);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      failed = new Set(records.map((r) => r.messageId));
    }
    for (const record of records) {
      if (failed.has(record.messageId)) queue.release(record.receiptHandle, this.retryDelayMs, true);
      else queue.delete(record.receiptHandle);
    }
    log?.append({
      kind: 'delivery',
      queue: queue.name,
      messageIds: records.map((r) => r.messageId),
      failedIds: [...failed],
      durationMs: Date.now() - started,
      ...(error === undefined ? {} : { error }),
    });
  }

  private failedIds(response: SQSBatchResponse | undefined | null, records: SQSRecord[]): Set<string> {
    const ids = new Set(records.map((r) => r.messageId));
    const failures = response?.batchItemFailures ?? [];
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = failure?.itemIdentifier;
      if (typeof id !== 'string' || !ids.has(id))
        throw new Error(`invalid batch response: itemIdentifier ${JSON.stringify(id)}`);
      failed.add(id);
    }
    return failed;
  }
}
