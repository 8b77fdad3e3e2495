/**
 * The simple model of the order pipeline's throughput, to print beside what was measured:
 *
 *   batch time  ≈ local work (claims + settle + CPU, measured with Partnero answering at once)
 *               + serial Partnero round trips per batch × Partnero latency
 *   events/s    ≈ min(concurrency × batch size ÷ batch time, rate limit ÷ Partnero calls per event)
 *
 * The consumer sends a batch's sales in one parallel round (one `POST /transactions` per customer and
 * currency), then its refunds in a second (one `DELETE` each), so a batch costs one round trip with
 * sales, two with refunds too. Rounds and calls per event come from replaying the workload as the
 * ledger sees it (a sale claimed once, a repeated or refunded one sends nothing). Pure.
 */

export interface WorkloadShape {
  batches: number;
  /** Mean serial Partnero round trips per batch. */
  roundsPerBatch: number;
  /** Partnero calls per message when nothing fails (no 429, no redelivery). */
  callsPerEvent: number;
}

interface OrderBody {
  'detail-type'?: string;
  detail?: { orderId?: string; customerId?: string; currency?: string };
}

/** Rounds and calls of the messages consumed in batches of `batchSize`, in queue order. */
export function workloadShape(messages: readonly { body: string }[], batchSize: number): WorkloadShape {
  const recorded = new Set<string>();
  const refunded = new Set<string>();
  let rounds = 0;
  let calls = 0;
  let batches = 0;
  for (let from = 0; from < messages.length; from += batchSize) {
    batches += 1;
    const groups = new Set<string>();
    const deletes = new Set<string>();
    for (const { body } of messages.slice(from, from + batchSize)) {
      const event = JSON.parse(body) as OrderBody;
      const { orderId = '', customerId = '', currency = '' } = event.detail ?? {};
      if (event['detail-type'] === 'Order Refunded') {
        if (recorded.has(orderId) && !refunded.has(orderId)) deletes.add(orderId);
        refunded.add(orderId);
      } else if (!recorded.has(orderId) && !refunded.has(orderId)) {
        recorded.add(orderId);
        groups.add(`${customerId}/${currency}`);
      }
    }
    rounds += (groups.size > 0 ? 1 : 0) + (deletes.size > 0 ? 1 : 0);
    calls += groups.size + deletes.size;
  }
  return {
    batches,
    roundsPerBatch: batches ? rounds / batches : 0,
    callsPerEvent: messages.length ? calls / messages.length : 0,
  };
}

export interface ModelInput {
  concurrency: number;
  batchSize: number;
  /** Mean batch time with Partnero answering at once (ms). */
  localBatchMs: number;
  latencyMs: number;
  shape: WorkloadShape;
  /** Partnero's limit in requests per second; undefined = none. */
  rateLimit?: number | undefined;
}

export type Bottleneck = 'concurrency × batch' | 'Partnero rate limit';

export interface ModelPrediction {
  batchMs: number;
  /** What the containers could take: concurrency × batch ÷ batch time. */
  consumerEventsPerSecond: number;
  /** What Partnero's limit lets through: limit ÷ calls per event (Infinity without a limit). */
  rateCapEventsPerSecond: number;
  eventsPerSecond: number;
  bottleneck: Bottleneck;
}

export function predict(input: ModelInput): ModelPrediction {
  const batchMs = input.localBatchMs + input.shape.roundsPerBatch * input.latencyMs;
  const consumer = (input.concurrency * input.batchSize * 1000) / batchMs;
  const cap =
    input.rateLimit === undefined || input.shape.callsPerEvent === 0
      ? Number.POSITIVE_INFINITY
      : input.rateLimit / input.shape.callsPerEvent;
  return {
    batchMs,
    consumerEventsPerSecond: consumer,
    rateCapEventsPerSecond: cap,
    eventsPerSecond: Math.min(consumer, cap),
    bottleneck: cap < consumer ? 'Partnero rate limit' : 'concurrency × batch',
  };
}

/** Events per day at a sustained rate (the sizing advice's unit). */
export const perDay = (eventsPerSecond: number) => eventsPerSecond * 86_400;
