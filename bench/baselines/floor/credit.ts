/**
 * Floor — POST /customers/{id}/credit, once per Idempotency-Key: the same DynamoDB calls as the
 * project's idempotency layer (conditional PutItem, then UpdateItem with the answer; GetItem to replay).
 */
import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { json, partnero } from '#bench/baselines/partnero.js';

const ddb = new DynamoDBClient({});
const TableName = process.env.IDEMPOTENCY_TABLE_NAME;

export const handler = async (event: APIGatewayProxyEventV2) => {
  const customer = event.pathParameters?.id as string;
  const idempotencyKey = event.headers['idempotency-key'];
  if (!idempotencyKey) return json(400, { error: 'idempotency_key_required' });
  const Key = { id: { S: `${customer}#${idempotencyKey}` } };
  const hash = createHash('sha256')
    .update(event.body ?? '')
    .digest('hex');
  const now = Math.floor(Date.now() / 1000);
  try {
    await ddb.send(
      new PutItemCommand({
        TableName,
        Item: {
          ...Key,
          status: { S: 'INPROGRESS' },
          hash: { S: hash },
          expiration: { N: String(now + 86400) },
        },
        ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
        ExpressionAttributeValues: { ':now': { N: String(now) } },
      }),
    );
  } catch (e) {
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    const { Item } = await ddb.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    if (Item?.hash?.S !== hash) return json(422, { error: 'idempotency_key_reused' });
    if (Item.status?.S !== 'COMPLETED') return json(409, { error: 'request_in_progress' });
    return JSON.parse(Item.response?.S as string);
  }
  const body = JSON.parse(event.body ?? '{}');
  const res = await partnero('POST', `/customers/${encodeURIComponent(customer)}/balance/credit`, {
    amount: body.amount,
    amount_units: String(body.currency).toLowerCase(),
    is_currency: body.is_currency,
  });
  if (res.status >= 300) {
    await ddb.send(new DeleteItemCommand({ TableName, Key }));
    return json(502, { error: 'partnero' });
  }
  const answer = json(201, { customer_id: customer, balance: res.body.data });
  await ddb.send(
    new UpdateItemCommand({
      TableName,
      Key,
      UpdateExpression: 'SET #s = :s, #r = :r',
      ExpressionAttributeNames: { '#s': 'status', '#r': 'response' },
      ExpressionAttributeValues: { ':s': { S: 'COMPLETED' }, ':r': { S: JSON.stringify(answer) } },
    }),
  );
  return answer;
};
