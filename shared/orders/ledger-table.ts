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
import { type Item, keyOf, namesIn, S, SWEEP_INDEX } from './ledger-items.js';

/** One conditional update of an entry: the expressions, built by ledger-writes.ts and ledger-sweep-writes.ts. */
export interface Write {
  update: string;
  values: Record<string, AttributeValue>;
  condition?: string;
}

export type WriteResult = { ok: true; old: Item | undefined } | { ok: false; current: Item | undefined };

/** A transaction action's outcome: written, refused with the item as it is, or not tried (cancelled). */
export type TransactResult = { ok: true } | { ok: false; current: Item | undefined } | { ok: 'not_applied' };

/** The ledger's DynamoDB calls; every refused condition answers the item as it is (`ALL_OLD`). */
export class LedgerTable {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  /** One conditional UpdateItem. `returnOld` when the caller reads the item as it was (else less to decode). */
  async update(orderId: string, write: Write, returnOld = false): Promise<WriteResult> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(orderId),
          UpdateExpression: write.update,
          ...(write.condition ? { ConditionExpression: write.condition } : {}),
          ExpressionAttributeNames: namesIn(write.update, write.condition ?? ''),
          ExpressionAttributeValues: write.values,
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

  /** PutItem if absent; answers the existing item when there is one. */
  async putIfAbsent(item: Item): Promise<Item | undefined> {
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
  async transact(writes: { orderId: string; write: Write }[]): Promise<TransactResult[]> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: writes.map(({ orderId, write }) => ({
            Update: {
              TableName: this.tableName,
              Key: keyOf(orderId),
              UpdateExpression: write.update,
              ...(write.condition ? { ConditionExpression: write.condition } : {}),
              ExpressionAttributeNames: namesIn(write.update, write.condition ?? ''),
              ExpressionAttributeValues: write.values,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          })),
        }),
      );
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

  /** Entries of one sweep shard whose `sweepAt` is at most `now`, oldest first. */
  async due(shard: string, now: number, limit: number): Promise<Item[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SWEEP_INDEX,
        KeyConditionExpression: '#sweepShard = :shard AND #sweepAt <= :now',
        ExpressionAttributeNames: namesIn('#sweepShard #sweepAt'),
        ExpressionAttributeValues: { ':shard': S(shard), ':now': { N: String(now) } },
        Limit: limit,
      }),
    );
    return page.Items ?? [];
  }
}
