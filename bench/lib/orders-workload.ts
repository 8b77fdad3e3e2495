/**
 * The order-events workload: a deterministic stream of SQS messages carrying EventBridge
 * `Order Placed` / `Order Refunded` events, as the queue would hand them to the consumer, and the
 * Partnero state it must produce. Pure (seeded PRNG, no I/O) and unit-testable.
 *
 * - Customers repeat within batches: each batch window of `batchSize` messages draws its orders from
 *   `customersPerBatch` customers of the pool.
 * - Exactly `duplicateRate` of all messages are redeliveries of an earlier message (same body, new
 *   message id), as SQS / EventBridge at-least-once delivery produces them: most repeat a message of
 *   the same batch or of the last `duplicateLagBatches` batches, a share `lateDuplicateShare` an older
 *   one (a redelivery after a visibility timeout, an archive replay), so some copies of a sale arrive
 *   after its refund.
 * - About `refundRate` of the sales are refunded later, always in a later batch than the sale.
 */
import { seededRandom } from '#local/random.js';
import { orderEvent } from './events.js';

export interface WorkloadOptions {
  messages: number;
  /** Referred customers who buy, and who referred each (keys of the sandbox fixture). */
  buyers: readonly { key: string; referrer: string }[];
  seed?: number;
  batchSize?: number;
  customersPerBatch?: number;
  duplicateRate?: number;
  duplicateLagBatches?: number;
  lateDuplicateShare?: number;
  refundRate?: number;
  /** A refund comes 1 to this many batches after its sale. */
  refundLagBatches?: number;
  /** Reward percentage the sandbox pays the referrer (its `rewardPercent`). */
  rewardPercent?: number;
}

export interface WorkloadMessage {
  messageId: string;
  body: string;
}

export interface ExpectedState {
  /** Transaction key → buyer key, for every sale that must exist exactly once. */
  transactions: Map<string, string>;
  /** Sales that were refunded, so must not exist. */
  refunded: Set<string>;
  /** Referrer key → expected balance (rewards of its referred buyers' remaining sales). */
  balances: Map<string, number>;
}

export interface Workload {
  messages: WorkloadMessage[];
  expected: ExpectedState;
  counts: {
    placed: number;
    refunded: number;
    duplicates: number;
    /** Copies of a sale delivered after that sale's refund. */
    duplicatesAfterRefund: number;
    distinctCustomersPerBatch: number;
  };
}

/** A seeded PRNG, so every run sends the same stream. */
export const prng = seededRandom;

/** The sandbox's rounding (local/sandbox/validation.ts `roundCents`). */
export const roundCents = (value: number): number => Math.round(Number((value * 100).toFixed(6))) / 100;

