/**
 * The local DynamoDB endpoint, driven by the real SDK clients (client-dynamodb, lib-dynamodb and
 * Powertools' DynamoDBPersistenceLayer) over HTTP.
 */

import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  QueryCommand as DocQuery,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { dynamoDbService, LocalDynamoDb, seededRandom } from '#local/aws/dynamodb/index.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { closeServer, listen } from '#local/listen.js';

const clock = { now: Date.now() };
const db = new LocalDynamoDb({ now: () => clock.now, random: seededRandom(7) });
const endpoint = createAwsEndpoint([dynamoDbService(db)]);
let url: string;
let ddb: DynamoDBClient;
let once: DynamoDBClient;
let doc: DynamoDBDocumentClient;

const client = (extra: Partial<DynamoDBClientConfig> = {}) =>
  new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...extra,
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
  );

beforeAll(async () => {
  const port = await listen(endpoint.server, 0, '127.0.0.1', { what: 'test DynamoDB', setting: '-' });
  url = `http://127.0.0.1:${port}`;
  ddb = client();
  once = client({ maxAttempts: 1 });
  doc = DynamoDBDocumentClient.from(ddb);
  db.createTable({
    TableName: 'items',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  db.table('items').ttlAttribute = 'expiration';
  db.createTable({
    TableName: 'idempotency',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  });
  db.table('idempotency').ttlAttribute = 'expiration';
  db.createTable({
    TableName: 'ledger',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'id', AttributeType: 'S' },
      { AttributeName: 'sweepShard', AttributeType: 'S' },
      { AttributeName: 'sweepAt', AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'sweep',
        KeySchema: [
          { AttributeName: 'sweepShard', KeyType: 'HASH' },
          { AttributeName: 'sweepAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });
  db.createTable({
    TableName: 'events',
    KeySchema: [
      { AttributeName: 'stream', KeyType: 'HASH' },
      { AttributeName: 'at', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'stream', AttributeType: 'S' },
      { AttributeName: 'at', AttributeType: 'S' },
    ],
  });
});
afterAll(async () => {
  for (const c of [ddb, once]) c.destroy();
  await closeServer(endpoint.server);
});
beforeEach(() => db.reset());

describe('tables', () => {
  it('creates, describes, lists and deletes tables, with TTL settings', async () => {
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: 'scratch',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(created.TableDescription).toMatchObject({ TableName: 'scratch', TableStatus: 'ACTIVE' });
    expect(created.TableDescription?.CreationDateTime).toBeInstanceOf(Date);
    const again = await failure(
      ddb.send(
        new CreateTableCommand({
          TableName: 'scratch',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        }),
      ),
    );
    expect(again).toBeInstanceOf(ResourceInUseException);
    const described = await ddb.send(new DescribeTableCommand({ TableName: 'ledger' }));
    expect(described.Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'sweep',
      IndexStatus: 'ACTIVE',
    });
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual([
      'events',
      'idempotency',
      'items',
      'ledger',
      'scratch',
    ]);
    const page = await ddb.send(new ListTablesCommand({ Limit: 2 }));
    expect(page).toMatchObject({
      TableNames: ['events', 'idempotency'],
      LastEvaluatedTableName: 'idempotency',
    });

    expect(
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'scratch' }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'scratch',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    expect(
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'scratch' }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    await ddb.send(new DeleteTableCommand({ TableName: 'scratch' }));
    expect(db.hasTable('scratch')).toBe(false);
  });

  it('answers ResourceNotFoundException for an unknown table instead of creating it', async () => {
    const error = await failure(
      ddb.send(new PutItemCommand({ TableName: 'nope', Item: { id: { S: 'a' } } })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Requested resource not found: Table: nope not found');
    expect(db.hasTable('nope')).toBe(false);
  });

  it('refuses malformed requests with a ValidationException', async () => {
    const cases = [
      new GetItemCommand({ TableName: 'items', Key: { id: { N: '1' } } }),
      new PutItemCommand({ TableName: 'items', Item: { other: { S: 'x' } } }),
      new PutItemCommand({
        TableName: 'items',
        Item: { id: { S: 'a' } },
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': 'id', '#unused': 'x' },
      }),
      new UpdateItemCommand({
        TableName: 'items',
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET status = :s',
        ExpressionAttributeValues: { ':s': { S: 'x' } },
      }),
      new UpdateItemCommand({
        TableName: 'items',
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET id = :s',
        ExpressionAttributeValues: { ':s': { S: 'x' } },
      }),
      new PutItemCommand({ TableName: 'ledger', Item: { id: { S: 'a' }, sweepAt: { S: 'soon' } } }),
    ];
    for (const command of cases) {
      const error = await failure(ddb.send(command as Parameters<DynamoDBClient['send']>[0]));
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    expect(db.table('items').size).toBe(0);
  });
});

describe('conditional writes', () => {
  const put = (status: string, extra: Partial<ConstructorParameters<typeof PutItemCommand>[0]> = {}) =>
    ddb.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { id: { S: 'k' }, state: { S: status } },
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': 'id' },
        ...extra,
      }),
    );

  it('refuses a second put and answers the stored item with ReturnValuesOnConditionCheckFailure=ALL_OLD', async () => {
    await put('first');
    const plain = await failure(put('second'));
    expect(plain).toBeInstanceOf(ConditionalCheckFailedException);
    expect((plain as ConditionalCheckFailedException).Item).toBeUndefined();
    const withItem = await failure(put('second', { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    expect(withItem).toBeInstanceOf(ConditionalCheckFailedException);
    expect(withItem.message).toBe('The conditional request failed');
    expect((withItem as ConditionalCheckFailedException).Item).toEqual({
      id: { S: 'k' },
      state: { S: 'first' },
    });
    expect(db.table('items').get({ id: { S: 'k' } })).toEqual({ id: { S: 'k' }, state: { S: 'first' } });
  });

  it('updates and deletes only when the condition holds', async () => {
    await put('claimed');
    const update = (owner: string) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: { id: { S: 'k' } },
          UpdateExpression: 'SET #owner = :owner',
          ConditionExpression: '#state = :claimed AND attribute_not_exists(#owner)',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':claimed': { S: 'claimed' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    await update('a');
    const second = (await failure(update('b'))) as ConditionalCheckFailedException;
    expect(second.Item?.owner).toEqual({ S: 'a' });

    const remove = (owner: string) =>
      ddb.send(
        new DeleteItemCommand({
          TableName: 'items',
          Key: { id: { S: 'k' } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    expect(await failure(remove('b'))).toBeInstanceOf(ConditionalCheckFailedException);
    await remove('a');
    expect(db.table('items').size).toBe(0);
  });
});

describe('ReturnValues', () => {
  const key = { id: 'r' };
  const update = (mode: 'NONE' | 'ALL_OLD' | 'ALL_NEW' | 'UPDATED_OLD' | 'UPDATED_NEW') =>
    doc.send(
      new UpdateCommand({
        TableName: 'items',
        Key: key,
        UpdateExpression: 'SET hits = hits + :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: mode,
      }),
    );

  it('answers every mode as DynamoDB does', async () => {
    expect(
      (
        await doc.send(
          new PutCommand({
            TableName: 'items',
            Item: { ...key, hits: 0, name_: 'x' },
            ReturnValues: 'ALL_OLD',
          }),
        )
      ).Attributes,
    ).toBeUndefined();
    const replaced = await doc.send(
      new PutCommand({ TableName: 'items', Item: { ...key, hits: 1, label: 'r' }, ReturnValues: 'ALL_OLD' }),
    );
    expect(replaced.Attributes).toEqual({ ...key, hits: 0, name_: 'x' });
    expect((await update('NONE')).Attributes).toBeUndefined();
    expect((await update('ALL_OLD')).Attributes).toEqual({ ...key, hits: 2, label: 'r' });
    expect((await update('ALL_NEW')).Attributes).toEqual({ ...key, hits: 4, label: 'r' });
    expect((await update('UPDATED_OLD')).Attributes).toEqual({ hits: 4 });
    expect((await update('UPDATED_NEW')).Attributes).toEqual({ hits: 6 });
    const deleted = await ddb.send(
      new DeleteItemCommand({ TableName: 'items', Key: { id: { S: 'r' } }, ReturnValues: 'ALL_OLD' }),
    );
    expect(deleted.Attributes).toEqual({ id: { S: 'r' }, hits: { N: '6' }, label: { S: 'r' } });
    const invalid = await failure(
      ddb.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'r' } }, ReturnValues: 'ALL_NEW' })),
    );
    expect(invalid.name).toBe('ValidationException');
  });
});

describe('update expressions through lib-dynamodb', () => {
  it('applies SET with arithmetic, if_not_exists and list_append, REMOVE, ADD and DELETE', async () => {
    await doc.send(
      new PutCommand({
        TableName: 'items',
        Item: {
          id: 'u',
          balance: 10,
          tags: new Set(['a', 'b']),
          history: ['created'],
          scratch: 'x',
          profile: { tier: 'gold' },
        },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: 'items',
        Key: { id: 'u' },
        UpdateExpression:
          'SET balance = balance - :two, visits = if_not_exists(visits, :zero) + :one, history = list_append(history, :more), profile.since = :year ' +
          'REMOVE scratch ADD points :five, badges :c DELETE tags :a',
        ExpressionAttributeValues: {
          ':two': 2,
          ':zero': 0,
          ':one': 1,
          ':more': ['updated'],
          ':year': 2024,
          ':five': 5,
          ':c': new Set(['c']),
          ':a': new Set(['a']),
        },
      }),
    );
    const { Item } = await doc.send(
      new GetCommand({ TableName: 'items', Key: { id: 'u' }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      id: 'u',
      balance: 8,
      visits: 1,
      history: ['created', 'updated'],
      profile: { tier: 'gold', since: 2024 },
      points: 5,
      tags: new Set(['b']),
      badges: new Set(['c']),
    });
    const projected = await doc.send(
      new GetCommand({
        TableName: 'items',
        Key: { id: 'u' },
        ProjectionExpression: 'balance, profile.#t',
        ExpressionAttributeNames: { '#t': 'tier' },
      }),
    );
    expect(projected.Item).toEqual({ balance: 8, profile: { tier: 'gold' } });
  });
});

describe('Query and Scan', () => {
  beforeEach(async () => {
    const writes = [
      ...[5, 100, 10, 9, 50].map((at, i) => ({ id: `order#${i}`, sweepShard: 'sweep#0', sweepAt: at })),
      { id: 'order#other-shard', sweepShard: 'sweep#1', sweepAt: 7 },
      { id: 'order#settled', state: 'recorded' }, // no sweep attributes: not in the sparse index
    ];
    for (const Item of writes) await doc.send(new PutCommand({ TableName: 'ledger', Item }));
  });

  const sweep = (extra: Record<string, unknown> = {}) =>
    doc.send(
      new DocQuery({
        TableName: 'ledger',
        IndexName: 'sweep',
        KeyConditionExpression: '#shard = :shard AND #at <= :now',
        ExpressionAttributeNames: { '#shard': 'sweepShard', '#at': 'sweepAt' },
        ExpressionAttributeValues: { ':shard': 'sweep#0', ':now': 50 },
        ...extra,
      }),
    );

  it('queries a sparse GSI by sort key range, numbers in numeric order, in both directions', async () => {
    expect((await sweep()).Items?.map((i) => i.sweepAt)).toEqual([5, 9, 10, 50]);
    expect((await sweep({ ScanIndexForward: false })).Items?.map((i) => i.sweepAt)).toEqual([50, 10, 9, 5]);
    const between = await doc.send(
      new DocQuery({
        TableName: 'ledger',
        IndexName: 'sweep',
        KeyConditionExpression: 'sweepShard = :shard AND sweepAt BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':shard': 'sweep#0', ':lo': 9, ':hi': 100 },
      }),
    );
    expect(between.Items?.map((i) => i.id)).toEqual(['order#3', 'order#2', 'order#4', 'order#1']);
    const count = await sweep({ Select: 'COUNT' });
    expect(count).toMatchObject({ Count: 4, ScannedCount: 4 });
    expect(count.Items).toBeUndefined();
    const scanned = await ddb.send(new ScanCommand({ TableName: 'ledger', IndexName: 'sweep' }));
    expect(scanned.Count).toBe(6);
  });

  it('pages with Limit and ExclusiveStartKey, LastEvaluatedKey holding the index and table keys', async () => {
    const first = await sweep({ Limit: 3 });
    expect(first.Items?.map((i) => i.sweepAt)).toEqual([5, 9, 10]);
    expect(first.LastEvaluatedKey).toEqual({ id: 'order#2', sweepShard: 'sweep#0', sweepAt: 10 });
    const second = await sweep({ Limit: 3, ExclusiveStartKey: first.LastEvaluatedKey });
    expect(second.Items?.map((i) => i.sweepAt)).toEqual([50]);
    expect(second.LastEvaluatedKey).toBeUndefined();
    // Limit counts the items read, before the filter.
    const filtered = await sweep({
      Limit: 2,
      FilterExpression: '#at > :nine',
      ExpressionAttributeValues: { ':shard': 'sweep#0', ':now': 50, ':nine': 9 },
    });
    expect(filtered).toMatchObject({ Count: 0, ScannedCount: 2, LastEvaluatedKey: { sweepAt: 9 } });
  });

  it('queries a table by partition and string sort key (begins_with, <, >=)', async () => {
    for (const at of ['2024-01-02', '2024-01-10', '2024-02-01', '2023-12-31']) {
      await doc.send(
        new PutCommand({ TableName: 'events', Item: { stream: 's', at, body: at.slice(0, 7) } }),
      );
    }
    await doc.send(new PutCommand({ TableName: 'events', Item: { stream: 't', at: '2024-01-05' } }));
    const query = async (condition: string, values: Record<string, string>) =>
      (
        await doc.send(
          new DocQuery({
            TableName: 'events',
            KeyConditionExpression: `#stream = :s AND ${condition}`,
            ExpressionAttributeNames: { '#stream': 'stream', '#at': 'at' },
            ExpressionAttributeValues: { ':s': 's', ...values },
          }),
        )
      ).Items?.map((i) => i.at);
    expect(await query('begins_with(#at, :p)', { ':p': '2024-01' })).toEqual(['2024-01-02', '2024-01-10']);
    expect(await query('#at < :t', { ':t': '2024-01-10' })).toEqual(['2023-12-31', '2024-01-02']);
    expect(await query('#at >= :t', { ':t': '2024-01-10' })).toEqual(['2024-01-10', '2024-02-01']);
    const missingPartition = await failure(
      ddb.send(
        new QueryCommand({
          TableName: 'events',
          KeyConditionExpression: '#at > :t',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':t': { S: 'a' } },
        }),
      ),
    );
    expect(missingPartition.message).toBe('Query condition missed key schema element: stream');
  });

  it('scans with a filter and pages', async () => {
    const all = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new DocQuery({
          TableName: 'ledger',
          IndexName: 'sweep',
          KeyConditionExpression: 'sweepShard = :s',
          ExpressionAttributeValues: { ':s': 'sweep#0' },
          Limit: 2,
          ExclusiveStartKey,
        }),
      );
      all.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    expect(all.map((i) => i.sweepAt)).toEqual([5, 9, 10, 50, 100]);
    const scan = await ddb.send(
      new ScanCommand({
        TableName: 'ledger',
        FilterExpression: 'attribute_not_exists(sweepShard)',
        ProjectionExpression: 'id',
      }),
    );
    expect(scan.Items).toEqual([{ id: { S: 'order#settled' } }]);
    expect(scan.ScannedCount).toBe(7);
  });
});

describe('batches', () => {
  it('writes and reads batches, with a projection', async () => {
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          items: [
            { PutRequest: { Item: { id: { S: 'a' }, v: { N: '1' } } } },
            { PutRequest: { Item: { id: { S: 'b' }, v: { N: '2' } } } },
          ],
          events: [{ PutRequest: { Item: { stream: { S: 's' }, at: { S: '1' } } } }],
        },
      }),
    );
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { items: [{ DeleteRequest: { Key: { id: { S: 'b' } } } }] },
      }),
    );
    const read = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          items: { Keys: [{ id: { S: 'a' } }, { id: { S: 'b' } }], ProjectionExpression: 'v' },
          events: { Keys: [{ stream: { S: 's' }, at: { S: '1' } }] },
        },
      }),
    );
    expect(read.Responses).toEqual({
      items: [{ v: { N: '1' } }],
      events: [{ stream: { S: 's' }, at: { S: '1' } }],
    });
    expect(read.UnprocessedKeys).toEqual({});
  });
});

