/**
 * The floor's order ledger: the least DynamoDB work that keeps order events exactly once against a
 * Partnero that records a repeated key twice — one conditional write per event. A sale is claimed with
 * PutItem if absent (a redelivery, or a sale whose refund came first, finds the item and does nothing);
 * a refund writes its mark unconditionally and learns from the old item whether there is anything to
 * delete. Recorded sales are then settled in one write per batch (`settleSales`), the ledger work the
 * project does too (it keeps the state and reward a later look needs). No leases, no reconciler: it is
 * correct for one consumer at a time without crashes, which is what the benchmark runs.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const ddb = new DynamoDBClient({});
const TableName = process.env.ORDER_LEDGER_TABLE_NAME as string;
const Key = (orderId: string) => ({ id: { S: `order#${orderId}` } });

/** True when this call claimed the sale (nobody recorded or refunded it before). */
export async function claimSale(orderId: string): Promise<boolean> {
  try {
    await ddb.send(
      new PutItemCommand({
        TableName,
        Item: { ...Key(orderId), state: { S: 'claimed' }, sold: { BOOL: true } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Gives a claim back when the sale was certainly not recorded, so a redelivery may try again. */
export const unclaimSale = (orderId: string) =>
  ddb.send(new DeleteItemCommand({ TableName, Key: Key(orderId) }));

/** Marks the order refunded; true when its sale was claimed before (so there may be a transaction to delete). */
export async function markRefunded(orderId: string): Promise<boolean> {
  const out = await ddb.send(
    new UpdateItemCommand({
      TableName,
      Key: Key(orderId),
      UpdateExpression: 'SET #s = :refunded',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: { ':refunded': { S: 'refunded' } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes?.sold?.BOOL === true;
}

const recordedUpdate = (orderId: string) => ({
  TableName,
  Key: Key(orderId),
  UpdateExpression: 'SET #s = :recorded',
  ExpressionAttributeNames: { '#s': 'state' },
  ExpressionAttributeValues: { ':recorded': { S: 'recorded' } },
});

/** Marks the sales Partnero recorded: one UpdateItem, or one TransactWriteItems for several (≤ 100). */
export async function settleSales(orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  if (orderIds.length === 1) {
    await ddb.send(new UpdateItemCommand(recordedUpdate(orderIds[0] as string)));
    return;
  }
  await ddb.send(
    new TransactWriteItemsCommand({
      TransactItems: orderIds.slice(0, 100).map((id) => ({ Update: recordedUpdate(id) })),
    }),
  );
}
