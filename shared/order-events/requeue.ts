import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

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
export function createRequeuer(options: {
  client: () => Pick<SQSClient, 'send'>;
  queueUrl: string | undefined;
}): Requeue {
  const queueUrl = options.queueUrl?.trim();
  return async (record, seconds) => {
    if (!queueUrl) throw new Error('ORDER_QUEUE_URL is required to re-enqueue a record');
    if (queueUrl.endsWith('.fifo')) throw new Error('a FIFO queue cannot delay one message');
    await options.client().send(new SendMessageCommand(requeueInput(queueUrl, record, seconds)));
  };
}
