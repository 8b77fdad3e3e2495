import type { Socket } from 'node:net';

export interface LateCommitInfo {
  id: string;
  /** `METHOD /v1/path` of the request. */
  label: string;
  hold: boolean;
  /** The client has closed its connection (gave up, or was cut off by a flush). */
  clientGone: boolean;
  receivedAt: string;
}

export interface AppliedLateCommit {
  id: string;
  label: string;
  /** The status the request would have been answered with. */
  status: number;
  appliedAt: string;
}

interface Entry extends LateCommitInfo {
  socket: Socket;
  released: boolean;
  apply: () => Promise<number>;
}

/**
 * Writes of `late-commit` faults: each is applied only after its client's connection has closed
 * (and, with `hold`, only after `flush`), strictly in the order the requests were received, so a
 * later request waits behind an earlier one that is not ready yet.
 */
export class LateCommits {
  applied: AppliedLateCommit[] = [];
  private queue: Entry[] = [];
  private seq = 0;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();

  add(label: string, socket: Socket, hold: boolean, apply: () => Promise<number>): void {
    this.seq += 1;
    const entry: Entry = {
      id: `late_${this.seq}`,
      label,
      hold,
      clientGone: false,
      receivedAt: new Date().toISOString(),
      socket,
      released: false,
      apply,
    };
    this.queue.push(entry);
    const gone = () => {
      entry.clientGone = true;
      void this.drain();
    };
    if (socket.destroyed) gone();
    else socket.once('close', gone);
  }

  get pending(): LateCommitInfo[] {
    return this.queue.map(({ id, label, hold, clientGone, receivedAt }) => ({
      id,
      label,
      hold,
      clientGone,
      receivedAt,
    }));
  }

  /**
   * Applies every pending write, in order, and resolves once they have landed. A client still
   * waiting is cut off first, so even a flushed write lands only after its client's attempt failed.
   */
  async flush(): Promise<number> {
    const entries = [...this.queue];
    for (const entry of entries) {
      entry.released = true;
      if (!entry.clientGone) {
        entry.socket.destroy();
        entry.clientGone = true;
      }
    }
    await this.drain();
    return entries.length;
  }

  /** Forgets pending writes without applying them (reset, close). */
  clear(): void {
    this.generation += 1;
    this.queue = [];
    this.applied = [];
  }

  private drain(): Promise<void> {
    const generation = this.generation;
    this.chain = this.chain.then(async () => {
      for (;;) {
        const head = this.queue[0];
        if (generation !== this.generation || !head || !head.clientGone || (head.hold && !head.released)) {
          return;
        }
        this.queue.shift();
        const status = await head.apply().catch((err: unknown) => {
          console.error('[sandbox] late commit failed', err);
          return 500;
        });
        if (generation !== this.generation) return;
        this.applied.push({ id: head.id, label: head.label, status, appliedAt: new Date().toISOString() });
      }
    });
    return this.chain;
  }
}
