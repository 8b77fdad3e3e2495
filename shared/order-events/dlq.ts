import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Why a message was parked; travels as message attributes next to the untouched original body. */
export interface ParkReason {
  /** Machine-readable: a PoisonCode, `partnero_validation` or `placed_order_parked`. */
  code: string;
  /** Human-readable, safe to log (no secrets, values only as short type descriptions). */
  reason: string;
}

/** Sends `record` to the dead-letter queue with `reason`; rejects when that did not happen. */
export type ParkInDlq = (record: SQSRecord, reason: ParkReason) => Promise<void>;

export interface DlqParkerOptions {
  /** The SQS client, or a function creating it on first use (so a batch without poison creates none). */
  client: Pick<SQSClient, 'send'> | (() => Pick<SQSClient, 'send'>);
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
  const client =
    typeof options.client === 'function' ? options.client : () => options.client as Pick<SQSClient, 'send'>;
  const queueUrl = options.queueUrl?.trim();
  return async (record, reason) => {
    if (!queueUrl) throw new Error('Environment variable ORDER_DLQ_URL is required to park messages');
    await client().send(new SendMessageCommand(parkMessageInput(queueUrl, record, reason)));
  };
}
