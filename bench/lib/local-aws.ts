/**
 * The local AWS endpoint of the benchmark: the project's own (local/aws: Secrets Manager over the real
 * JSON 1.1 protocol, routed by `X-Amz-Target`), plus what it does not serve yet, written here —
 * DynamoDB `GetItem` / `BatchGetItem` / `PutItem` / `UpdateItem` / `DeleteItem` (JSON 1.0, the calls
 * of Powertools' idempotency layer and of the refund ledger) and an SQS `SendMessage` recorder (where
 * a consumer parks a message in its DLQ, which the order-events check counts as lost). Point
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `_DYNAMODB` / `_SQS` at `url`.
 *
 * Every container (child process) gets its own SecretId, created on its first GetSecretValue, and
 * reads are counted per SecretId: "Secrets Manager calls per warm container" is a plain lookup.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError, type AwsService } from '#local/aws/json-protocol.js';
import { LocalSecrets, secretsManagerService } from '#local/aws/secrets-manager.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { closeServer, listen } from '#local/listen.js';
import {
  type AttributeValue,
  applyUpdate,
  type ExpressionContext,
  evaluateCondition,
  type Item,
} from './ddb-expressions.js';

export interface LocalAwsOptions {
  /** The SecretString for a SecretId, or undefined → ResourceNotFoundException. */
  secretFor: (secretId: string) => string | undefined;
  /** Key attribute names per table; tables not listed use `['id']` (Powertools' default). */
  keySchemas?: Record<string, string[]>;
}

export interface LocalAws {
  url: string;
  /** GetSecretValue calls per SecretId (answered or not). */
  secretReads: Map<string, number>;
  /** Calls per `X-Amz-Target`. */
  calls: Record<string, number>;
  tables: Map<string, Map<string, Item>>;
  /** SQS SendMessage calls (parked messages). */
  sentMessages: { queueUrl: string; body: string }[];
  close(): Promise<void>;
}

const validation = (message: string) => new AwsError(400, 'ValidationException', message);

/** Wraps a DynamoDB operation so expression errors answer as DynamoDB's ValidationException. */
const guarded =
  (operation: (input: Record<string, unknown>) => unknown) =>
  (input: Record<string, unknown>): unknown => {
    try {
      return operation(input);
    } catch (e) {
      if (e instanceof AwsError) throw e;
      throw validation((e as Error).message);
    }
  };

