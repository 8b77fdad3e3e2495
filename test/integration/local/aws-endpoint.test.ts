import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LOCAL_TABLES } from '#local/config.js';
import { startTestSystem } from './helpers.js';

let env: Awaited<ReturnType<typeof startTestSystem>>;
// Default settings, as the functions create them: AWS_ENDPOINT_URL_* (set by the local system) points them here.
let secrets: SecretsManagerClient;
let events: EventBridgeClient;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  env = await startTestSystem();
  secrets = new SecretsManagerClient({});
  events = new EventBridgeClient({});
  sqs = new SQSClient({});
  dynamodb = new DynamoDBClient({});
});
afterAll(async () => {
  for (const client of [secrets, events, sqs, dynamodb]) client.destroy();
  await env.system.close();
});

describe('the SDK clients reach the local endpoint through AWS_ENDPOINT_URL_*', () => {
  it('sets the standard variables on this process', () => {
    expect(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe(env.system.urls.aws);
    expect(process.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(env.system.urls.aws);
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(env.system.urls.aws);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(env.system.urls.aws);
    expect(process.env.IDEMPOTENCY_STORE).toBeUndefined();
  });
});

describe('Secrets Manager (JSON 1.1, secretsmanager.GetSecretValue)', () => {
  it('serves the Partnero secret {apiKey} by name and by ARN', async () => {
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: env.system.secretName }));
    expect(JSON.parse(byName.SecretString ?? '{}')).toEqual({ apiKey: env.system.sandboxApiKey });
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:referrals\/partnero-[0-9a-f]{6}$/,
    );
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.VersionId).toBe(byName.VersionId);
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    const error = await secrets
      .send(new GetSecretValueCommand({ SecretId: 'nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toContain("can't find the specified secret");
  });

  it('stores a rotated value with PutSecretValue', async () => {
    const before = await secrets.send(new GetSecretValueCommand({ SecretId: env.system.secretName }));
    const rotated = JSON.stringify({ apiKey: 'pk_rotated' });
    const put = await secrets.send(
      new PutSecretValueCommand({ SecretId: env.system.secretName, SecretString: rotated }),
    );
    expect(put.VersionId).not.toBe(before.VersionId);
    const after = await secrets.send(new GetSecretValueCommand({ SecretId: env.system.secretName }));
    expect(after.SecretString).toBe(rotated);
    await secrets.send(
      new PutSecretValueCommand({ SecretId: env.system.secretName, SecretString: before.SecretString }),
    );
  });

  it('counts the calls per API (the benchmark reads GetSecretValue)', async () => {
    env.system.resetAwsCalls();
    await secrets.send(new GetSecretValueCommand({ SecretId: env.system.secretName }));
    await secrets.send(new GetSecretValueCommand({ SecretId: env.system.secretName }));
    expect(env.system.awsCalls['secretsmanager.GetSecretValue']).toBe(2);
    const over = await (await fetch(`${env.system.urls.aws}/_local/calls`)).json();
    expect(over).toEqual({ 'secretsmanager.GetSecretValue': 2 });
  });
});

describe('EventBridge (JSON 1.1, AWSEvents.PutEvents)', () => {
  it('publishes entries as full EventBridge events and answers one result per entry', async () => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: env.system.busName,
            Source: 'shop.orders',
            DetailType: 'Something Else',
            Detail: JSON.stringify({ hello: 'world' }),
            Resources: ['arn:aws:shop:::order/1'],
            Time: new Date('2026-01-02T03:04:05Z'),
          },
          {
            EventBusName: env.system.busName,
            Source: 'shop.orders',
            DetailType: 'Broken',
            Detail: 'not json',
          },
          { EventBusName: 'no-such-bus', Source: 'shop.orders', DetailType: 'X', Detail: '{}' },
          { EventBusName: env.system.busName, Source: 'shop.orders', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(out.Entries?.[2]).toMatchObject({ ErrorCode: 'ResourceNotFoundException' });
    expect(out.Entries?.[3]).toMatchObject({ ErrorCode: 'InvalidArgument' });

    const logged = env.system.activity
      .recent()
      .find((r) => r.kind === 'event' && r.event.id === out.Entries?.[0]?.EventId);
    expect(logged).toMatchObject({
      kind: 'event',
      bus: env.system.busName,
      rules: [],
      event: {
        version: '0',
        'detail-type': 'Something Else',
        source: 'shop.orders',
        account: '000000000000',
        time: '2026-01-02T03:04:05Z',
        region: 'us-east-1',
        resources: ['arn:aws:shop:::order/1'],
        detail: { hello: 'world' },
      },
    });
  });

  it('rejects more than 10 entries with a ValidationException', async () => {
    const entries = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }));
    await expect(events.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('logs events put on the default bus without delivering them to the project rule', async () => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop.orders', DetailType: 'Order Placed', Detail: JSON.stringify({ orderId: 'x' }) },
        ],
      }),
    );
    const record = env.system.activity
      .recent()
      .find((r) => r.kind === 'event' && r.event.id === out.Entries?.[0]?.EventId);
    expect(record).toMatchObject({ bus: 'default', rules: [] });
  });
});

