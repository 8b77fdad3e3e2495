import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { logger, numberEnv } from '#shared/lambda/runtime.js';

/**
 * The referral dashboard of each account, kept for a short time (`DASHBOARD_CACHE_SECONDS`, default 30)
 * in the Partnero budget table (`QUOTA_TABLE_NAME`), so every container and the webhook function share
 * it: a hit costs one DynamoDB read and no Partnero call.
 *
 * One item per account, `dash#<account id>`, holding its pages (`p<page>`: `{gen, until, body}`) and a
 * generation `gen`. Invalidating adds 1 to `gen`: every page stored before is stale at once, and a load
 * that started before the invalidation cannot store its (older) answer, since it is written only under
 * the generation it read. Only the first `MAX_CACHED_PAGE` pages are kept, so an item stays small.
 */
export const DASHBOARD_KEY_PREFIX = 'dash';
export const MAX_CACHED_PAGE = 10;
/** The item outlives its newest page by this much, so a generation outlives the loads it must stop. */
const KEEP_SECONDS = 120;

export interface DashboardCache {
  /** The page as cached, or the generation a load must store its answer under. */
  get(accountId: string, page: number): Promise<{ hit: true; value: unknown } | { hit: false; gen: number }>;
  /** Stores a page unless the account's dashboard was invalidated since `gen` was read. */
  put(accountId: string, page: number, gen: number, value: unknown): Promise<void>;
  /** Marks every cached page of these accounts stale. */
  invalidate(accountIds: readonly string[]): Promise<void>;
}

export interface DashboardCacheOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  ttlSeconds: number;
  now?: () => number;
}

const keyOf = (accountId: string) => ({ id: { S: `${DASHBOARD_KEY_PREFIX}#${accountId}` } });

/** The cache in DynamoDB: one item per account, its pages under the generation they were loaded in. */
export class DynamoDashboardCache implements DashboardCache {
  private readonly client: Pick<DynamoDBClient, 'send'>;
  private readonly tableName: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(options: DashboardCacheOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.ttlSeconds = options.ttlSeconds;
    this.now = options.now ?? Date.now;
  }

  async get(
    accountId: string,
    page: number,
  ): Promise<{ hit: true; value: unknown } | { hit: false; gen: number }> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(accountId), ConsistentRead: true }),
    );
    const gen = Number(Item?.gen?.N ?? 0);
    const entry = Item?.[`p${page}`]?.M;
    if (entry && Number(entry.gen?.N) === gen && Number(entry.until?.N) > this.now() && entry.body?.S) {
      return { hit: true, value: JSON.parse(entry.body.S) };
    }
    return { hit: false, gen };
  }

  async put(accountId: string, page: number, gen: number, value: unknown): Promise<void> {
    if (page > MAX_CACHED_PAGE || this.ttlSeconds <= 0) return;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(accountId),
          UpdateExpression: 'SET #page = :entry, #exp = :exp',
          ConditionExpression: gen === 0 ? 'attribute_not_exists(#gen)' : '#gen = :gen',
          ExpressionAttributeNames: { '#page': `p${page}`, '#exp': 'expiration', '#gen': 'gen' },
          ExpressionAttributeValues: {
            ':entry': {
              M: {
                gen: { N: String(gen) },
                until: { N: String(this.now() + this.ttlSeconds * 1000) },
                body: { S: JSON.stringify(value) },
              },
            },
            ':exp': this.expiration(),
            ...(gen === 0 ? {} : { ':gen': { N: String(gen) } }),
          },
        }),
      );
    } catch (e) {
      // Invalidated while we loaded: the answer we hold is already stale, so it is not stored.
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  async invalidate(accountIds: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(accountIds)].map((accountId) =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: keyOf(accountId),
            UpdateExpression: 'ADD #gen :one SET #exp = :exp',
            ExpressionAttributeNames: { '#gen': 'gen', '#exp': 'expiration' },
            ExpressionAttributeValues: { ':one': { N: '1' }, ':exp': this.expiration() },
          }),
        ),
      ),
    );
  }

  /** When DynamoDB may delete the item: after its newest page, plus the time a generation must outlive. */
  private expiration() {
    return { N: String(Math.ceil(this.now() / 1000) + this.ttlSeconds + KEEP_SECONDS) };
  }
}

/**
 * A page from the cache, else from `load` (then stored). The cache is an optimisation: when DynamoDB
 * fails, the page is loaded from Partnero and the failure logged.
 */
export async function cachedDashboard<T>(
  cache: DashboardCache | undefined,
  accountId: string,
  page: number,
  load: () => Promise<T>,
): Promise<T> {
  if (!cache) return load();
  let gen: number | undefined;
  try {
    const found = await cache.get(accountId, page);
    if (found.hit) return found.value as T;
    gen = found.gen;
  } catch (error) {
    logger.warn('dashboard cache unavailable', { error });
  }
  const value = await load();
  if (gen !== undefined) {
    await cache.put(accountId, page, gen, value).catch((error: unknown) => {
      logger.warn('dashboard not cached', { error });
    });
  }
  return value;
}

/** The cache from the environment (`QUOTA_TABLE_NAME`, `DASHBOARD_CACHE_SECONDS`); undefined when off. */
export function dashboardCacheFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<DynamoDBClient, 'send'> = new DynamoDBClient({}),
): DashboardCache | undefined {
  const tableName = env.QUOTA_TABLE_NAME?.trim();
  const ttlSeconds = numberEnv(env, 'DASHBOARD_CACHE_SECONDS', 30);
  if (!tableName || ttlSeconds <= 0) return undefined;
  return new DynamoDashboardCache({ client, tableName, ttlSeconds });
}

let fromEnv: { env: NodeJS.ProcessEnv; cache: DashboardCache | undefined } | undefined;

/**
 * Marks the cached dashboards of these accounts stale: call it after anything that changes what their
 * dashboard shows (their sign-up, a credit, a webhook about their balance). Never throws: a failure is
 * logged, and the page is then at most `DASHBOARD_CACHE_SECONDS` old. A no-op without `QUOTA_TABLE_NAME`.
 */
export async function invalidateDashboards(
  accountIds: readonly (string | null | undefined)[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const ids = accountIds.filter((id): id is string => typeof id === 'string' && id !== '');
  if (ids.length === 0) return;
  try {
    if (fromEnv?.env !== env) fromEnv = { env, cache: dashboardCacheFromEnv(env) };
    await fromEnv.cache?.invalidate(ids);
  } catch (error) {
    logger.warn('dashboard cache not invalidated', { error, accounts: ids.length });
  }
}

const BALANCE_EVENTS = new Set(['customer.rewarded', 'customer.credited']);

const idOf = (value: unknown): string[] => {
  if (typeof value === 'string' && value !== '') return [value];
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id !== '' ? [id] : [];
};

/**
 * The accounts whose dashboard a Partnero webhook delivery (its raw JSON body) makes stale:
 * `customer.rewarded` and `customer.credited` name the customer (`data.id`, our account id), every
 * `transaction.*` its referring customer (`data.customer`, an identifier string or an object with `id`).
 * Anything else, or a body it cannot read: none.
 */
export function dashboardAccountsOf(rawBody: string): string[] {
  let delivery: { event?: unknown; data?: { customer?: unknown } } | null;
  try {
    delivery = JSON.parse(rawBody);
  } catch {
    return [];
  }
  const event = delivery?.event;
  if (typeof event !== 'string') return [];
  if (BALANCE_EVENTS.has(event)) return idOf(delivery?.data);
  if (event.startsWith('transaction.')) return idOf(delivery?.data?.customer);
  return [];
}
