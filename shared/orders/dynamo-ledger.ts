import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  ClaimResult,
  FinishResult,
  LedgerEntry,
  LedgerState,
  LedgerTimings,
  OrderLedger,
  Settlement,
} from './ledger.js';
import type { Order } from './order.js';

type Item = Record<string, AttributeValue>;

/** The sparse index the reconciler queries: partition `sweepShard`, sort `sweepAt` (epoch ms). */
export const SWEEP_INDEX = 'sweep';
/** Swept entries spread over this many index partitions, so a busy pipeline has no hot key. */
export const SWEEP_SHARDS = 4;
/** The second count of a doubtful entry's copies comes this many verify delays after the first. */
export const SECOND_CHECK_FACTOR = 15;
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
  'trimming',
  'updatedAt',
  'expiration',
] as const;
type Attribute = (typeof ATTRIBUTES)[number];
const NAMES = Object.fromEntries(ATTRIBUTES.map((a) => [`#${a}`, a])) as Record<`#${Attribute}`, Attribute>;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const keyOf = (orderId: string) => ({ id: S(`order#${orderId}`) });
const PREFIX = 'order#'.length;

/** FNV-1a: a cheap, stable spread of order ids over the sweep shards. */
function shardOf(orderId: string): string {
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
  if (owner) entry.owner = owner;
  if (leaseUntil !== undefined) entry.leaseUntil = leaseUntil;
  if (order) entry.order = order;
  if (reward !== undefined) entry.reward = reward;
  if (reason) entry.reason = reason;
  if (item.doubt?.BOOL === true) entry.doubt = true;
  if (item.trimming?.BOOL === true) entry.trimming = true;
  if (sweepAt !== undefined) entry.sweepAt = sweepAt;
  return entry;
}

/** The SET clauses that store an order's fields unless an earlier claim stored them already. */
function orderFields(order: Order) {
  const fields: [Attribute, AttributeValue][] = [
    ['customerKey', S(order.customerKey)],
    ['amount', N(order.amount)],
    ['currency', S(order.currency)],
    ['action', S(order.action)],
  ];
  if (order.productId) fields.push(['productId', S(order.productId)]);
  if (order.productType) fields.push(['productType', S(order.productType)]);
  return {
    set: fields.map(([name]) => `#${name} = if_not_exists(#${name}, :${name})`),
    values: Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
  };
}

/** Only the names an expression uses may be sent (DynamoDB refuses unused ones). */
function namesIn(...expressions: string[]) {
  const text = expressions.join(' ');
  return Object.fromEntries(Object.entries(NAMES).filter(([name]) => new RegExp(`${name}\\b`).test(text)));
}

export interface DynamoLedgerOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  timings: LedgerTimings;
  now?: () => number;
}

/** The order ledger in one DynamoDB table (infra/constructs/order-ledger-table.ts). */
export class DynamoOrderLedger implements OrderLedger {
  readonly now: () => number;

