/**
 * What Lambda's SQS event source does at `maxConcurrency`: up to N containers take batches from ONE
 * queue, each as soon as its previous batch is answered; batch item failures go back to the queue
 * (redelivered, dead-lettered after `maxReceives`). The invocation itself is a callback (a warm
 * container in the bench, a fake in the unit tests). No I/O of its own.
 */
import { type QueuedMessage, SimulatedQueue } from './sqs-queue.js';

export interface BatchOutcome {
  ms: number;
  ok: boolean;
  failedIds: readonly string[];
  detail?: string | undefined;
  cpuMicros?: number;
}

export interface PooledDrainOptions {
  messages: readonly { messageId: string; body: string }[];
  workers: number;
  batchSize: number;
  maxReceives: number;
  invoke: (worker: number, batch: QueuedMessage[]) => Promise<BatchOutcome>;
  now?: () => number;
}

export interface PooledDrainResult {
  /** From the first receive to the last answer. */
  wallMs: number;
  /** Messages answered without a failure (not dead-lettered). */
  done: number;
  /** Messages done per second between 10% and 90% of them done: the steady state. */
  steadyEventsPerSecond: number;
  batchMs: number[];
  invocations: number;
  failedInvocations: number;
  firstFailure?: string | undefined;
  redeliveries: number;
  deadLetters: string[];
  /** CPU the containers spent in their invocations, all workers summed. */
  cpuMicros: number;
}

/** Messages per second between the moments 10% and 90% of `total` were done. */
export function steadyRate(done: readonly { at: number; done: number }[], total: number): number {
  const crossing = (share: number) => done.find((d) => d.done >= total * share);
  const from = crossing(0.1);
  const to = crossing(0.9);
  if (!from || !to || to.at <= from.at) return Number.NaN;
  return ((to.done - from.done) / (to.at - from.at)) * 1000;
}

export async function pooledDrain(options: PooledDrainOptions): Promise<PooledDrainResult> {
  const { workers, batchSize, invoke } = options;
  const now = options.now ?? (() => performance.now());
  const queue = new SimulatedQueue(options.messages, options.maxReceives);
  const result: Omit<PooledDrainResult, 'wallMs' | 'done' | 'steadyEventsPerSecond'> = {
    batchMs: [],
    invocations: 0,
    failedInvocations: 0,
    redeliveries: 0,
    deadLetters: [],
    cpuMicros: 0,
  };
  const done: { at: number; done: number }[] = [];
  let doneCount = 0;
  let inFlight = 0;
  let crashed = false;
  let waiters: (() => void)[] = [];
  // A worker that finds the queue empty waits for a batch in flight: its failures come back.
  const settled = () => new Promise<void>((resolve) => waiters.push(resolve));
  const wakeAll = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const started = now();

  const work = async (worker: number) => {
    while (!crashed) {
      if (queue.size === 0) {
        if (inFlight === 0) return;
        await settled();
        continue;
      }
      const batch = queue.receive(batchSize);
      inFlight += 1;
      const outcome = await invoke(worker, batch).catch((error: unknown) => {
        // A container that died stops the drain: the other workers stop at their next batch.
        crashed = true;
        wakeAll();
        throw error;
      });
      const failed = new Set(outcome.failedIds);
      queue.settle(batch, failed);
      // Only now (its failures back in the queue) may an idle worker look again.
      inFlight -= 1;
      wakeAll();
      result.invocations += 1;
      result.batchMs.push(outcome.ms);
      result.cpuMicros += outcome.cpuMicros ?? 0;
      if (!outcome.ok) {
        result.failedInvocations += 1;
        result.firstFailure ??= outcome.detail;
      }
      doneCount += batch.filter((m) => !failed.has(m.messageId)).length;
      done.push({ at: now(), done: doneCount });
    }
  };

  await Promise.all(Array.from({ length: workers }, (_, i) => work(i)));
  return {
    ...result,
    wallMs: now() - started,
    done: doneCount,
    steadyEventsPerSecond: steadyRate(done, options.messages.length),
    redeliveries: queue.redeliveries,
    deadLetters: queue.deadLetters.map((m) => m.messageId),
  };
}
