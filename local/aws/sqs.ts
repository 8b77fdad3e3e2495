import { createHash } from 'node:crypto';
import type { LocalQueue, MessageAttribute, QueueMessage } from '#local/bus/queue.js';
import { AwsError, type AwsService, requireString } from './json-protocol.js';

const nonExistentQueue = () =>
  new AwsError(
    400,
    'com.amazonaws.sqs#QueueDoesNotExist',
    'The specified queue does not exist.',
    'AWS.SimpleQueueService.NonExistentQueue;Sender',
  );
const invalidParameter = (message: string) =>
  new AwsError(400, 'com.amazonaws.sqs#InvalidParameterValue', message, 'InvalidParameterValue;Sender');
const missingParameter = (message: string) =>
  new AwsError(400, 'com.amazonaws.sqs#MissingParameter', message, 'MissingParameter;Sender');

/** MD5OfMessageAttributes as SQS computes it (names sorted; length-prefixed name, type, transport, value). */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttribute>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name] as MessageAttribute;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    const binary = a.DataType.startsWith('Binary');
    hash.update(Buffer.from([binary ? 2 : 1]));
    lengthPrefixed(
      binary ? Buffer.from(a.BinaryValue ?? '', 'base64') : Buffer.from(a.StringValue ?? '', 'utf8'),
    );
  }
  return hash.digest('hex');
}

function readAttributes(raw: unknown): Record<string, MessageAttribute> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParameter('MessageAttributes must be a map.');
  const out: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const a = (value ?? {}) as Record<string, unknown>;
    if (typeof a.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(a.DataType)) {
      throw invalidParameter(`The message attribute '${name}' must contain a valid DataType.`);
    }
    const binary = a.DataType.startsWith('Binary');
    const field = binary ? 'BinaryValue' : 'StringValue';
    if (typeof a[field] !== 'string' || a[field] === '') {
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty ${field}.`);
    }
    out[name] = { DataType: a.DataType, [field]: a[field] as string };
  }
  return out;
}

function wanted(names: unknown, name: string): boolean {
  if (!Array.isArray(names)) return false;
  return names.some(
    (n) =>
      n === 'All' ||
      n === '.*' ||
      n === name ||
      (typeof n === 'string' && n.endsWith('.*') && name.startsWith(n.slice(0, -2))),
  );
}

function wireMessage(m: QueueMessage, input: Record<string, unknown>) {
  const systemNames = input.MessageSystemAttributeNames ?? input.AttributeNames;
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
    SenderId: 'AIDALOCAL',
  };
  const chosen = Object.fromEntries(Object.entries(attributes).filter(([n]) => wanted(systemNames, n)));
  const messageAttributes = Object.fromEntries(
    Object.entries(m.messageAttributes).filter(([n]) => wanted(input.MessageAttributeNames, n)),
  );
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(chosen).length ? { Attributes: chosen } : {}),
    ...(Object.keys(messageAttributes).length
      ? {
          MessageAttributes: messageAttributes,
          MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
        }
      : {}),
  };
}

/** The queues the local system has, found by URL (any host: `localhost` and `127.0.0.1` both work) or name. */
export class QueueRegistry {
  private readonly queues: LocalQueue[] = [];

  add(queue: LocalQueue): LocalQueue {
    this.queues.push(queue);
    return queue;
  }

  byUrl(url: string): LocalQueue {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw nonExistentQueue();
    }
    const queue = this.queues.find((q) => new URL(q.url).pathname === path);
    if (!queue) throw nonExistentQueue();
    return queue;
  }

  byName(name: string): LocalQueue {
    const queue = this.queues.find((q) => q.name === name);
    if (!queue) throw nonExistentQueue();
    return queue;
  }

  all(): LocalQueue[] {
    return [...this.queues];
  }
}

const queueUrl = (input: Record<string, unknown>) =>
  requireString(input, 'QueueUrl', () =>
    missingParameter('The request must contain the parameter QueueUrl.'),
  );

/** SendMessage (the consumer parks messages in the DLQ with it) plus what inspecting a queue needs. */
export function sqsService(queues: QueueRegistry): AwsService {
  return {
    name: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      SendMessage: (input) => {
        const queue = queues.byUrl(queueUrl(input));
        const body = input.MessageBody;
        if (typeof body !== 'string' || body === '') {
          throw missingParameter('The request must contain the parameter MessageBody.');
        }
        const attributes = readAttributes(input.MessageAttributes);
        const delay = typeof input.DelaySeconds === 'number' ? input.DelaySeconds * 1000 : 0;
        const message = queue.send(body, attributes, delay);
        return {
          MessageId: message.messageId,
          MD5OfMessageBody: message.md5OfBody,
          ...(Object.keys(attributes).length
            ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) }
            : {}),
        };
      },
      ReceiveMessage: (input) => {
        const queue = queues.byUrl(queueUrl(input));
        const max = typeof input.MaxNumberOfMessages === 'number' ? input.MaxNumberOfMessages : 1;
        if (max < 1 || max > 10) throw invalidParameter('MaxNumberOfMessages must be between 1 and 10.');
        const visibility =
          typeof input.VisibilityTimeout === 'number'
            ? input.VisibilityTimeout * 1000
            : queue.visibilityTimeoutMs;
        return { Messages: queue.receive(max, visibility).map((m) => wireMessage(m, input)) };
      },
      DeleteMessage: (input) => {
        const queue = queues.byUrl(queueUrl(input));
        const handle = requireString(input, 'ReceiptHandle', () =>
          missingParameter('The request must contain the parameter ReceiptHandle.'),
        );
        if (!queue.delete(handle)) {
          throw new AwsError(
            400,
            'com.amazonaws.sqs#ReceiptHandleIsInvalid',
            'The input receipt handle is invalid.',
            'ReceiptHandleIsInvalid;Sender',
          );
        }
        return {};
      },
      ChangeMessageVisibility: (input) => {
        const queue = queues.byUrl(queueUrl(input));
        const handle = requireString(input, 'ReceiptHandle', () =>
          missingParameter('The request must contain the parameter ReceiptHandle.'),
        );
        const seconds = input.VisibilityTimeout;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
          throw invalidParameter('VisibilityTimeout must be an integer from 0 to 43200.');
        }
        if (!queue.release(handle, seconds * 1000)) {
          throw new AwsError(
            400,
            'com.amazonaws.sqs#ReceiptHandleIsInvalid',
            'The input receipt handle is invalid.',
            'ReceiptHandleIsInvalid;Sender',
          );
        }
        return {};
      },
      GetQueueUrl: (input) => ({ QueueUrl: queues.byName(requireString(input, 'QueueName')).url }),
      ListQueues: () => ({ QueueUrls: queues.all().map((q) => q.url) }),
      GetQueueAttributes: (input) => {
        const queue = queues.byUrl(queueUrl(input));
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
          Attributes: Object.fromEntries(
            Object.entries(all).filter(([n]) => wanted(input.AttributeNames, n)),
          ),
        };
      },
      PurgeQueue: (input) => {
        queues.byUrl(queueUrl(input)).purge();
        return {};
      },
    },
  };
}
