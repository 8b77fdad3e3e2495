import { dynamoDbService, LocalDynamoDb, type LocalDynamoDbOptions } from '#local/aws/dynamodb/index.js';
import { eventBridgeService } from '#local/aws/eventbridge.js';
import { QueueRegistry } from '#local/aws/queue-registry.js';
import { LocalSecrets, secretsManagerService } from '#local/aws/secrets-manager.js';
import { type AwsEndpoint, createAwsEndpoint } from '#local/aws/server.js';
import { sqsService } from '#local/aws/sqs.js';
import type { ActivityLog } from '#local/bus/activity-log.js';
import { LocalEventBus } from '#local/bus/event-bus.js';
import { DEFAULT_PORTS, LOCAL_BUS_NAME, LOCAL_TABLES } from '#local/config.js';
import { closeServer, listen } from '#local/listen.js';
import { createProjectTables } from '#local/project-tables.js';
import { internalHost } from './hosts.js';

/** What the local AWS services hold: the secrets, the project's bus, the queues and the tables. */
export interface AwsResources {
  secrets: LocalSecrets;
  bus: LocalEventBus;
  queues: QueueRegistry;
  dynamodb: LocalDynamoDb;
}

export interface RunningAwsEndpoint extends AwsEndpoint {
  port: number;
  /** What the functions' SDK clients and the queue URLs point at. */
  url: string;
  close(): Promise<void>;
}

/** The services' state, with the project's bus and tables made as the stack makes them. */
export function createAwsResources(
  region: string,
  activity: ActivityLog,
  dynamodbOptions?: LocalDynamoDbOptions,
): AwsResources {
  const secrets = new LocalSecrets(region);
  const bus = new LocalEventBus(region, activity);
  bus.createBus(LOCAL_BUS_NAME);
  const queues = new QueueRegistry();
  const dynamodb = new LocalDynamoDb({ region, ...dynamodbOptions });
  createProjectTables(dynamodb, LOCAL_TABLES);
  return { secrets, bus, queues, dynamodb };
}

/** Secrets Manager, EventBridge, SQS and DynamoDB on one port, plus `/_local/queues` and `/_local/tables`. */
export async function startAwsEndpoint(
  { secrets, bus, queues, dynamodb }: AwsResources,
  host: string,
  port: number = DEFAULT_PORTS.aws,
): Promise<RunningAwsEndpoint> {
  const endpoint = createAwsEndpoint(
    [secretsManagerService(secrets), eventBridgeService(bus), sqsService(queues), dynamoDbService(dynamodb)],
    {
      '/_local/queues': () =>
        queues.all().map((q) => ({ name: q.name, url: q.url, depth: q.depth, messages: q.list() })),
      '/_local/tables': () =>
        dynamodb.tableNames().map((name) => ({ name, items: dynamodb.table(name).all() })),
    },
  );
  const boundPort = await listen(endpoint.server, port, host, {
    what: 'local AWS endpoint',
    setting: 'AWS_PORT=<port> or --aws-port <port>',
  });
  return {
    ...endpoint,
    port: boundPort,
    url: `http://${internalHost(host)}:${boundPort}`,
    close: () => closeServer(endpoint.server),
  };
}
