import { createHash } from 'node:crypto';
import type { MessageAttribute, QueueMessage } from '#local/bus/queue.js';
import { invalidParameter } from './sqs-errors.js';

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

/** SendMessage's `MessageAttributes`, checked as SQS checks them. */
export function readMessageAttributes(raw: unknown): Record<string, MessageAttribute> {
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

/** Whether a request's list of attribute names (`All`, `.*`, exact names, `prefix.*`) asks for `name`. */
export function isRequested(names: unknown, name: string): boolean {
  if (!Array.isArray(names)) return false;
  return names.some(
    (n) =>
      n === 'All' ||
      n === '.*' ||
      n === name ||
      (typeof n === 'string' && n.endsWith('.*') && name.startsWith(n.slice(0, -2))),
  );
}

/** A received message as ReceiveMessage returns it, with the attributes the request asked for. */
export function wireMessage(m: QueueMessage, input: Record<string, unknown>) {
  const systemNames = input.MessageSystemAttributeNames ?? input.AttributeNames;
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
    SenderId: 'AIDALOCAL',
  };
  const chosen = Object.fromEntries(Object.entries(attributes).filter(([n]) => isRequested(systemNames, n)));
  const messageAttributes = Object.fromEntries(
    Object.entries(m.messageAttributes).filter(([n]) => isRequested(input.MessageAttributeNames, n)),
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