export function generateWorkload(options: WorkloadOptions): Workload {
  const {
    messages: total,
    buyers,
    seed = 7,
    batchSize = 10,
    customersPerBatch = 3,
    duplicateRate = 0.05,
    duplicateLagBatches = 2,
    lateDuplicateShare = 0.25,
    refundRate = 0.1,
    refundLagBatches = 30,
    rewardPercent = 10,
  } = options;
  if (buyers.length < customersPerBatch) throw new Error('not enough buyers for customersPerBatch');
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  /** EventBridge id and time, deterministic too: the n-th event, one second apart. */
  let events = 0;
  const meta = () => {
    events += 1;
    const hex = events.toString(16).padStart(12, '0');
    return {
      id: `00000000-0000-4000-8000-${hex}`,
      time: new Date(Date.UTC(2025, 0, 1) + events * 1000).toISOString(),
    };
  };

  const messages: WorkloadMessage[] = [];
  const push = (body: string) =>
    messages.push({ messageId: `msg-${String(messages.length).padStart(6, '0')}`, body });
  /** Every original message so far, with its batch (and the order id when it is a sale). */
  const originals: { body: string; batch: number; sale?: string }[] = [];
  /** Batch index → sales to refund in it. */
  const refundsDue = new Map<number, string[]>();
  const sales = new Map<string, { buyer: string; amount: number }>();
  const refunded = new Set<string>();
  // Exactly round(total × duplicateRate) duplicates, at positions drawn at random (never the first).
  const positions = Array.from({ length: Math.max(0, total - 1) }, (_, i) => i + 1);
  for (let i = positions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [positions[i], positions[j]] = [positions[j] as number, positions[i] as number];
  }
  const duplicateAt = new Set(positions.slice(0, Math.round(total * duplicateRate)));
  let duplicates = 0;
  let duplicatesAfterRefund = 0;
  let orderSeq = 0;
  let customerSlots = 0;
  let batches = 0;

  for (let batch = 0; messages.length < total; batch++) {
    batches += 1;
    const customers = new Set<(typeof buyers)[number]>();
    while (customers.size < customersPerBatch) customers.add(pick(buyers));
    const pool = [...customers];
    const used = new Set<string>();
    for (let slot = 0; slot < batchSize && messages.length < total; slot++) {
      if (duplicateAt.has(messages.length) && originals.length > 0) {
        // A recent message (this batch or the last few), or now and then a much older one.
        const recentFrom = originals.findIndex((o) => o.batch >= batch - duplicateLagBatches);
        const older = recentFrom === -1 ? originals : originals.slice(0, recentFrom);
        const recent = recentFrom === -1 ? [] : originals.slice(recentFrom);
        const from = (random() < lateDuplicateShare && older.length) || recent.length === 0 ? older : recent;
        const copy = pick(from);
        duplicates += 1;
        if (copy.sale !== undefined && refunded.has(copy.sale)) duplicatesAfterRefund += 1;
        push(copy.body);
        continue;
      }
      const refund = refundsDue.get(batch)?.shift();
      if (refund !== undefined) {
        refunded.add(refund);
        const body = JSON.stringify(orderEvent('Order Refunded', { orderId: refund }, meta()));
        originals.push({ body, batch });
        push(body);
        continue;
      }
      const buyer = pick(pool);
      used.add(buyer.key);
      const orderId = `ord-${String(++orderSeq).padStart(6, '0')}`;
      const amount = Math.round((5 + random() * 295) * 100) / 100;
      sales.set(orderId, { buyer: buyer.key, amount });
      const detail: Record<string, unknown> = { orderId, customerId: buyer.key, amount, currency: 'USD' };
      if (random() < 0.5) detail.productId = `sku-${Math.floor(random() * 50)}`;
      const body = JSON.stringify(orderEvent('Order Placed', detail, meta()));
      originals.push({ body, batch, sale: orderId });
      push(body);
      if (random() < refundRate) {
        const at = batch + 1 + Math.floor(random() * refundLagBatches);
        refundsDue.set(at, [...(refundsDue.get(at) ?? []), orderId]);
      }
    }
    customerSlots += used.size;
  }

  const referrerOf = new Map(buyers.map((b) => [b.key, b.referrer]));
  const transactions = new Map<string, string>();
  const balances = new Map<string, number>();
  for (const [orderId, sale] of sales) {
    if (refunded.has(orderId)) continue;
    transactions.set(orderId, sale.buyer);
    const referrer = referrerOf.get(sale.buyer) as string;
    balances.set(referrer, (balances.get(referrer) ?? 0) + roundCents((sale.amount * rewardPercent) / 100));
  }
  for (const [referrer, sum] of balances) balances.set(referrer, roundCents(sum));

  return {
    messages,
    expected: { transactions, refunded, balances },
    counts: {
      placed: sales.size,
      refunded: refunded.size,
      duplicates,
      duplicatesAfterRefund,
      distinctCustomersPerBatch: customerSlots / batches,
    },
  };
}

export interface ObservedState {
  /** Every transaction key Partnero holds (repeats included). */
  transactionKeys: readonly string[];
  /** Referrer key → balance Partnero reports. */
  balances: ReadonlyMap<string, number>;
}

/** Every difference between what Partnero holds and what the workload must produce; empty = correct. */
export function checkState(expected: ExpectedState, observed: ObservedState, referrers: readonly string[]) {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const key of observed.transactionKeys) seen.set(key, (seen.get(key) ?? 0) + 1);
  let missing = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const key of expected.transactions.keys()) {
    const n = seen.get(key) ?? 0;
    if (n === 0) missing += 1;
    else if (n > 1) duplicated += 1;
  }
  for (const key of seen.keys())
    if (key.startsWith('ord-') && !expected.transactions.has(key)) unexpected += 1;
  if (missing) problems.push(`${missing} expected transactions are missing (lost)`);
  if (duplicated) problems.push(`${duplicated} transactions exist more than once`);
  if (unexpected) problems.push(`${unexpected} transactions exist that should not (refunded or never sold)`);
  let wrongBalances = 0;
  for (const referrer of referrers) {
    const want = expected.balances.get(referrer) ?? 0;
    const got = observed.balances.get(referrer);
    if (got === undefined || Math.abs(got - want) > 0.005) {
      wrongBalances += 1;
      if (wrongBalances <= 3) problems.push(`balance of ${referrer}: expected ${want}, Partnero has ${got}`);
    }
  }
  if (wrongBalances > 3) problems.push(`…${wrongBalances} referrers with a wrong balance in all`);
  return { ok: problems.length === 0, problems, missing, duplicated, unexpected, wrongBalances };
}