describe('SQS (JSON 1.0, AmazonSQS.SendMessage)', () => {
  it('parks a message in the DLQ with its attributes (the SDK checks the body MD5)', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: env.system.deadLetterQueue.url,
        MessageBody: '{"parked":true}',
        MessageAttributes: {
          failure_reason: { DataType: 'String', StringValue: 'amount: expected a number' },
          failure_code: { DataType: 'String', StringValue: 'invalid_fields' },
          original_message_id: { DataType: 'String', StringValue: 'msg-1' },
        },
      }),
    );
    expect(sent.MessageId).toBeDefined();
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(env.system.deadLetterQueue.list().map((m) => m.body)).toContain('{"parked":true}');
    expect(env.system.activity.recent().at(-1)).toMatchObject({
      kind: 'dead-letter',
      via: 'send',
      messageId: 'msg-1',
      failureCode: 'invalid_fields',
    });

    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: env.system.deadLetterQueue.url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const message = received.Messages?.find((m) => m.MessageId === sent.MessageId);
    expect(message?.MessageAttributes?.failure_code?.StringValue).toBe('invalid_fields');
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: env.system.deadLetterQueue.url,
        ReceiptHandle: message?.ReceiptHandle,
      }),
    );
    expect(env.system.deadLetterQueue.list().some((m) => m.messageId === sent.MessageId)).toBe(false);
  });

  it('changes a received message’s visibility by its receipt handle (how the consumer delays a retry)', async () => {
    const QueueUrl = env.system.deadLetterQueue.url;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 600 }));
    const handle = first.Messages?.find((m) => m.Body === 'later')?.ReceiptHandle;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? []).toEqual([]);
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }),
    );
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(again.Messages?.map((m) => m.Body)).toEqual(['later']);
    const stale = await sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 5 }))
      .catch((e: unknown) => e);
    expect((stale as Error).name).toBe('ReceiptHandleIsInvalid');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }));
  });

  it('names the queues like SQS and reports the redrive policy', async () => {
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: 'referrals-local-order-events' }),
    );
    expect(QueueUrl).toBe(env.system.orderQueue.url);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: env.system.deadLetterQueue.arn,
      maxReceiveCount: 5,
    });
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    const error = await sqs
      .send(
        new SendMessageCommand({ QueueUrl: `${env.system.urls.aws}/000000000000/nope`, MessageBody: 'x' }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueDoesNotExist);
  });
});

describe('DynamoDB (JSON 1.0, DynamoDB_20120810.*)', () => {
  it('has the functions’ tables, laid out as the stack’s: key id, TTL on expiration, the sweep index', async () => {
    expect(env.system.dynamodb.tableNames()).toEqual(Object.values(LOCAL_TABLES).sort());
    expect(process.env.IDEMPOTENCY_TABLE_NAME).toBe(LOCAL_TABLES.idempotency);
    expect(process.env.ORDER_LEDGER_TABLE_NAME).toBe(LOCAL_TABLES.orderLedger);
    for (const TableName of Object.values(LOCAL_TABLES)) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName }));
      // The referral key map keeps its items: every shared link depends on them.
      expect(ttl.TimeToLiveDescription).toEqual(
        TableName === LOCAL_TABLES.referralKeys
          ? { TimeToLiveStatus: 'DISABLED' }
          : { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' },
      );
    }
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.orderLedger }));
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'sweep',
        KeySchema: [
          { AttributeName: 'sweepShard', KeyType: 'HASH' },
          { AttributeName: 'sweepAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      }),
    ]);
  });
});

describe('the wire protocol', () => {
  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    const res = await fetch(env.system.urls.aws, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.DeleteSecret',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const res = await fetch(env.system.urls.aws, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '[',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).__type).toBe('SerializationException');
  });
});