describe('transactions', () => {
  it('applies every action of a TransactWriteItems, or none with a reason per action', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 't1' }, v: { N: '1' } } }));
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'items',
              Key: { id: { S: 't1' } },
              UpdateExpression: 'SET v = v + :one',
              ConditionExpression: 'v = :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          { Put: { TableName: 'items', Item: { id: { S: 't2' }, v: { N: '9' } } } },
        ],
      }),
    );
    const get = async (id: string) =>
      (await ddb.send(new GetItemCommand({ TableName: 'items', Key: { id: { S: id } } }))).Item;
    expect(await get('t1')).toEqual({ id: { S: 't1' }, v: { N: '2' } });
    const error = await ddb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: 'items', Key: { id: { S: 't2' } } } },
            {
              Update: {
                TableName: 'items',
                Key: { id: { S: 't1' } },
                UpdateExpression: 'SET v = :zero',
                ConditionExpression: 'v = :one',
                ExpressionAttributeValues: { ':one': { N: '1' }, ':zero': { N: '0' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { id: { S: 't1' }, v: { N: '2' } },
      },
    ]);
    expect(await get('t2')).toEqual({ id: { S: 't2' }, v: { N: '9' } }); // the delete was not applied
  });

  it('refuses two actions on one item', async () => {
    const error = await ddb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'items', Item: { id: { S: 'x' } } } },
            { Delete: { TableName: 'items', Key: { id: { S: 'x' } } } },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('ValidationException');
  });
});

