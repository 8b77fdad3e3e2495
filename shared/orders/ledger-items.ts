import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LedgerEntry, LedgerState, LedgerTimings } from './ledger.js';
import type { Order } from './order.js';

/** How ledger entries are stored: one item per order id, attribute names, and the conversions. */

export type Item = Record<string, AttributeValue>;

/** The sparse index the reconciler queries: partition `sweepShard`, sort `sweepAt` (epoch ms). */
export const SWEEP_INDEX = 'sweep';
/** Swept entries spread over this many index partitions, so a busy pipeline has no hot key. */
export const SWEEP_SHARDS = 4;
/**
 * The last count of a doubtful entry's copies comes this many verify delays after the first (the write
 * horizon: a write in flight has landed by then).
 */
export const SECOND_CHECK_FACTOR = 15;
/**
 * Between the first count and the last, the copies are counted every this many verify delays, so a
 * late write that made a second copy (a referrer paid twice) is trimmed within about that long, not
 * only at the horizon.
 */
export const CHECK_GAP_FACTOR = 3;
/** Counts after the first: the last one comes a horizon after the first. */
export const LATER_CHECKS = SECOND_CHECK_FACTOR / CHECK_GAP_FACTOR;
/** Retryable answers in a row after which a deferred order is parked (about 3 h at the default timings). */
export const PARK_AFTER_FAILURES = 16;

/** The ledger's timings with every default filled in. */
export type Timings = Required<LedgerTimings>;
export const withDefaults = (t: LedgerTimings): Timings => ({
  leaseMs: t.leaseMs,
  verifyDelayMs: t.verifyDelayMs,
  // Counts after the horizon are trusted only because the lag is at most one verify delay.
  lookupLagMs: Math.min(t.lookupLagMs ?? t.verifyDelayMs, t.verifyDelayMs),
  parkAfterFailures: t.parkAfterFailures ?? PARK_AFTER_FAILURES,
});
/** By when a write sent now has landed (the assumption the second check rests on). */
export const horizonOf = (t: LedgerTimings) => t.verifyDelayMs * SECOND_CHECK_FACTOR;
/** From when a count of copies shows every write sent before `sentBy`: the horizon, then the look-up lag. */
export const quietAfter = (sentBy: number, t: Timings) => sentBy + horizonOf(t) + t.lookupLagMs;
/** The delay after the n-th failure in a row: one verify delay, doubling, at most the horizon. */
export const backoffOf = (failures: number, t: LedgerTimings) =>
  Math.min(t.verifyDelayMs * 2 ** Math.max(0, failures - 1), horizonOf(t));

/** Entries outlive any redelivery or replay (SQS keeps 14 days, EventBridge archives longer). */
export const LEDGER_RETENTION_DAYS = 400;

/** Every attribute goes through a #name: `state`, `owner`, `action` and others are DynamoDB reserved words. */
const ATTRIBUTES = [
  'id',
  'state',
  'refundRequested',
  'owner',
  'leaseUntil',
  'customerKey',
  'amount',
  'currency',
  'action',
  'productId',
  'productType',
  'reward',
  'reason',
  'doubt',
  'sweepShard',
  'sweepAt',
  'checks',
  'failures',
  'reversed',
  'trimming',
  'trimQuietAt',
  'refundIds',
  'refundAmounts',
  'refundedTotal',
  'version',
  'settledVersion',
  'updatedAt',
  'expiration',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
const NAMES = Object.fromEntries(ATTRIBUTES.map((a) => [`#${a}`, a])) as Record<`#${Attribute}`, Attribute>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const keyOf = (orderId: string) => ({ id: S(`order#${orderId}`) });
const PREFIX = 'order#'.length;

/** FNV-1a: a cheap, stable spread of order ids over the sweep shards. */
export function shardOf(orderId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) hash = Math.imul(hash ^ orderId.charCodeAt(i), 0x01000193);
  return `sweep#${(hash >>> 0) % SWEEP_SHARDS}`;
}

const text = (item: Item, name: Attribute) => item[name]?.S;
const num = (item: Item, name: Attribute) =>
  item[name]?.N === undefined ? undefined : Number(item[name]?.N);

