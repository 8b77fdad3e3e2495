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

type Settings = Required<Omit<WorkloadOptions, 'messages' | 'buyers'>>;

function settingsOf(options: WorkloadOptions): Settings {
  const {
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
  return {
    seed,
    batchSize,
    customersPerBatch,
    duplicateRate,
    duplicateLagBatches,
    lateDuplicateShare,
    refundRate,
    refundLagBatches,
    rewardPercent,
  };
}

type Buyer = WorkloadOptions['buyers'][number];

/** An original message (not a copy), with its batch and, for a sale, its order id. */
interface Original {
  body: string;
  batch: number;
  sale?: string;
}

/** Exactly round(total × rate) message positions drawn at random, never the first (a shuffle's head). */
function duplicatePositions(total: number, rate: number, random: () => number): Set<number> {
  const positions = Array.from({ length: Math.max(0, total - 1) }, (_, i) => i + 1);
  for (let i = positions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [positions[i], positions[j]] = [positions[j] as number, positions[i] as number];
  }
  return new Set(positions.slice(0, Math.round(total * rate)));
}

/** The stream as it is written: messages, what they must produce, and what the counts report. */
class Stream {
  readonly messages: WorkloadMessage[] = [];
  readonly originals: Original[] = [];
  /** Batch index → sales to refund in it. */
  readonly refundsDue = new Map<number, string[]>();
  readonly sales = new Map<string, { buyer: string; amount: number }>();
  readonly refunded = new Set<string>();
  duplicates = 0;
  duplicatesAfterRefund = 0;
  private orderSeq = 0;
  /** EventBridge events so far: ids and times are deterministic too, one second apart. */
  private events = 0;

  constructor(
    private readonly settings: Settings,
    private readonly random: () => number,
  ) {}

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  private push(body: string) {
    this.messages.push({ messageId: `msg-${String(this.messages.length).padStart(6, '0')}`, body });
  }

  private meta() {
    this.events += 1;
    const hex = this.events.toString(16).padStart(12, '0');
    return {
      id: `00000000-0000-4000-8000-${hex}`,
      time: new Date(Date.UTC(2025, 0, 1) + this.events * 1000).toISOString(),
    };
  }

  /** A copy of a recent message (this batch or the last few), or now and then a much older one. */
  duplicate(batch: number) {
    const { duplicateLagBatches, lateDuplicateShare } = this.settings;
    const recentFrom = this.originals.findIndex((o) => o.batch >= batch - duplicateLagBatches);
    const older = recentFrom === -1 ? this.originals : this.originals.slice(0, recentFrom);
    const recent = recentFrom === -1 ? [] : this.originals.slice(recentFrom);
    const from = (this.random() < lateDuplicateShare && older.length) || recent.length === 0 ? older : recent;
    const copy = this.pick(from);
    this.duplicates += 1;
    if (copy.sale !== undefined && this.refunded.has(copy.sale)) this.duplicatesAfterRefund += 1;
    this.push(copy.body);
  }

  refund(orderId: string, batch: number) {
    this.refunded.add(orderId);
    const body = JSON.stringify(orderEvent('Order Refunded', { orderId }, this.meta()));
    this.originals.push({ body, batch });
    this.push(body);
  }

  /** A sale by `buyer`, refunded 1 to `refundLagBatches` batches later with `refundRate` odds. */
  sale(buyer: Buyer, batch: number) {
    const orderId = `ord-${String(++this.orderSeq).padStart(6, '0')}`;
    const amount = Math.round((5 + this.random() * 295) * 100) / 100;
    this.sales.set(orderId, { buyer: buyer.key, amount });
    const detail: Record<string, unknown> = { orderId, customerId: buyer.key, amount, currency: 'USD' };
    if (this.random() < 0.5) detail.productId = `sku-${Math.floor(this.random() * 50)}`;
    const body = JSON.stringify(orderEvent('Order Placed', detail, this.meta()));
    this.originals.push({ body, batch, sale: orderId });
    this.push(body);
    if (this.random() < this.settings.refundRate) {
      const at = batch + 1 + Math.floor(this.random() * this.settings.refundLagBatches);
      this.refundsDue.set(at, [...(this.refundsDue.get(at) ?? []), orderId]);
    }
  }
}

/** Every sale not refunded, once, and each referrer's reward for its buyers' remaining sales. */
function expectedState(stream: Stream, buyers: readonly Buyer[], rewardPercent: number): ExpectedState {
  const referrerOf = new Map(buyers.map((b) => [b.key, b.referrer]));
  const transactions = new Map<string, string>();
  const balances = new Map<string, number>();
  for (const [orderId, sale] of stream.sales) {
    if (stream.refunded.has(orderId)) continue;
    transactions.set(orderId, sale.buyer);
    const referrer = referrerOf.get(sale.buyer) as string;
    balances.set(referrer, (balances.get(referrer) ?? 0) + roundCents((sale.amount * rewardPercent) / 100));
  }
  for (const [referrer, sum] of balances) balances.set(referrer, roundCents(sum));
  return { transactions, refunded: stream.refunded, balances };
}

export function generateWorkload(options: WorkloadOptions): Workload {
  const { messages: total, buyers } = options;
  const settings = settingsOf(options);
  const { batchSize, customersPerBatch } = settings;
  if (buyers.length < customersPerBatch) throw new Error('not enough buyers for customersPerBatch');
  const random = prng(settings.seed);
  const stream = new Stream(settings, random);
  const duplicateAt = duplicatePositions(total, settings.duplicateRate, random);
  let customerSlots = 0;
  let batches = 0;

  for (let batch = 0; stream.messages.length < total; batch++) {
    batches += 1;
    const customers = new Set<Buyer>();
    while (customers.size < customersPerBatch) customers.add(stream.pick(buyers));
    const pool = [...customers];
    const used = new Set<string>();
    for (let slot = 0; slot < batchSize && stream.messages.length < total; slot++) {
      if (duplicateAt.has(stream.messages.length) && stream.originals.length > 0) {
        stream.duplicate(batch);
        continue;
      }
      const refund = stream.refundsDue.get(batch)?.shift();
      if (refund !== undefined) {
        stream.refund(refund, batch);
        continue;
      }
      const buyer = stream.pick(pool);
      used.add(buyer.key);
      stream.sale(buyer, batch);
    }
    customerSlots += used.size;
  }

  return {
    messages: stream.messages,
    expected: expectedState(stream, buyers, settings.rewardPercent),
    counts: {
      placed: stream.sales.size,
      refunded: stream.refunded.size,
      duplicates: stream.duplicates,
      duplicatesAfterRefund: stream.duplicatesAfterRefund,
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
