import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import type { LedgerEntry, LedgerState, LedgerTimings } from './ledger.js';
import type { Order } from './order.js';

/**
 * How ledger entries are stored: one item per order id (`id` = `order#<orderId>`), the order's fields
 * flat beside the entry's, converted with util-dynamodb; and the four calls the ledger makes.
 */

export type Item = Record<string, AttributeValue>;

/** The sparse index the reconciler queries: partition `sweepShard`, sort `sweepAt` (epoch ms). */
export const SWEEP_INDEX = 'sweep';
/** Swept entries spread over this many index partitions, so a busy pipeline has no hot key. */
export const SWEEP_SHARDS = 4;
/** Retryable answers in a row after which a deferred order is parked (about 3 h at the default timings). */
export const PARK_AFTER_FAILURES = 16;
/** Entries outlive any redelivery or replay (SQS keeps 14 days, EventBridge archives longer). */
export const LEDGER_RETENTION_DAYS = 400;

/** The ledger's timings with every default filled in. */
export type Timings = Required<LedgerTimings>;
export const withDefaults = (t: LedgerTimings): Timings => ({
  leaseMs: t.leaseMs,
  verifyDelayMs: t.verifyDelayMs,
  // Counts after the horizon are trusted only because the lag is at most one verify delay.
  lookupLagMs: Math.min(t.lookupLagMs ?? t.verifyDelayMs, t.verifyDelayMs),
  parkAfterFailures: t.parkAfterFailures ?? PARK_AFTER_FAILURES,
});

const PREFIX = 'order#';
export const keyOf = (orderId: string) => ({ id: { S: `${PREFIX}${orderId}` } });
/** When an entry may be deleted by DynamoDB's TTL (epoch seconds). */
export const expirationOf = (now: number) => Math.floor(now / 1000) + LEDGER_RETENTION_DAYS * 86_400;

/** FNV-1a: a cheap, stable spread of order ids over the sweep shards. */
export function shardOf(orderId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) hash = Math.imul(hash ^ orderId.charCodeAt(i), 0x01000193);
  return `sweep#${(hash >>> 0) % SWEEP_SHARDS}`;
}

/**
 * Every attribute goes through a #name (`state`, `owner`, `action` and others are reserved words), and
 * only the names an expression uses may be sent (DynamoDB refuses unused ones).
 */
