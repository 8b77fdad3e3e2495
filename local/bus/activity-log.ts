import type { EventBridgeEvent } from './event.js';

/** What the local bus has seen, in order: the demo's events panel and the tests read this. */
export type ActivityRecord =
  | {
      seq: number;
      at: string;
      kind: 'event';
      bus: string;
      event: EventBridgeEvent;
      /** Rules whose pattern matched (empty: the event went nowhere, e.g. a wrong source or bus). */
      rules: string[];
    }
  | {
      seq: number;
      at: string;
      kind: 'delivery';
      queue: string;
      /** Message ids in the batch and the ones the consumer reported as failed. */
      messageIds: string[];
      failedIds: string[];
      durationMs: number;
      error?: string;
    }
  | {
      seq: number;
      at: string;
      kind: 'dead-letter';
      queue: string;
      messageId: string;
      /** `redrive` after maxReceiveCount receives, `send` when a function parked it with SendMessage. */
      via: 'redrive' | 'send';
      receiveCount: number;
      failureCode?: string;
      failureReason?: string;
      body: string;
    };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewActivity = DistributiveOmit<ActivityRecord, 'seq' | 'at'>;
export type ActivityListener = (record: ActivityRecord) => void;

/** A bounded in-memory log with subscribers (Server-Sent Events, tests). */
export class ActivityLog {
  private records: ActivityRecord[] = [];
  private listeners = new Set<ActivityListener>();
  private seq = 0;

  constructor(private readonly limit = 500) {}

  append(record: NewActivity): ActivityRecord {
    this.seq += 1;
    const full = { ...record, seq: this.seq, at: new Date().toISOString() } as ActivityRecord;
    this.records.push(full);
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch {
        // A failing subscriber (a closed SSE socket) must not break the bus.
      }
    }
    return full;
  }

  /** Records after `afterSeq` (all kept ones by default), oldest first. */
  recent(afterSeq = 0, max = this.limit): ActivityRecord[] {
    const newer = this.records.filter((r) => r.seq > afterSeq);
    return newer.slice(Math.max(0, newer.length - max));
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first record (already logged or future) that satisfies `predicate`. */
  waitFor(predicate: (r: ActivityRecord) => boolean, timeoutMs = 10_000): Promise<ActivityRecord> {
    const existing = this.records.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`No matching bus activity within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.subscribe((r) => {
        if (!predicate(r)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(r);
      });
    });
  }

  get size(): number {
    return this.records.length;
  }
}
