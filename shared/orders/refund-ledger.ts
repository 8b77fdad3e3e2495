import { BatchGetItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * Remembers refunded order ids. Partnero forgets a transaction when it is deleted (that is how a
 * refund reverses the reward), so without this a replayed or late `Order Placed` arriving after its
 * refund would be recorded again, and a refund that overtook its order would be lost.
 */
export interface RefundLedger {
  markRefunded(orderId: string): Promise<void>;
  /** The subset of `orderIds` that were refunded. */
  refundedAmong(orderIds: readonly string[]): Promise<Set<string>>;
}

/** Ledger entries outlive any redelivery or replay window (SQS keeps messages 14 days at most). */
export const LEDGER_TTL_SECONDS = 90 * 24 * 60 * 60;
const BATCH_GET_LIMIT = 100;
const keyOf = (orderId: string) => ({ id: { S: `refund#${orderId}` } });

export class DynamoRefundLedger implements RefundLedger {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async markRefunded(orderId: string): Promise<void> {
    const expiration = Math.floor(Date.now() / 1000) + LEDGER_TTL_SECONDS;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { ...keyOf(orderId), expiration: { N: String(expiration) } },
      }),
    );
  }

  async refundedAmong(orderIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(orderIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, { S: string }>[] | undefined = unique.slice(i, i + BATCH_GET_LIMIT).map(keyOf);
      // BatchGetItem may hand back part of the request as UnprocessedKeys under load: ask again for those.
      for (let round = 0; keys?.length && round < 5; round++) {
        const out = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: { Keys: keys, ProjectionExpression: 'id', ConsistentRead: true },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const id = item.id?.S;
          if (id?.startsWith('refund#')) found.add(id.slice('refund#'.length));
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys as typeof keys;
      }
      if (keys?.length) throw new Error('The refund ledger did not answer for every order; retry later');
    }
    return found;
  }
}

/** One process-wide ledger for local runs, shared by the refund route and the order consumer like a table. */
const memoryEntries = new Set<string>();
export const memoryRefundLedger: RefundLedger & { clear(): void } = {
  markRefunded: async (orderId) => {
    memoryEntries.add(orderId);
  },
  refundedAmong: async (orderIds) => new Set(orderIds.filter((id) => memoryEntries.has(id))),
  clear: () => memoryEntries.clear(),
};
