/**
 * A stand-in for what Lambda's SQS event source does with a queue: hand out batches of up to
 * `batchSize` visible messages, put the batch item failures back (visible again, receive count + 1)
 * and move a message that failed `maxReceives` times to the dead-letter list. Pure: no timers, no I/O.
 */
export interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
}

export class SimulatedQueue {
  private readonly visible: QueuedMessage[];
  private head = 0;
  readonly deadLetters: QueuedMessage[] = [];
  redeliveries = 0;

  constructor(
    messages: readonly { messageId: string; body: string }[],
    private readonly maxReceives = 5,
  ) {
    this.visible = messages.map((m) => ({ ...m, receiveCount: 0 }));
  }

  get size(): number {
    return this.visible.length - this.head;
  }

  /** The next batch (in queue order), each message's receive count incremented. */
  receive(batchSize: number): QueuedMessage[] {
    const batch = this.visible.slice(this.head, this.head + batchSize);
    this.head += batch.length;
    for (const m of batch) m.receiveCount += 1;
    return batch;
  }

  /** Settles a received batch: failed ids go back to the tail or, past maxReceives, to the DLQ. */
  settle(batch: readonly QueuedMessage[], failedIds: ReadonlySet<string>): void {
    for (const m of batch) {
      if (!failedIds.has(m.messageId)) continue;
      if (m.receiveCount >= this.maxReceives) this.deadLetters.push(m);
      else {
        this.redeliveries += 1;
        this.visible.push(m);
      }
    }
  }
}
