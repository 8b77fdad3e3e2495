import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import type { AppError } from '#shared/errors.js';

/**
 * How a record goes back to SQS: parked in the dead-letter queue with its reason, re-enqueued as a
 * delayed copy, or answered as a batch item failure (SQS redelivers it), optionally after a delay.
 */

type Sqs = Pick<SQSClient, 'send'>;

/** Why a message was parked; travels as message attributes next to the untouched original body. */
export interface ParkReason {
  /**
   * Machine-readable: a PoisonCode; `partnero_<code>` (or another error's code) for a failure no retry
   * fixes; or what the batch decided (`unknown_customer`, `order_key_reused`, `order_not_recorded`,
   * `refund_id_reused`, `order_refused`).
   */
  code: string;
  /** Human-readable, safe to log (no secrets, values only as short type descriptions). */
  reason: string;
}

/**
 * The code a failure no retry fixes is parked under: `partnero_<code>` for Partnero's refusals,
 * `invalid_fields` for a rule broken past parsing (a refund part out of its order's currency units), as
 * the parser's own refusals are; else the error's code.
 */
export function parkCodeOf(error: AppError): string {
  if (error.name === 'PartneroError') return `partnero_${error.code}`;
  return error.code === 'validation' ? 'invalid_fields' : error.code;
}

/** Sends `record` to the dead-letter queue with `reason`; rejects when that did not happen. */
export type ParkInDlq = (record: SQSRecord, reason: ParkReason) => Promise<void>;

interface DlqParkerOptions {
  /** The SQS client, or a function creating it on first use (so a batch without poison creates none). */
  client: Sqs | (() => Sqs);
  /** `ORDER_DLQ_URL`; when absent every park rejects, so the record is retried rather than dropped. */
  queueUrl: string | undefined;
}

const MAX_REASON_CHARS = 1024;

/** SQS accepts only XML-legal characters in attribute values; the reason may quote untrusted input. */
function attributeText(value: string, max = 256): string {
  const clean = value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?');
  const text = clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
  return text === '' ? 'unknown' : text;
}

const text = (value: string, max?: number): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: attributeText(value, max),
});

/**
 * The SendMessage input that parks `record`: the original body unchanged (so a redrive replays it)
 * and the attributes `failure_reason`, `failure_code`, `original_message_id`, `original_source_arn`.
 */
export function parkMessageInput(queueUrl: string, record: SQSRecord, reason: ParkReason) {
  const attributes: Record<string, MessageAttributeValue> = {
    failure_reason: text(reason.reason, MAX_REASON_CHARS),
    failure_code: text(reason.code),
    original_message_id: text(record.messageId),
  };
  if (record.eventSourceARN) attributes.original_source_arn = text(record.eventSourceARN);
  const fifo = queueUrl.endsWith('.fifo')
    ? {
        MessageGroupId: record.attributes?.MessageGroupId ?? 'order-events',
        MessageDeduplicationId: record.messageId.slice(0, 128),
      }
    : {};
  return { QueueUrl: queueUrl, MessageBody: record.body, MessageAttributes: attributes, ...fifo };
}

/** A ParkInDlq that uses SQS SendMessage on `queueUrl`. */
export function createDlqParker(options: DlqParkerOptions): ParkInDlq {
  const client = typeof options.client === 'function' ? options.client : () => options.client as Sqs;
  const queueUrl = options.queueUrl?.trim();
  return async (record, reason) => {
    if (!queueUrl) throw new Error('Environment variable ORDER_DLQ_URL is required to park messages');
    await client().send(new SendMessageCommand(parkMessageInput(queueUrl, record, reason)));
  };
}

/**
 * Puts a copy of `record` back on its queue, visible after `seconds`; once it resolves the original can be
 * deleted (the batch answers it as done). SQS counts every receive of a message toward the queue's
 * `maxReceiveCount`, so a record retried in place through a long 429 storm would end in the DLQ although
 * nothing is wrong with it; a copy starts with a receive count of zero. `requeues` (a message attribute)
 * counts the copies, for the backoff and the logs.
 */
export type Requeue = (record: SQSRecord, seconds: number) => Promise<void>;

/** SQS allows DelaySeconds up to 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** How many times this record was re-enqueued before (0 for an original). */
export const requeuesOf = (record: SQSRecord) =>
  Number(record.messageAttributes?.requeues?.stringValue ?? 0) || 0;

