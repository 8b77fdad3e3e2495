import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDlqParker, parkMessageInput } from '#shared/order-events/send-back.js';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq';
const record = (over: Partial<SQSRecord> = {}): SQSRecord => ({
  messageId: 'm-1',
  receiptHandle: 'rh',
  body: '{"detail-type":"Order Placed"}',
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1',
    SenderId: 's',
    ApproximateFirstReceiveTimestamp: '1',
  },
  messageAttributes: {},
  md5OfBody: 'x',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:order-events',
  awsRegion: 'us-east-1',
  ...over,
});

const sqs = mockClient(SQSClient);
afterEach(() => {
  sqs.reset();
});

describe('parkMessageInput', () => {
  it('keeps the original body and attaches the reason', () => {
    expect(parkMessageInput(DLQ, record(), { code: 'not_json', reason: 'message body is not JSON' })).toEqual(
      {
        QueueUrl: DLQ,
        MessageBody: '{"detail-type":"Order Placed"}',
        MessageAttributes: {
          failure_reason: { DataType: 'String', StringValue: 'message body is not JSON' },
          failure_code: { DataType: 'String', StringValue: 'not_json' },
          original_message_id: { DataType: 'String', StringValue: 'm-1' },
          original_source_arn: {
            DataType: 'String',
            StringValue: 'arn:aws:sqs:us-east-1:123456789012:order-events',
          },
        },
      },
    );
  });

  it('strips characters SQS refuses and bounds the reason', () => {
    const input = parkMessageInput(DLQ, record(), {
      code: '',
      reason: `bad\u0000\u0007type 😀 ${'x'.repeat(5000)}`,
    });
    const reason = input.MessageAttributes.failure_reason?.StringValue ?? '';
    expect(reason.startsWith('bad??type 😀 ')).toBe(true);
    expect(reason.length).toBeLessThanOrEqual(1024);
    expect(input.MessageAttributes.failure_code?.StringValue).toBe('unknown');
  });

  it('adds group and deduplication ids for a FIFO queue', () => {
    const input = parkMessageInput(
      `${DLQ}.fifo`,
      record({ attributes: { ...record().attributes, MessageGroupId: 'g-7' } }),
      {
        code: 'c',
        reason: 'r',
      },
    );
    expect(input).toMatchObject({ MessageGroupId: 'g-7', MessageDeduplicationId: 'm-1' });
  });
});

describe('createDlqParker', () => {
  it('sends one SendMessage to the queue', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const park = createDlqParker({ client: new SQSClient({}), queueUrl: DLQ });
    await park(record(), { code: 'invalid_fields', reason: 'amount: missing' });
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({
      QueueUrl: DLQ,
      MessageAttributes: { failure_code: { DataType: 'String', StringValue: 'invalid_fields' } },
    });
  });

  it('creates a lazily supplied client only when it parks', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const factory = jest.fn(() => new SQSClient({}));
    const park = createDlqParker({ client: factory, queueUrl: DLQ });
    expect(factory).not.toHaveBeenCalled();
    await park(record(), { code: 'c', reason: 'r' });
    await park(record(), { code: 'c', reason: 'r' });
    expect(factory).toHaveBeenCalledTimes(2); // the factory itself caches (lazy) in the handler
  });

  it('rejects when SQS fails or ORDER_DLQ_URL is missing, so the caller retries the record', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    await expect(
      createDlqParker({ client: new SQSClient({}), queueUrl: DLQ })(record(), { code: 'c', reason: 'r' }),
    ).rejects.toThrow('AccessDenied');
    await expect(
      createDlqParker({ client: new SQSClient({}), queueUrl: ' ' })(record(), { code: 'c', reason: 'r' }),
    ).rejects.toThrow('ORDER_DLQ_URL');
  });
});
