import { createHash, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '#local/config.js';

/** A message attribute as SQS stores it (SendMessage's `MessageAttributes` shape). */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface QueueMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttribute>;
  sentAt: number;
  /** Times the message was received (SQS `ApproximateReceiveCount`). */
  receiveCount: number;
  firstReceivedAt: number | null;
  /** Epoch ms from which a receive may return it; Infinity while an invocation holds it. */
  visibleAt: number;
  receiptHandle: string | null;
}

export interface RedrivePolicy {
  deadLetterQueue: LocalQueue;
  maxReceiveCount: number;
}

export interface QueueOptions {
  name: string;
  /** Base URL of the local AWS endpoint; the queue URL is `<base>/<account>/<name>` as on AWS. */
  endpointUrl: string;
  region: string;
  /** Default visibility timeout of ReceiveMessage. @default 30_000 */
  visibilityTimeoutMs?: number;
  redrive?: RedrivePolicy;
  /** Called for each message that arrives: sent (SendMessage) or moved here by another queue's redrive. */
  onMessage?: (message: QueueMessage, via: 'send' | 'redrive') => void;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * An SQS standard queue in memory: send, receive with a visibility timeout, delete, and a redrive
 * policy that moves a message to the dead-letter queue when it is due again after `maxReceiveCount`
 * receives (SQS checks the count on receive, and keeps the message id).
 */
export class LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly visibilityTimeoutMs: number;
  private messages: QueueMessage[] = [];
  private listeners = new Set<() => void>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: QueueOptions) {
    this.name = options.name;
    this.url = `${options.endpointUrl}/${LOCAL_ACCOUNT_ID}/${options.name}`;
    this.arn = `arn:aws:sqs:${options.region}:${LOCAL_ACCOUNT_ID}:${options.name}`;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
  }

  get redrive(): RedrivePolicy | undefined {
    return this.options.redrive;
  }

  send(body: string, messageAttributes: Record<string, MessageAttribute> = {}, delayMs = 0): QueueMessage {
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes,
      sentAt: Date.now(),
      receiveCount: 0,
      firstReceivedAt: null,
      visibleAt: Date.now() + delayMs,
      receiptHandle: null,
    };
    this.messages.push(message);
    this.options.onMessage?.(message, 'send');
    this.wakeAt(message.visibleAt);
    return message;
  }

  /**
   * Takes a message moved here by a redrive, keeping its id, body, attributes and receive count (SQS does
   * not reset `ApproximateReceiveCount`: its first receive here answers the source queue's count + 1).
   */
  adopt(message: QueueMessage): void {
    const moved: QueueMessage = { ...message, visibleAt: Date.now(), receiptHandle: null };
    this.messages.push(moved);
    this.options.onMessage?.(message, 'redrive');
    this.notify();
  }

  /**
   * Returns up to `max` visible messages and hides them for `visibilityTimeoutMs` (Infinity: until
   * `release` or `delete`). Messages past the redrive's maxReceiveCount move to the DLQ instead.
   */
  receive(max: number, visibilityTimeoutMs = this.visibilityTimeoutMs): QueueMessage[] {
    const now = Date.now();
    const taken: QueueMessage[] = [];
    for (const message of [...this.messages]) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      const redrive = this.options.redrive;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        this.remove(message);
        redrive.deadLetterQueue.adopt(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.receiptHandle = `${message.messageId}#${randomUUID()}`;
      message.visibleAt = now + visibilityTimeoutMs;
      if (Number.isFinite(message.visibleAt)) this.wakeAt(message.visibleAt);
      taken.push(message);
    }
    return taken;
  }

  /** Deletes by receipt handle (only the latest receive's handle is valid, as on SQS). */
  delete(receiptHandle: string): boolean {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) return false;
    this.remove(message);
    return true;
  }

  /**
   * Makes a received message visible again after `delayMs` (ChangeMessageVisibility). With `ifHeld`, only
   * when nobody changed its visibility since it was received (the event source mapping's retry keeps a
   * delay the consumer set, as on AWS).
   */
  release(receiptHandle: string, delayMs: number, ifHeld = false): boolean {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) return false;
    if (ifHeld && Number.isFinite(message.visibleAt)) return true;
    message.visibleAt = Date.now() + delayMs;
    this.wakeAt(message.visibleAt);
    return true;
  }

  /** Messages ready to be received now. */
  get visibleCount(): number {
    const now = Date.now();
    return this.messages.filter((m) => m.visibleAt <= now).length;
  }

  get depth(): number {
    return this.messages.length;
  }

  /** A snapshot of every message, for inspection (tests, `/_local/queues`). */
  list(): QueueMessage[] {
    return this.messages.map((m) => ({ ...m }));
  }

  purge(): void {
    this.messages = [];
  }

  /** Called whenever messages may have become receivable. */
  onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  private remove(message: QueueMessage): void {
    this.messages = this.messages.filter((m) => m !== message);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private wakeAt(at: number): void {
    const delay = Math.max(0, at - Date.now());
    if (delay === 0) {
      queueMicrotask(() => this.notify());
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Node may fire a timer a few ms before Date.now() reaches `at` (its loop clock lags): wait again, or
      // the message would be invisible at the notify and nobody would look at it again.
      if (Date.now() < at) this.wakeAt(at);
      else this.notify();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