function orderOf(item: Item, orderId: string): Order | undefined {
  const customerKey = text(item, 'customerKey');
  const amount = num(item, 'amount');
  const currency = text(item, 'currency');
  if (!customerKey || amount === undefined || !currency) return undefined;
  const productId = text(item, 'productId');
  const productType = text(item, 'productType');
  return {
    orderId,
    customerKey,
    amount,
    currency,
    action: text(item, 'action') ?? 'sale',
    ...(productId ? { productId } : {}),
    ...(productType ? { productType } : {}),
  };
}

/** A stored item as a ledger entry. */
export function entryOf(item: Item): LedgerEntry {
  const orderId = (text(item, 'id') ?? '').slice(PREFIX);
  const entry: LedgerEntry = {
    orderId,
    state: (text(item, 'state') ?? 'claimed') as LedgerState,
    refundRequested: item.refundRequested?.BOOL === true,
  };
  const owner = text(item, 'owner');
  const leaseUntil = num(item, 'leaseUntil');
  const order = orderOf(item, orderId);
  const reward = num(item, 'reward');
  const reason = text(item, 'reason');
  const sweepAt = num(item, 'sweepAt');
  const checks = num(item, 'checks');
  if (checks !== undefined) entry.checks = checks;
  const failures = num(item, 'failures');
  if (failures !== undefined) entry.failures = failures;
  if (owner) entry.owner = owner;
  if (leaseUntil !== undefined) entry.leaseUntil = leaseUntil;
  if (order) entry.order = order;
  if (reward !== undefined) entry.reward = reward;
  if (reason) entry.reason = reason;
  if (item.doubt?.BOOL === true) entry.doubt = true;
  if (item.reversed?.BOOL === true) entry.reversed = true;
  // A trim mark is the trimming run's token (older entries carry a plain `true`).
  const trimmer = text(item, 'trimming');
  if (trimmer) entry.trimmer = trimmer;
  if (trimmer || item.trimming?.BOOL === true) entry.trimming = true;
  if (sweepAt !== undefined) entry.sweepAt = sweepAt;
  const trimQuietAt = num(item, 'trimQuietAt');
  if (trimQuietAt !== undefined) entry.trimQuietAt = trimQuietAt;
  const refundedTotal = num(item, 'refundedTotal');
  const version = num(item, 'version');
  const settledVersion = num(item, 'settledVersion');
  if (refundedTotal !== undefined) entry.refundedTotal = refundedTotal;
  if (version !== undefined) entry.version = version;
  if (settledVersion !== undefined) entry.settledVersion = settledVersion;
  return entry;
}

/** The SET clauses that store an order's fields unless an earlier claim stored them already. */
export function orderFields(order: Order, replace = false) {
  const fields: [Attribute, AttributeValue][] = [
    ['customerKey', S(order.customerKey)],
    ['amount', N(order.amount)],
    ['currency', S(order.currency)],
    ['action', S(order.action)],
  ];
  if (order.productId) fields.push(['productId', S(order.productId)]);
  if (order.productType) fields.push(['productType', S(order.productType)]);
  const absent = (['productId', 'productType'] as const).filter((name) => !order[name]);
  return {
    set: fields.map(([name]) =>
      replace ? `#${name} = :${name}` : `#${name} = if_not_exists(#${name}, :${name})`,
    ),
    /** Optional fields the order lacks: removed when its fields replace an earlier order's. */
    remove: replace ? absent.map((name) => `#${name}`) : [],
    values: Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
  };
}

/** Only the names an expression uses may be sent (DynamoDB refuses unused ones). */
export function namesIn(...expressions: string[]) {
  const names: Record<string, Attribute> = {};
  for (const expression of expressions) {
    for (const [token] of expression.matchAll(/#\w+/g)) {
      if (Object.hasOwn(NAMES, token)) names[token] = NAMES[token as keyof typeof NAMES];
    }
  }
  return names;
}

/** When an entry may be deleted by DynamoDB's TTL (epoch seconds). */
export const expirationOf = (now: number) => N(Math.floor(now / 1000) + LEDGER_RETENTION_DAYS * 86_400);

/** The item of an order's first claim. */
export function claimItem(order: Order, owner: string, now: number, lease: number): Item {
  return {
    ...keyOf(order.orderId),
    state: S('claimed'),
    owner: S(owner),
    leaseUntil: N(lease),
    sweepShard: S(shardOf(order.orderId)),
    sweepAt: N(lease),
    updatedAt: N(now),
    expiration: expirationOf(now),
    ...Object.fromEntries(
      Object.entries(orderFields(order).values).map(([name, value]) => [name.slice(1), value]),
    ),
  };
}