export function namesIn(...expressions: string[]): Record<string, string> {
  const tokens = expressions.flatMap((expression) => [...expression.matchAll(/#(\w+)/g)]);
  return Object.fromEntries(tokens.map(([token, name]) => [token, name as string]));
}

/** The order's own fields, stored flat on its entry (optional ones only when set). */
export const orderAttributes = (order: Order) => ({
  customerKey: order.customerKey,
  amount: order.amount,
  currency: order.currency,
  action: order.action,
  ...(order.productId ? { productId: order.productId } : {}),
  ...(order.productType ? { productType: order.productType } : {}),
});

/** The item of an order's first claim. */
export const claimItem = (order: Order, owner: string, now: number, lease: number): Item =>
  marshall({
    id: `${PREFIX}${order.orderId}`,
    state: 'claimed',
    owner,
    leaseUntil: lease,
    sweepShard: shardOf(order.orderId),
    sweepAt: lease,
    updatedAt: now,
    expiration: expirationOf(now),
    ...orderAttributes(order),
  });

type Stored = Record<string, NativeAttributeValue>;
const text = (stored: Stored, name: string): string | undefined =>
  typeof stored[name] === 'string' ? stored[name] : undefined;
const num = (stored: Stored, name: string): number | undefined =>
  typeof stored[name] === 'number' ? stored[name] : undefined;
/** Kept on the entry when stored: numbers, non-empty texts and `true` flags (absent is their default). */
const NUMBERS = [
  'leaseUntil',
  'reward',
  'sweepAt',
  'checks',
  'failures',
  'trimQuietAt',
  'refundedTotal',
  'version',
  'settledVersion',
] as const;
const TEXTS = ['owner', 'reason'] as const;
const FLAGS = ['doubt', 'reversed'] as const;

function orderOf(stored: Stored, orderId: string): Order | undefined {
  const [customerKey, amount, currency] = [
    text(stored, 'customerKey'),
    num(stored, 'amount'),
    text(stored, 'currency'),
  ];
  if (!customerKey || amount === undefined || !currency) return undefined;
  const [productId, productType] = [text(stored, 'productId'), text(stored, 'productType')];
  return {
    orderId,
    customerKey,
    amount,
    currency,
    // Entries from before actions were kept are sales.
    action: text(stored, 'action') ?? 'sale',
    ...(productId ? { productId } : {}),
    ...(productType ? { productType } : {}),
  };
}

/** A stored item as a ledger entry. */
export function entryOf(item: Item): LedgerEntry {
  const stored = unmarshall(item);
  const orderId = (text(stored, 'id') ?? '').slice(PREFIX.length);
  const entry: LedgerEntry = {
    orderId,
    state: (text(stored, 'state') ?? 'claimed') as LedgerState,
    refundRequested: stored.refundRequested === true,
  };
  const order = orderOf(stored, orderId);
  if (order) entry.order = order;
  for (const name of NUMBERS) {
    const value = num(stored, name);
    if (value !== undefined) entry[name] = value;
  }
  for (const name of TEXTS) if (text(stored, name)) entry[name] = text(stored, name);
  for (const name of FLAGS) if (stored[name] === true) entry[name] = true;
  // A trim mark is the trimming run's token (entries written before tokens carry a plain `true`).
  const trimmer = text(stored, 'trimming');
  if (trimmer) entry.trimmer = trimmer;
  if (trimmer || stored.trimming === true) entry.trimming = true;
  return entry;
}

/** An item as a ledger entry, when there is one. */
export const entryIn = (item: Item | undefined) => (item ? entryOf(item) : undefined);

/** One conditional update of an entry: its expressions and their values (`marshall`ed), as sent. */
export interface Write {
  update: string;
  values: Item;
  condition?: string;
}

export type WriteResult = { ok: true; old: Item | undefined } | { ok: false; current: Item | undefined };
/** A transaction action's outcome: written, refused with the item as it is, or not tried (cancelled). */
export type TransactResult = { ok: true } | { ok: false; current: Item | undefined } | { ok: 'not_applied' };

export interface DynamoLedgerOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  timings: LedgerTimings;
  now?: () => number;
}

/**
 * The ledger's table (infra/constructs/order-ledger-table.ts) and its DynamoDB calls; every refused
 * condition answers the item as it is (`ALL_OLD`). The transitions build on it.
 */
export class LedgerStore {
  readonly now: () => number;
  protected readonly timings: Timings;
  private readonly client: Pick<DynamoDBClient, 'send'>;
  private readonly tableName: string;

  constructor(options: DynamoLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.timings = withDefaults(options.timings);
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** The UpdateItem fields of a write to `orderId`'s entry. */
  private updateOf(orderId: string, write: Write) {
    return {
      TableName: this.tableName,
      Key: keyOf(orderId),
      UpdateExpression: write.update,
      ...(write.condition ? { ConditionExpression: write.condition } : {}),
      ExpressionAttributeNames: namesIn(write.update, write.condition ?? ''),
      ExpressionAttributeValues: write.values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  /** One conditional UpdateItem. `returnOld` when the caller reads the item as it was (else less to decode). */
  protected async update(orderId: string, write: Write, returnOld = false): Promise<WriteResult> {
    try {
      const update = {
        ...this.updateOf(orderId, write),
        ReturnValues: returnOld ? 'ALL_OLD' : 'NONE',
      } as const;
      const out = await this.client.send(new UpdateItemCommand(update));
      return { ok: true, old: out.Attributes };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, current: error.Item };
      throw error;
    }
  }

  /** A conditional UpdateItem from its expressions and plain values (marshalled here). */
  protected write(
    orderId: string,
    update: string,
    values: Record<string, NativeAttributeValue>,
    condition?: string,
    returnOld = false,
  ): Promise<WriteResult> {
    return this.update(
      orderId,
      { update, values: marshall(values), ...(condition ? { condition } : {}) },
      returnOld,
    );
  }

  /** PutItem if absent; answers the existing item when there is one. */
  protected async putIfAbsent(item: Item): Promise<Item | undefined> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': 'id' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return error.Item;
      throw error;
    }
  }

  /** Up to 100 conditional updates in one TransactWriteItems: all written, or none (with a reason each). */
  protected async transact(writes: { orderId: string; write: Write }[]): Promise<TransactResult[]> {
    try {
      const TransactItems = writes.map(({ orderId, write }) => ({ Update: this.updateOf(orderId, write) }));
      await this.client.send(new TransactWriteItemsCommand({ TransactItems }));
      return writes.map(() => ({ ok: true }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      return writes.map((_, i) =>
        reasons[i]?.Code === 'ConditionalCheckFailed'
          ? { ok: false, current: reasons[i]?.Item }
          : { ok: 'not_applied' },
      );
    }
  }

  /** The entry of an order as it stands now (a strongly consistent read), or undefined. */
  async entry(orderId: string): Promise<LedgerEntry | undefined> {
    const read = new GetItemCommand({ TableName: this.tableName, Key: keyOf(orderId), ConsistentRead: true });
    return entryIn((await this.client.send(read)).Item);
  }

  /** Entries of one sweep shard whose `sweepAt` is at most `now`, oldest first. */
  protected async dueIn(shard: string, now: number, limit: number): Promise<Item[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SWEEP_INDEX,
        KeyConditionExpression: '#sweepShard = :shard AND #sweepAt <= :now',
        ExpressionAttributeNames: namesIn('#sweepShard #sweepAt'),
        ExpressionAttributeValues: marshall({ ':shard': shard, ':now': now }),
        Limit: limit,
      }),
    );
    return page.Items ?? [];
  }
}
