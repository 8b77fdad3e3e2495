/**
 * The local AWS endpoint of the benchmark: the project's own (local/aws): Secrets Manager over the
 * real JSON 1.1 protocol and DynamoDB over JSON 1.0 (routed by `X-Amz-Target`), plus an SQS
 * `SendMessage` recorder written here (where a consumer parks a message in its DLQ, which the
 * order-events check counts as lost). Point `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `_DYNAMODB` / `_SQS`
 * at `url`.
 *
 * The tables the children use (`BENCH_TABLES`) are created up front, laid out as the stack makes them;
 * any other table is a ResourceNotFoundException, as on AWS.
 *
 * Every container (child process) gets its own SecretId, created on its first GetSecretValue, and
 * reads are counted per SecretId: "Secrets Manager calls per warm container" is a plain lookup.
 */
import { createHash, randomUUID } from 'node:crypto';
import { dynamoDbService, LocalDynamoDb } from '#local/aws/dynamodb/index.js';
import type { AwsService } from '#local/aws/json-protocol.js';
import { LocalSecrets, secretsManagerService } from '#local/aws/secrets-manager.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { closeServer, listen } from '#local/listen.js';
import { createProjectTables } from '#local/project-tables.js';
import { BENCH_EMAIL_HASH_SECRET, BENCH_TABLES } from './children.js';

export interface LocalAwsOptions {
  /** The SecretString for a SecretId, or undefined → ResourceNotFoundException. */
  secretFor: (secretId: string) => string | undefined;
}

export interface LocalAws {
  url: string;
  /** GetSecretValue calls per SecretId (answered or not). */
  secretReads: Map<string, number>;
  /** Calls per `X-Amz-Target`. */
  calls: Record<string, number>;
  /** The children's tables (`BENCH_TABLES`). */
  dynamodb: LocalDynamoDb;
  /** SQS SendMessage calls (parked messages). */
  sentMessages: { queueUrl: string; body: string }[];
  close(): Promise<void>;
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
  const dynamodb = new LocalDynamoDb();
  createProjectTables(dynamodb, BENCH_TABLES);
  const sentMessages: { queueUrl: string; body: string }[] = [];

  const secrets = new LocalSecrets('us-east-1');
  secrets.put(BENCH_EMAIL_HASH_SECRET, JSON.stringify({ hashKey: 'bench-email-hash-key' }));
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

  const endpoint = createAwsEndpoint([counted, dynamoDbService(dynamodb), dlqRecorder(sentMessages)]);
  endpoint.server.keepAliveTimeout = 60_000;
  const port = await listen(endpoint.server, 0, '127.0.0.1', {
    what: 'benchmark AWS endpoint',
    setting: '-',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    secretReads,
    calls: endpoint.calls,
    dynamodb,
    sentMessages,
    close: () => closeServer(endpoint.server),
  };
}