/** DynamoDB tables in memory, conditional writes included. */
export function dynamoDbService(
  tables: Map<string, Map<string, Item>>,
  keySchemas: Record<string, string[]> = {},
) {
  const tableOf = (name: unknown): Map<string, Item> => {
    if (typeof name !== 'string' || name === '') throw validation('TableName is required');
    let table = tables.get(name);
    if (!table) {
      table = new Map();
      tables.set(name, table);
    }
    return table;
  };
  const keyOf = (tableName: string, source: Item | undefined): string =>
    JSON.stringify(
      (keySchemas[tableName] ?? ['id']).map((a) => {
        const value = source?.[a];
        if (!value) throw validation(`The provided key element ${a} is missing`);
        return value;
      }),
    );
  const ctxOf = (input: Record<string, unknown>): ExpressionContext => ({
    names: input.ExpressionAttributeNames as Record<string, string> | undefined,
    values: input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined,
  });
  const checkCondition = (input: Record<string, unknown>, existing: Item | undefined) => {
    const expression = input.ConditionExpression;
    if (typeof expression !== 'string' || expression === '') return;
    if (!evaluateCondition(expression, existing, ctxOf(input))) {
      throw new AwsError(
        400,
        'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        'The conditional request failed',
      );
    }
  };

  const service: AwsService = {
    name: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    jsonVersion: '1.0',
    operations: {
      GetItem: guarded((input) => {
        const item = tableOf(input.TableName).get(keyOf(String(input.TableName), input.Key as Item));
        return item ? { Item: item } : {};
      }),
      BatchGetItem: guarded((input) => {
        const requests = (input.RequestItems ?? {}) as Record<
          string,
          { Keys?: Item[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }
        >;
        const Responses: Record<string, Item[]> = {};
        for (const [tableName, request] of Object.entries(requests)) {
          const table = tableOf(tableName);
          const projection = request.ProjectionExpression?.split(',').map(
            (p) => request.ExpressionAttributeNames?.[p.trim()] ?? p.trim(),
          );
          Responses[tableName] = (request.Keys ?? []).flatMap((k) => {
            const item = table.get(keyOf(tableName, k));
            if (!item) return [];
            if (!projection) return [item];
            return [
              Object.fromEntries(
                projection.filter((a) => item[a]).map((a) => [a, item[a] as AttributeValue]),
              ),
            ];
          });
        }
        return { Responses, UnprocessedKeys: {} };
      }),
      PutItem: guarded((input) => {
        const table = tableOf(input.TableName);
        const item = input.Item as Item;
        const key = keyOf(String(input.TableName), item);
        const existing = table.get(key);
        checkCondition(input, existing);
        table.set(key, item);
        return input.ReturnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {};
      }),
      UpdateItem: guarded((input) => {
        const table = tableOf(input.TableName);
        const keyItem = input.Key as Item;
        const key = keyOf(String(input.TableName), keyItem);
        const existing = table.get(key);
        checkCondition(input, existing);
        const updated = applyUpdate(
          String(input.UpdateExpression ?? ''),
          existing ?? { ...keyItem },
          ctxOf(input),
        );
        table.set(key, updated);
        if (input.ReturnValues === 'ALL_NEW') return { Attributes: updated };
        if (input.ReturnValues === 'ALL_OLD' && existing) return { Attributes: existing };
        return {};
      }),
      DeleteItem: guarded((input) => {
        const table = tableOf(input.TableName);
        const key = keyOf(String(input.TableName), input.Key as Item);
        const existing = table.get(key);
        checkCondition(input, existing);
        table.delete(key);
        return input.ReturnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {};
      }),
    },
  };
  return service;
}

/** SQS SendMessage that only records the message (the benchmark's DLQ). */
function dlqRecorder(sent: { queueUrl: string; body: string }[]): AwsService {
  return {
    name: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      SendMessage: (input) => {
        const body = String(input.MessageBody ?? '');
        sent.push({ queueUrl: String(input.QueueUrl ?? ''), body });
        return { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
      },
    },
  };
}

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const secretReads = new Map<string, number>();
  const tables = new Map<string, Map<string, Item>>();
  const sentMessages: { queueUrl: string; body: string }[] = [];

  const secrets = new LocalSecrets('us-east-1');
  const secretsManager = secretsManagerService(secrets);
  const getSecretValue = secretsManager.operations.GetSecretValue as NonNullable<
    (typeof secretsManager.operations)[string]
  >;
  const counted: AwsService = {
    ...secretsManager,
    operations: {
      ...secretsManager.operations,
      GetSecretValue: (input) => {
        const id = String(input.SecretId ?? '');
        secretReads.set(id, (secretReads.get(id) ?? 0) + 1);
        const value = options.secretFor(id);
        if (value !== undefined && !secrets.find(id)) secrets.put(id, value);
        return getSecretValue(input);
      },
    },
  };

  const endpoint = createAwsEndpoint([
    counted,
    dynamoDbService(tables, options.keySchemas),
    dlqRecorder(sentMessages),
  ]);
  endpoint.server.keepAliveTimeout = 60_000;
  const port = await listen(endpoint.server, 0, '127.0.0.1', {
    what: 'benchmark AWS endpoint',
    setting: '-',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    secretReads,
    calls: endpoint.calls,
    tables,
    sentMessages,
    close: () => closeServer(endpoint.server),
  };
}