describe('time to live', () => {
  it('treats an expired item as deleted: not read, not queried, free for a conditional put', async () => {
    const seconds = Math.floor(clock.now / 1000);
    await doc.send(new PutCommand({ TableName: 'items', Item: { id: 'ttl', expiration: seconds + 10 } }));
    await doc.send(new PutCommand({ TableName: 'items', Item: { id: 'keeps', expiration: seconds + 1000 } }));
    expect((await doc.send(new GetCommand({ TableName: 'items', Key: { id: 'ttl' } }))).Item).toBeDefined();
    clock.now += 11_000;
    try {
      expect(
        (await doc.send(new GetCommand({ TableName: 'items', Key: { id: 'ttl' } }))).Item,
      ).toBeUndefined();
      expect((await ddb.send(new ScanCommand({ TableName: 'items' }))).Items?.map((i) => i.id?.S)).toEqual([
        'keeps',
      ]);
      await doc.send(
        new PutCommand({
          TableName: 'items',
          Item: { id: 'ttl' },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } finally {
      clock.now -= 11_000;
    }
  });
});

describe('fault injection', () => {
  const item = (id: string) => ({ TableName: 'items', Item: { id: { S: id } } });

  it('throttles without applying the call', async () => {
    db.faults.set({ rate: 1, kinds: ['throttle'], operations: ['PutItem'], count: 1 });
    const error = await failure(once.send(new PutItemCommand(item('t'))));
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(db.table('items').size).toBe(0);
    await once.send(new PutItemCommand(item('t'))); // count: 1, so the rule is spent
    expect(db.table('items').size).toBe(1);
    expect(db.faults.injected).toEqual([{ operation: 'PutItem', tables: ['items'], kind: 'throttle' }]);
  });

  it('fails with a 500 without applying the call', async () => {
    db.faults.set({ rate: 1, kinds: ['internal'], tables: ['items'] });
    const error = await failure(once.send(new PutItemCommand(item('i'))));
    expect(error.name).toBe('InternalServerError');
    expect(error.$metadata.httpStatusCode).toBe(500);
    await once.send(
      new PutItemCommand({ TableName: 'events', Item: { stream: { S: 's' }, at: { S: '1' } } }),
    );
    db.faults.clear();
    expect(db.table('items').size).toBe(0);
    expect(db.table('events').size).toBe(1);
  });

  it('commit-then-fail applies the write, then fails; the retry then meets its own write', async () => {
    db.faults.set({ rate: 1, kinds: ['commit-then-fail'], count: 1 });
    const error = await failure(once.send(new PutItemCommand(item('c'))));
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(db.table('items').get({ id: { S: 'c' } })).toEqual({ id: { S: 'c' } });

    // With the SDK's retries, a conditional put fails on its own first attempt.
    db.faults.set({ rate: 1, kinds: ['commit-then-fail'], count: 1 });
    const retried = await failure(
      ddb.send(
        new PutItemCommand({
          ...item('d'),
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    expect(retried).toBeInstanceOf(ConditionalCheckFailedException);
    expect((retried as ConditionalCheckFailedException).Item).toEqual({ id: { S: 'd' } });
    expect(db.calls.PutItem).toBe(3);
  });

  it('injects at the given rate, reproducibly with a seeded random', async () => {
    const run = async (seed: number) => {
      const local = new LocalDynamoDb({ random: seededRandom(seed) });
      local.faults.set({ rate: 0.5, kinds: ['throttle', 'internal'] });
      return Array.from({ length: 20 }, () => local.faults.pick('GetItem', ['items']) ?? '-');
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(first.filter((k) => k !== '-').length).toBeGreaterThan(3);
    expect(first.filter((k) => k === '-').length).toBeGreaterThan(3);
  });
});

describe("Powertools' idempotency layer on the local endpoint", () => {
  it('records the call in progress, refuses the same key meanwhile, completes it and replays the answer', async () => {
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'idempotency', awsSdkV3Client: ddb });
    let calls = 0;
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = makeIdempotent(
      async (event: { key: string; amount: number }, _context: Context) => {
        calls += 1;
        started();
        await gate;
        return { credited: event.amount };
      },
      { persistenceStore, config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }) },
    );
    // A Lambda context: Powertools then also stores the in-progress expiry (now + remaining time).
    const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    const credit = (event: { key: string; amount: number }) => handler(event, context);
    const status = () =>
      db
        .table('idempotency')
        .all()
        .map((item) => item.status);

    const first = credit({ key: 'k1', amount: 5 });
    await running;
    expect(status()).toEqual([{ S: 'INPROGRESS' }]);
    expect(db.table('idempotency').all()[0]?.in_progress_expiration).toBeDefined();
    await expect(credit({ key: 'k1', amount: 5 })).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    release();
    expect(await first).toEqual({ credited: 5 });
    expect(status()).toEqual([{ S: 'COMPLETED' }]);
    expect(await credit({ key: 'k1', amount: 5 })).toEqual({ credited: 5 });
    expect(calls).toBe(1);
    // Each later call is one conditional PutItem: the refusal carries the record (no GetItem).
    expect(db.calls).toEqual({ PutItem: 3, UpdateItem: 1 });
  });
});
