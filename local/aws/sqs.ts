import { type AwsService, requireString } from './json-protocol.js';
import type { QueueRegistry } from './queue-registry.js';
import { invalidParameter, invalidReceiptHandle, missingParameter } from './sqs-errors.js';
import { isRequested, md5OfMessageAttributes, readMessageAttributes, wireMessage } from './sqs-messages.js';

type Input = Record<string, unknown>;

const queueOf = (queues: QueueRegistry, input: Input) =>
  queues.byUrl(
    requireString(input, 'QueueUrl', () =>
      missingParameter('The request must contain the parameter QueueUrl.'),
    ),
  );

const receiptHandleOf = (input: Input) =>
  requireString(input, 'ReceiptHandle', () =>
    missingParameter('The request must contain the parameter ReceiptHandle.'),
  );

function sendMessage(queues: QueueRegistry, input: Input) {
  const queue = queueOf(queues, input);
  const body = input.MessageBody;
  if (typeof body !== 'string' || body === '') {
    throw missingParameter('The request must contain the parameter MessageBody.');
  }
  const attributes = readMessageAttributes(input.MessageAttributes);
  const delay = typeof input.DelaySeconds === 'number' ? input.DelaySeconds * 1000 : 0;
  const message = queue.send(body, attributes, delay);
  return {
    MessageId: message.messageId,
    MD5OfMessageBody: message.md5OfBody,
    ...(Object.keys(attributes).length ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
  };
}

function receiveMessage(queues: QueueRegistry, input: Input) {
  const queue = queueOf(queues, input);
  const max = typeof input.MaxNumberOfMessages === 'number' ? input.MaxNumberOfMessages : 1;
  if (max < 1 || max > 10) throw invalidParameter('MaxNumberOfMessages must be between 1 and 10.');
  const visibility =
    typeof input.VisibilityTimeout === 'number' ? input.VisibilityTimeout * 1000 : queue.visibilityTimeoutMs;
  return { Messages: queue.receive(max, visibility).map((m) => wireMessage(m, input)) };
}

function deleteMessage(queues: QueueRegistry, input: Input) {
  const queue = queueOf(queues, input);
  if (!queue.delete(receiptHandleOf(input))) throw invalidReceiptHandle();
  return {};
}

function changeMessageVisibility(queues: QueueRegistry, input: Input) {
  const queue = queueOf(queues, input);
  const handle = receiptHandleOf(input);
  const seconds = input.VisibilityTimeout;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
    throw invalidParameter('VisibilityTimeout must be an integer from 0 to 43200.');
  }
  if (!queue.release(handle, seconds * 1000)) throw invalidReceiptHandle();
  return {};
}

function getQueueAttributes(queues: QueueRegistry, input: Input) {
  const queue = queueOf(queues, input);
  const now = Date.now();
  const messages = queue.list();
  const all: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(messages.filter((m) => m.visibleAt <= now).length),
    ApproximateNumberOfMessagesNotVisible: String(messages.filter((m) => m.visibleAt > now).length),
    VisibilityTimeout: String(Math.round(queue.visibilityTimeoutMs / 1000)),
    ...(queue.redrive
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: queue.redrive.deadLetterQueue.arn,
            maxReceiveCount: queue.redrive.maxReceiveCount,
          }),
        }
      : {}),
  };
  return {
    Attributes: Object.fromEntries(Object.entries(all).filter(([n]) => isRequested(input.AttributeNames, n))),
  };
}

/** SendMessage (the consumer parks messages in the DLQ with it) plus what inspecting a queue needs. */
export function sqsService(queues: QueueRegistry): AwsService {
  return {
    name: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      SendMessage: (input) => sendMessage(queues, input),
      ReceiveMessage: (input) => receiveMessage(queues, input),
      DeleteMessage: (input) => deleteMessage(queues, input),
      ChangeMessageVisibility: (input) => changeMessageVisibility(queues, input),
      GetQueueUrl: (input) => ({ QueueUrl: queues.byName(requireString(input, 'QueueName')).url }),
      ListQueues: () => ({ QueueUrls: queues.all().map((q) => q.url) }),
      GetQueueAttributes: (input) => getQueueAttributes(queues, input),
      PurgeQueue: (input) => {
        queueOf(queues, input).purge();
        return {};
      },
    },
  };
}
