import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Makes a record that will be retried come back after `seconds` instead of the queue's visibility timeout. */
export type DelayRetry = (record: SQSRecord, seconds: number) => Promise<void>;

/**
 * A DelayRetry with SQS ChangeMessageVisibility on `queueUrl` (the record's receipt handle is valid until
 * the batch answer is returned). Without a queue URL it does nothing: the queue's timeout applies.
 */
export function createRetryDelayer(options: {
  client: () => Pick<SQSClient, 'send'>;
  queueUrl: string | undefined;
}): DelayRetry {
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
