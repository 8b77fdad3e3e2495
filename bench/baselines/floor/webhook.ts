/**
 * Floor — POST /webhooks/partnero: check the HMAC of the raw body, drop a repeated delivery with a
 * conditional DynamoDB put, republish on EventBridge. (Bundle-size reference for the webhook entry.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { json, partneroSecret } from '#bench/baselines/partnero.js';

const ddb = new DynamoDBClient({});
const events = new EventBridgeClient({});

export const handler = async (event: APIGatewayProxyEventV2) => {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const { webhookSecret } = await partneroSecret();
  const expected = createHmac('sha256', webhookSecret ?? '')
    .update(raw)
    .digest();
  const given = Buffer.from(event.headers.signature ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return json(401, { error: 'signature' });
  const delivery = JSON.parse(raw.toString('utf8'));
  try {
    await ddb.send(
      new PutItemCommand({
        TableName: process.env.IDEMPOTENCY_TABLE_NAME,
        Item: { id: { S: `webhook#${expected.toString('hex')}` } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return json(200, { duplicate: true });
    throw e;
  }
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'partnero',
          DetailType: String(delivery.event),
          Detail: JSON.stringify(delivery),
        },
      ],
    }),
  );
  return json(200, { published: true });
};
