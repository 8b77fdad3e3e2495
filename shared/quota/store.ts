import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';

/**
 * The Partnero budget's items in the budget table (partition key `id`, TTL `expiration`), all under
 * `quota#` so a function's grant can be limited to them (`dynamodb:LeadingKeys`):
 * - `quota#<epoch second>`: one fixed one-second window, counters `total` and `customer`;
 * - `quota#acct#<account id>#<epoch minute>`: one account's calls in one minute, counter `calls`;
 * - `quota#pause`: Partnero's last 429 (`until`, `factor`, `since`, epoch ms).
 */
const QUOTA_KEY_PREFIX = 'quota';

export type QuotaPool = 'money' | 'customer';

export interface WindowCaps {
  /** Calls all pools together may make in the window. */
  total: number;
  /** Calls the customer pool may make in it (total minus the money path's reserved share). */
  customer: number;
}

/** Partnero's last 429 as every container sees it. */
export interface PauseState {
  /** No call before this (epoch ms): Partnero's `Retry-After`. */
  until: number;
  /** The share of the configured total in force at `since` (halved by each 429). */
  factor: number;
  /** When the last 429 was recorded (epoch ms); recovery counts from here. */
  since: number;
}

export interface QuotaStore {
  /** Counts `n` calls of `pool` in the window of `second`; false (nothing counted) when the caps leave no room. */
  takeWindow(second: number, n: number, pool: QuotaPool, caps: WindowCaps): Promise<boolean>;
  /** Counts `n` calls of `account` in `minute`; false (nothing counted) when that passes `cap`. */
  takeAccount(account: string, minute: number, n: number, cap: number): Promise<boolean>;
  readPause(): Promise<PauseState | undefined>;
  /** Replaces the pause if it is still `seen` (optimistic); false when another container wrote first. */
  writePause(next: PauseState, seen: PauseState | undefined): Promise<boolean>;
  /** Moves `until` later (never earlier). */
  extendPause(until: number): Promise<void>;
}

const PAUSE_ID = `${QUOTA_KEY_PREFIX}#pause`;
/** Windows and account counters outlive their period by a minute, then DynamoDB's TTL drops them. */
const KEEP_SECONDS = 60;
/** The pause record is kept for a day after its last 429 (its factor recovers long before). */
const PAUSE_KEEP_SECONDS = 86_400;

const n = (value: number) => ({ N: String(value) });
const s = (value: string) => ({ S: value });

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (
      e instanceof ConditionalCheckFailedException ||
      (e as { name?: string }).name === 'ConditionalCheckFailedException'
    )
      return false;
    throw e;
  }
}

/** The budget's items in one DynamoDB table; every write is one conditional UpdateItem. */
class DynamoQuotaStore implements QuotaStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  /** One conditional UpdateItem on one item: false when its condition fails. */
  private update(id: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
    return conditional(
      this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: { id: s(id) }, ...input })),
    );
  }

  takeWindow(second: number, count: number, pool: QuotaPool, caps: WindowCaps): Promise<boolean> {
    // Room left under the total, and for customers under their cap.
    const customer = pool === 'customer';
    return this.update(`${QUOTA_KEY_PREFIX}#${second}`, {
      UpdateExpression: customer
        ? 'ADD #total :n, #customer :n SET #exp = if_not_exists(#exp, :exp)'
        : 'ADD #total :n SET #exp = if_not_exists(#exp, :exp)',
      ConditionExpression: customer
        ? '(attribute_not_exists(#total) OR #total <= :totalLeft) AND (attribute_not_exists(#customer) OR #customer <= :customerLeft)'
        : 'attribute_not_exists(#total) OR #total <= :totalLeft',
      ExpressionAttributeNames: {
        '#total': 'total',
        '#exp': 'expiration',
        ...(customer ? { '#customer': 'customer' } : {}),
      },
      ExpressionAttributeValues: {
        ':n': n(count),
        ':exp': n(second + KEEP_SECONDS),
        ':totalLeft': n(caps.total - count),
        ...(customer ? { ':customerLeft': n(caps.customer - count) } : {}),
      },
    });
  }

  takeAccount(account: string, minute: number, count: number, cap: number): Promise<boolean> {
    return this.update(`${QUOTA_KEY_PREFIX}#acct#${account}#${minute}`, {
      UpdateExpression: 'ADD #calls :n SET #exp = if_not_exists(#exp, :exp)',
      ConditionExpression: 'attribute_not_exists(#calls) OR #calls <= :left',
      ExpressionAttributeNames: { '#calls': 'calls', '#exp': 'expiration' },
      ExpressionAttributeValues: {
        ':n': n(count),
        ':left': n(cap - count),
        ':exp': n((minute + 1) * 60 + KEEP_SECONDS),
      },
    });
  }

  async readPause(): Promise<PauseState | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { id: s(PAUSE_ID) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const num = (name: string) => Number(Item[name]?.N);
    const state = { until: num('until'), factor: num('factor'), since: num('since') };
    return Object.values(state).every(Number.isFinite) ? state : undefined;
  }

  writePause(next: PauseState, seen: PauseState | undefined): Promise<boolean> {
    // An UpdateItem like every other write here (the functions are granted GetItem and UpdateItem only).
    return this.update(PAUSE_ID, {
      UpdateExpression: 'SET #until = :until, #factor = :factor, #since = :since, #exp = :exp',
      ConditionExpression: seen ? '#since = :seen' : 'attribute_not_exists(id)',
      ExpressionAttributeNames: {
        '#until': 'until',
        '#factor': 'factor',
        '#since': 'since',
        '#exp': 'expiration',
      },
      ExpressionAttributeValues: {
        ':until': n(next.until),
        ':factor': n(next.factor),
        ':since': n(next.since),
        ':exp': n(Math.ceil(next.since / 1000) + PAUSE_KEEP_SECONDS),
        ...(seen ? { ':seen': n(seen.since) } : {}),
      },
    });
  }

  async extendPause(until: number): Promise<void> {
    await this.update(PAUSE_ID, {
      UpdateExpression: 'SET #until = :until',
      ConditionExpression: 'attribute_exists(id) AND #until < :until',
      ExpressionAttributeNames: { '#until': 'until' },
      ExpressionAttributeValues: { ':until': n(until) },
    });
  }
}

export function dynamoQuotaStore(client: Pick<DynamoDBClient, 'send'>, tableName: string): QuotaStore {
  return new DynamoQuotaStore(client, tableName);
}
