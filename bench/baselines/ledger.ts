/**
 * The floor's refund ledger: the same DynamoDB calls the project makes (one BatchGetItem for a
 * batch's sales, one PutItem per refund before the DELETE), so a sale redelivered after its refund is
 * not recorded again. Without it a late duplicate re-creates a refunded transaction.
 */
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

const ddb = new DynamoDBClient({});
const TableName = process.env.REFUND_LEDGER_TABLE_NAME as string;

export async function refundedAmong(orderIds: string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const out = await ddb.send(
    new BatchGetItemCommand({
      RequestItems: {
        [TableName]: { Keys: [...new Set(orderIds)].map((id) => ({ id: { S: `refund#${id}` } })) },
      },
    }),
  );
  return new Set(
    (out.Responses?.[TableName] ?? []).map((item) => String(item.id?.S).slice('refund#'.length)),
  );
}

export const markRefunded = (orderId: string) =>
  ddb.send(
    new PutItemCommand({
      TableName,
      Item: {
        id: { S: `refund#${orderId}` },
        expiration: { N: String(Math.floor(Date.now() / 1000) + 90 * 86400) },
      },
    }),
  );