/** The SendMessage input of a delayed copy: the body unchanged, the other attributes kept. */
export function requeueInput(queueUrl: string, record: SQSRecord, seconds: number) {
  const attributes: Record<string, { DataType: string; StringValue?: string }> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined)
      attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
  }
  attributes.requeues = { DataType: 'Number', StringValue: String(requeuesOf(record) + 1) };
  return {
    QueueUrl: queueUrl,
    MessageBody: record.body,
    DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(seconds))),
    MessageAttributes: attributes,
  };
}

/** A Requeue with SQS SendMessage on `queueUrl`; without a queue URL it rejects (the record is retried in place). */
export function createRequeuer(options: { client: () => Sqs; queueUrl: string | undefined }): Requeue {
  const queueUrl = options.queueUrl?.trim();
  return async (record, seconds) => {
    if (!queueUrl) throw new Error('ORDER_QUEUE_URL is required to re-enqueue a record');
    if (queueUrl.endsWith('.fifo')) throw new Error('a FIFO queue cannot delay one message');
    await options.client().send(new SendMessageCommand(requeueInput(queueUrl, record, seconds)));
  };
}

/** Makes a record that will be retried come back after `seconds` instead of the queue's visibility timeout. */
export type DelayRetry = (record: SQSRecord, seconds: number) => Promise<void>;

/**
 * A DelayRetry with SQS ChangeMessageVisibility on `queueUrl` (the record's receipt handle is valid until
 * the batch answer is returned). Without a queue URL it does nothing: the queue's timeout applies.
 */
export function createRetryDelayer(options: { client: () => Sqs; queueUrl: string | undefined }): DelayRetry {
  const queueUrl = options.queueUrl?.trim();
  return async (record, seconds) => {
    if (!queueUrl) return;
    await options.client().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  };
}

export type Logs = Pick<Logger, 'info' | 'warn' | 'error'>;

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** How a batch sends its records back: `parkInDlq` always, `requeue` and `delayRetry` when configured. */
export interface SendBackDeps {
  parkInDlq: ParkInDlq;
  /** Sets when a retried record comes back (SQS ChangeMessageVisibility); without it, the queue's timeout. */
  delayRetry?: DelayRetry;
  /**
   * Re-enqueues a rate-limited record with a delay (SQS SendMessage), so a 429 storm does not use up the
   * queue's `maxReceiveCount`; without it (or when it fails), the record is retried in place.
   */
  requeue?: Requeue;
}

/** Sends one batch's records back to SQS, and counts how. */
export class SendBack {
  /** Records SQS must redeliver (the batch's answer). */
  readonly batchItemFailures: SQSBatchItemFailure[] = [];
  /** Records re-enqueued as delayed copies (answered as done). */
  requeued = 0;
  parked = 0;

  constructor(
    private readonly deps: SendBackDeps,
    private readonly log: Logs,
  ) {}

  /** Parks `record` in the DLQ with `reason`; when parking fails, it is retried instead. */
  async park(record: SQSRecord, reason: ParkReason): Promise<void> {
    try {
      await this.deps.parkInDlq(record, reason);
      this.parked += 1;
      this.log.warn('order event parked in the DLQ', { messageId: record.messageId, ...reason });
    } catch (error) {
      this.log.error('could not park order event in the DLQ; it will be retried', {
        messageId: record.messageId,
        ...reason,
        error: errorMessage(error),
      });
      await this.retry(record);
    }
  }

  /** Retries `record`: as a delayed copy when `requeue` asks for one and that works, else redelivered. */
  async retry(record: SQSRecord, delaySeconds?: number, requeue = false): Promise<void> {
    if (requeue && this.deps.requeue) {
      // A copy with a delay, and the original answered as done: no receive is spent on the wait.
      const requeued = await this.deps.requeue(record, delaySeconds ?? 0).then(
        () => true,
        (error: unknown) => {
          this.log.warn('could not re-enqueue a rate-limited order event; it is retried in place', {
            messageId: record.messageId,
            error: errorMessage(error),
          });
          return false;
        },
      );
      if (requeued) {
        this.requeued += 1;
        return;
      }
    }
    this.batchItemFailures.push({ itemIdentifier: record.messageId });
    if (delaySeconds && this.deps.delayRetry) {
      await this.deps.delayRetry(record, delaySeconds).catch((error: unknown) => {
        this.log.warn('could not delay a retried order event', {
          messageId: record.messageId,
          error: errorMessage(error),
        });
      });
    }
  }
}
