/**
 * The grid of the throughput measurement: which consumer settings (maxConcurrency × batch size, with
 * or without a Partnero rate limit) are drained, and how many order events each gets so that it runs
 * for about the same time. Pure.
 */

export interface ThroughputCell {
  concurrency: number;
  batchSize: number;
  /** Partnero's limit in requests per second (sandbox token bucket, burst = 1 s); none when undefined. */
  rateLimit?: number;
}

/** Partnero's latency on every call. */
export const THROUGHPUT_LATENCY_MS = 100;
/** The stack's defaults (infra/config-order-events.ts). */
export const MAX_RECEIVES = 5;
export const CONSUMER_TIMEOUT_MS = 30_000;

const FULL: readonly ThroughputCell[] = [
  { concurrency: 2, batchSize: 10 },
  { concurrency: 2, batchSize: 25 },
  { concurrency: 5, batchSize: 10 },
  { concurrency: 5, batchSize: 25 },
  { concurrency: 10, batchSize: 10 },
  { concurrency: 10, batchSize: 25 },
  { concurrency: 2, batchSize: 10, rateLimit: 10 },
  { concurrency: 2, batchSize: 10, rateLimit: 25 },
  { concurrency: 10, batchSize: 10, rateLimit: 25 },
];

const QUICK: readonly ThroughputCell[] = [
  { concurrency: 2, batchSize: 10 },
  { concurrency: 10, batchSize: 10 },
  { concurrency: 10, batchSize: 10, rateLimit: 25 },
];

export const throughputGrid = (mode: 'full' | 'quick'): readonly ThroughputCell[] =>
  mode === 'full' ? FULL : QUICK;

export const cellLabel = (cell: ThroughputCell) =>
  `${cell.concurrency} × ${cell.batchSize}${cell.rateLimit ? ` @ ${cell.rateLimit} req/s` : ''}`;

/** Events for about `seconds` at the predicted rate: a whole number of batches per container, bounded. */
export function messagesFor(
  cell: ThroughputCell,
  predictedEventsPerSecond: number,
  seconds: number,
  bounds: { min: number; max: number },
): number {
  const wanted = Number.isFinite(predictedEventsPerSecond) ? predictedEventsPerSecond * seconds : bounds.min;
  const round = cell.concurrency * cell.batchSize;
  const clamped = Math.min(bounds.max, Math.max(bounds.min, wanted));
  return Math.max(round, Math.ceil(clamped / round) * round);
}