  constructor(private readonly options: DynamoLedgerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** One conditional UpdateItem; a failed condition answers the item as it is (`ALL_OLD`). */
  private async update(
    orderId: string,
    update: string,
    values: Record<string, AttributeValue>,
    condition?: string,
    /** Whether the caller reads the item as it was (else nothing comes back on success: less to decode). */
    returnOld = false,
  ): Promise<{ ok: true; old: Item | undefined } | { ok: false; current: Item | undefined }> {
    try {
      const out = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: keyOf(orderId),
          UpdateExpression: update,
          ...(condition ? { ConditionExpression: condition } : {}),
          ExpressionAttributeNames: namesIn(update, condition ?? ''),
          ExpressionAttributeValues: values,
          ReturnValues: returnOld ? 'ALL_OLD' : 'NONE',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, old: out.Attributes };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, current: error.Item };
      throw error;
    }
  }

  private expiration(now: number) {
    return N(Math.floor(now / 1000) + LEDGER_RETENTION_DAYS * 86_400);
  }

  /**
   * Claims `order` for `owner`. The common case (an order never seen) is one PutItem if absent; an entry
   * that exists answers with itself, and only a claimable one (rejected, or claimed with its lease run
   * out) costs a second write, the takeover.
   */
  async claim(order: Order, owner: string): Promise<ClaimResult> {
    const now = this.now();
    const lease = now + this.options.timings.leaseMs;
    const fresh = await this.putIfAbsent(order, owner, now, lease);
    if (fresh === undefined) return { claimed: true, takeover: false, refundRequested: false, order };
    const entry = entryOf(fresh);
    // The SDK retried a claim that had already been written: it is ours, but whether a POST followed an
    // earlier attempt is unknown, so it counts as a takeover.
    if (entry.owner === owner && entry.state === 'claimed') {
      return {
        claimed: true,
        takeover: true,
        refundRequested: entry.refundRequested,
        order: entry.order ?? order,
      };
    }
    const claimable =
      entry.state === 'rejected' || (entry.state === 'claimed' && (entry.leaseUntil ?? 0) < now);
    return claimable ? this.takeOver(order, owner, now, lease) : { claimed: false, entry };
  }

  /** The first claim of an order; answers the existing item instead when there is one. */
  private async putIfAbsent(
    order: Order,
    owner: string,
    now: number,
    lease: number,
  ): Promise<Item | undefined> {
    const item: Item = {
      ...keyOf(order.orderId),
      state: S('claimed'),
      owner: S(owner),
      leaseUntil: N(lease),
      sweepShard: S(shardOf(order.orderId)),
      sweepAt: N(lease),
      updatedAt: N(now),
      expiration: this.expiration(now),
      ...Object.fromEntries(
        Object.entries(orderFields(order).values).map(([name, value]) => [name.slice(1), value]),
      ),
    };
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
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

  /** Takes a claimable entry over: the earlier holder may have sent the POST (see `takeover`). */
  private async takeOver(order: Order, owner: string, now: number, lease: number): Promise<ClaimResult> {
    const fields = orderFields(order);
    const result = await this.update(
      order.orderId,
      `SET #state = :claimed, #owner = :owner, #leaseUntil = :lease, #sweepShard = :shard, #sweepAt = :lease, ` +
        `#updatedAt = :now, #expiration = if_not_exists(#expiration, :expiration), ${fields.set.join(', ')} ` +
        'REMOVE #doubt, #reason',
      {
        ':claimed': S('claimed'),
        ':rejected': S('rejected'),
        ':owner': S(owner),
        ':lease': N(lease),
        ':shard': S(shardOf(order.orderId)),
        ':now': N(now),
        ':expiration': this.expiration(now),
        ...fields.values,
      },
      '#state = :rejected OR (#state = :claimed AND #leaseUntil < :now)',
      true,
    );
    if (result.ok) {
      const old = result.old ? entryOf(result.old) : undefined;
      return {
        claimed: true,
        // Only a rejection without doubt proves no earlier attempt of this order can still land.
        takeover: old !== undefined && !(old.state === 'rejected' && !old.doubt),
        refundRequested: old?.refundRequested ?? false,
        order: old?.order ?? order,
      };
    }
    const entry = result.current ? entryOf(result.current) : undefined;
    if (entry?.owner === owner && entry.state === 'claimed') {
      return {
        claimed: true,
        takeover: true,
        refundRequested: entry.refundRequested,
        order: entry.order ?? order,
      };
    }
    if (!entry) throw new Error(`The ledger lost order ${order.orderId} while it was being claimed`);
    return { claimed: false, entry };
  }

  /** The conditional update that settles a claim `owner` holds. */
  private finishWrite(settlement: Settlement, owner: string) {
    const now = this.now();
    const values: Record<string, AttributeValue> = {
      ':owner': S(owner),
      ':now': N(now),
      ':state': S(settlement.state),
    };
    let update: string;
    let condition = '#owner = :owner';
    if (settlement.state === 'recorded') {
      values[':reward'] = N(settlement.reward);
      condition += ' AND attribute_not_exists(#refundRequested)';
      if (settlement.verify) {
        values[':verifyAt'] = N(now + this.options.timings.verifyDelayMs);
        update =
          'SET #state = :state, #reward = :reward, #updatedAt = :now, #sweepAt = :verifyAt REMOVE #owner, #leaseUntil, #checks';
      } else {
        update =
          'SET #state = :state, #reward = :reward, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt';
      }
    } else {
      values[':reason'] = S(settlement.reason);
      update =
        'SET #state = :state, #reason = :reason, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt';
    }
    return { update, values, condition };
  }

  /** What a refused finish means: our own write the SDK retried after it landed, or a refund / lost claim. */
  private refusedFinish(current: Item | undefined, settlement: Settlement): FinishResult {
    const entry = current ? entryOf(current) : undefined;
    if (entry && entry.state === settlement.state && !entry.owner && !entry.refundRequested)
      return { finished: true };
    return { finished: false, entry };
  }

  async finish(orderId: string, owner: string, settlement: Settlement): Promise<FinishResult> {
    const { update, values, condition } = this.finishWrite(settlement, owner);
    const result = await this.update(orderId, update, values, condition);
    return result.ok ? { finished: true } : this.refusedFinish(result.current, settlement);
  }

  /**
   * Settles several claims in one TransactWriteItems (one round trip instead of one per order). When the
   * transaction is cancelled (a refund arrived for one of them, a conflict), nothing was written and each
   * is settled on its own.
   */
  async finishAll(
    owner: string,
    settlements: { orderId: string; settlement: Settlement }[],
  ): Promise<FinishResult[]> {
    if (settlements.length < 2 || settlements.length > 100) {
      return Promise.all(
        settlements.map(({ orderId, settlement }) => this.finish(orderId, owner, settlement)),
      );
    }
    try {
      await this.options.client.send(
        new TransactWriteItemsCommand({
          TransactItems: settlements.map(({ orderId, settlement }) => {
            const { update, values, condition } = this.finishWrite(settlement, owner);
            return {
              Update: {
                TableName: this.options.tableName,
                Key: keyOf(orderId),
                UpdateExpression: update,
                ConditionExpression: condition,
                ExpressionAttributeNames: namesIn(update, condition),
                ExpressionAttributeValues: values,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            };
          }),
        }),
      );
      return settlements.map(() => ({ finished: true }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      return Promise.all(
        settlements.map(({ orderId, settlement }, i) => {
          const reason = reasons[i];
          if (reason?.Code === 'ConditionalCheckFailed') return this.refusedFinish(reason.Item, settlement);
          return this.finish(orderId, owner, settlement);
        }),
      );
    }
  }

  async release(orderId: string, owner: string): Promise<void> {
    const past = N(this.now() - 1);
    await this.update(
      orderId,
      'SET #leaseUntil = :past, #sweepAt = :past',
      { ':owner': S(owner), ':past': past },
      '#owner = :owner',
    );
  }

  async reject(orderId: string, owner: string, rejection: { reason: string; doubt: boolean }): Promise<void> {
    const now = this.now();
    const values: Record<string, AttributeValue> = {
      ':owner': S(owner),
      ':rejected': S('rejected'),
      ':reason': S(rejection.reason.slice(0, 1000)),
      ':now': N(now),
    };
    // In doubt, the reconciler looks for a late copy once any write in flight has surely landed.
    if (rejection.doubt) {
      values[':true'] = { BOOL: true };
      values[':later'] = N(now + this.options.timings.verifyDelayMs * SECOND_CHECK_FACTOR);
    }
    const update = rejection.doubt
      ? 'SET #state = :rejected, #reason = :reason, #doubt = :true, #sweepAt = :later, #updatedAt = :now REMOVE #owner, #leaseUntil'
      : 'SET #state = :rejected, #reason = :reason, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt';
    const result = await this.update(
      orderId,
      update,
      values,
      '#owner = :owner AND attribute_not_exists(#refundRequested)',
    );
    const entry = !result.ok && result.current ? entryOf(result.current) : undefined;
    // A refund arrived for an order that was never recorded: it ends refunded (a late copy is still looked for).
    if (entry?.owner === owner && entry.refundRequested) await this.completeRefund(orderId, owner);
  }

  async markTrimming(seen: LedgerEntry): Promise<boolean> {
    const result = await this.update(
      seen.orderId,
      'SET #trimming = :true',
      { ':true': { BOOL: true }, ':recorded': S('recorded'), ':sweepAt': N(seen.sweepAt ?? 0) },
      '#state = :recorded AND #sweepAt = :sweepAt AND attribute_not_exists(#refundRequested)',
    );
    return result.ok;
  }

  async adoptLateWrite(seen: LedgerEntry, reward: number): Promise<void> {
    const now = this.now();
    await this.update(
      seen.orderId,
      'SET #state = :recorded, #reward = :reward, #sweepAt = :verifyAt, #updatedAt = :now REMOVE #doubt, #reason, #checks',
      {
        ':recorded': S('recorded'),
        ':rejected': S('rejected'),
        ':reward': N(reward),
        ':verifyAt': N(now + this.options.timings.verifyDelayMs),
        ':now': N(now),
        ':sweepAt': N(seen.sweepAt ?? 0),
      },
      '#state = :rejected AND #sweepAt = :sweepAt AND attribute_not_exists(#refundRequested)',
    );
  }

  async requestRefund(orderId: string): Promise<LedgerEntry | undefined> {
    const now = this.now();
    const result = await this.update(
      orderId,
      'SET #refundRequested = :true, #state = if_not_exists(#state, :refunded), #updatedAt = :now, ' +
        '#sweepShard = if_not_exists(#sweepShard, :shard), #sweepAt = if_not_exists(#sweepAt, :due), ' +
        '#expiration = if_not_exists(#expiration, :expiration)',
      {
        ':true': { BOOL: true },
        ':refunded': S('refunded'),
        ':now': N(now),
        ':shard': S(shardOf(orderId)),
        ':due': N(now + this.options.timings.leaseMs),
        ':expiration': this.expiration(now),
      },
      undefined,
      true,
    );
    return result.ok && result.old ? entryOf(result.old) : undefined;
  }

  async completeRefund(orderId: string, owner?: string): Promise<void> {
    const now = this.now();
    await this.update(
      orderId,
      'SET #state = :refunded, #updatedAt = :now, #sweepShard = :shard, #sweepAt = :verifyAt REMOVE #owner, #leaseUntil, #checks, #trimming',
      {
        ':refunded': S('refunded'),
        ':claimed': S('claimed'),
        ':owner': S(owner ?? '\u0000none'),
        ':now': N(now),
        ':shard': S(shardOf(orderId)),
        ':verifyAt': N(now + this.options.timings.verifyDelayMs),
      },
      // A claimed order is its holder's to finish: it reverses the refund itself.
      'attribute_exists(#refundRequested) AND (#state <> :claimed OR #owner = :owner)',
    );
  }

  async due(limit: number): Promise<LedgerEntry[]> {
    const now = N(this.now());
    const shards = Array.from({ length: SWEEP_SHARDS }, (_, i) => `sweep#${i}`);
    const pages = await Promise.all(
      shards.map((shard) =>
        this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: SWEEP_INDEX,
            KeyConditionExpression: '#sweepShard = :shard AND #sweepAt <= :now',
            ExpressionAttributeNames: namesIn('#sweepShard #sweepAt'),
            ExpressionAttributeValues: { ':shard': S(shard), ':now': now },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages
      .flatMap((page) => (page.Items ?? []).map(entryOf))
      .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
      .slice(0, limit);
  }

  async settleSweep(seen: LedgerEntry): Promise<void> {
    const refund = seen.refundRequested
      ? 'attribute_exists(#refundRequested)'
      : 'attribute_not_exists(#refundRequested)';
    // A rejected entry's one check already waited for every write in flight to land.
    const again = (seen.state === 'recorded' || seen.state === 'refunded') && (seen.checks ?? 0) === 0;
    const values: Record<string, AttributeValue> = {
      ':state': S(seen.state),
      ':sweepAt': N(seen.sweepAt ?? 0),
    };
    if (again) values[':later'] = N(this.now() + this.options.timings.verifyDelayMs * SECOND_CHECK_FACTOR);
    await this.update(
      seen.orderId,
      again
        ? 'SET #sweepAt = :later, #checks = :one REMOVE #trimming'
        : 'REMOVE #sweepShard, #sweepAt, #checks, #doubt, #trimming',
      again ? { ...values, ':one': N(1) } : values,
      `#state = :state AND #sweepAt = :sweepAt AND ${refund}`,
    );
  }
}
