import { randomInt } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * Our own public referral keys, and the map from a key to the account it belongs to.
 *
 * Partnero separates a customer's private `id` (we send the account id) from its public `key`, the one in
 * every referral link a customer shares. We generate that key: short, random, never derived from the
 * account, so a shared link reveals nothing. The map answers "whose link is this?" without an unpublished
 * Partnero look-up by key, and holds a keyed hash of the owner's canonical email for the self-referral
 * check, never the email itself.
 *
 * One table, two items per enrolled account (both written in one transaction, each only if absent):
 * - `key#<public key>`      → `account` (the account id), `emailHash`
 * - `account#<account id>`  → `publicKey`, `emailHash`, and `referrerKey` once attributed
 *
 * A customer enrolled before these keys existed has its account id as its public key (`legacy`); its
 * `account#` item says so, and its key has no `key#` item (a link with it is attributed by key).
 */

/** No 0/o, 1/l/i: nothing a reader can confuse when a link is read aloud or typed. */
export const KEY_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const KEY_LENGTH = 9;

/** A random public key: 9 of 31 characters (about 2.6e13 keys). */
export function generatePublicKey(random: (max: number) => number = randomInt): string {
  let key = '';
  for (let i = 0; i < KEY_LENGTH; i++) key += KEY_ALPHABET[random(KEY_ALPHABET.length)];
  return key;
}

/** Who a public key belongs to. */
export interface KeyOwner {
  accountId: string;
  emailHash: string | null;
}

/** An enrolled account's own key. */
export interface AccountKey {
  publicKey: string;
  /** `random`: our generated key; `account_id`: enrolled before, its key is its account id. */
  kind: 'random' | 'account_id';
  /** The public key of the link the account signed up through, when it was attributed. */
  referrerKey: string | null;
}

/** The key of a customer enrolled before our keys existed: its account id. */
export const legacyKey = (accountId: string): AccountKey => ({
  publicKey: accountId,
  kind: 'account_id',
  referrerKey: null,
});

export interface ReferralKeys {
  /** The owner of a public key, or undefined when no account has it (it may be a legacy key). */
  ownerOf(publicKey: string): Promise<KeyOwner | undefined>;
  /** The account's key, or undefined when it never enrolled through this map. */
  keyOf(accountId: string): Promise<AccountKey | undefined>;
  /**
   * The account's key, made on first call: `created` says whether this call made it. Safe under
   * concurrency (one key per account, whoever wins) and against collisions (a taken key is drawn again).
   */
  enrol(accountId: string, emailHash: string | null): Promise<AccountKey & { created: boolean }>;
  /**
   * Records that the account was enrolled before, with its account id as its public key; `unused` is a key
   * this call drew for it that no link carries, and is given back.
   */
  markLegacy(accountId: string, emailHash: string | null, unused?: string): Promise<AccountKey>;
  /** Records the link an account signed up through (first one wins). */
  rememberReferrer(accountId: string, referrerKey: string): Promise<void>;
}

type Client = Pick<DynamoDBClient, 'send'>;
const S = (value: string) => ({ S: value });
const keyItem = (publicKey: string) => ({ id: S(`key#${publicKey}`) });
const accountItem = (accountId: string) => ({ id: S(`account#${accountId}`) });
const MAX_DRAWS = 5;

function accountKeyOf(item: Record<string, { S?: string }>): AccountKey {
  return {
    publicKey: item.publicKey?.S ?? '',
    kind: item.legacy?.S === 'true' ? 'account_id' : 'random',
    referrerKey: item.referrerKey?.S ?? null,
  };
}

/** Why a transaction was cancelled, per item: `ConditionalCheckFailed` means that item already existed. */
const failedItems = (e: TransactionCanceledException) =>
  (e.CancellationReasons ?? []).map((r) => r.Code === 'ConditionalCheckFailed');

/** The map in DynamoDB (`REFERRAL_KEYS_TABLE_NAME`); `draw` makes a candidate key. */
export class DynamoReferralKeys implements ReferralKeys {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    private readonly draw: () => string = () => generatePublicKey(),
  ) {}

  async ownerOf(publicKey: string): Promise<KeyOwner | undefined> {
    const item = await this.get(keyItem(publicKey));
    const accountId = item?.account?.S;
    return accountId ? { accountId, emailHash: item?.emailHash?.S ?? null } : undefined;
  }

  async keyOf(accountId: string): Promise<AccountKey | undefined> {
    const item = await this.get(accountItem(accountId));
    return item ? accountKeyOf(item) : undefined;
  }

  async enrol(accountId: string, emailHash: string | null): Promise<AccountKey & { created: boolean }> {
    const existing = await this.keyOf(accountId);
    if (existing) return { ...existing, created: false };
    for (let i = 0; i < MAX_DRAWS; i++) {
      const publicKey = this.draw();
      try {
        await this.putBoth(accountId, publicKey, emailHash);
        return { publicKey, kind: 'random', referrerKey: null, created: true };
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const [accountTaken, keyTaken] = failedItems(e);
        if (accountTaken) {
          // Another sign-up of this account won the race: its key is the account's key.
          const winner = await this.keyOf(accountId);
          if (winner) return { ...winner, created: false };
        }
        if (!keyTaken && !accountTaken) throw e;
      }
    }
    throw new Error(`no free public key after ${MAX_DRAWS} draws`);
  }

  async markLegacy(accountId: string, emailHash: string | null, unused?: string): Promise<AccountKey> {
    const previous = await this.keyOf(accountId);
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...accountItem(accountId),
          publicKey: S(accountId),
          legacy: S('true'),
          ...(emailHash ? { emailHash: S(emailHash) } : {}),
          ...(previous?.referrerKey ? { referrerKey: S(previous.referrerKey) } : {}),
          created: S(new Date().toISOString()),
        },
      }),
    );
    if (unused)
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyItem(unused) }));
    return { publicKey: accountId, kind: 'account_id', referrerKey: previous?.referrerKey ?? null };
  }

  async rememberReferrer(accountId: string, referrerKey: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: accountItem(accountId),
          UpdateExpression: 'SET referrerKey = :k',
          ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(referrerKey)',
          ExpressionAttributeValues: { ':k': S(referrerKey) },
        }),
      );
    } catch (e) {
      if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  private async get(key: Record<string, { S: string }>) {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item as Record<string, { S?: string }> | undefined;
  }

  /** Both items of a new enrolment in one transaction, each only if absent. */
  private async putBoth(accountId: string, publicKey: string, emailHash: string | null): Promise<void> {
    const hash: Record<string, { S: string }> = emailHash ? { emailHash: S(emailHash) } : {};
    const created = S(new Date().toISOString());
    const putNew = (Item: Record<string, { S: string }>) => ({
      Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(id)' },
    });
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          putNew({ ...accountItem(accountId), publicKey: S(publicKey), ...hash, created }),
          putNew({ ...keyItem(publicKey), account: S(accountId), ...hash, created }),
        ],
      }),
    );
  }
}
