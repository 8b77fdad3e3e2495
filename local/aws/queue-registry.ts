import type { LocalQueue } from '#local/bus/queue.js';
import { nonExistentQueue } from './sqs-errors.js';

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
