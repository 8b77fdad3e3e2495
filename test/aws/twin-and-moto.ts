/**
 * Our local DynamoDB and moto side by side, each holding the project's tables as the twin creates them
 * (local/project-tables.ts), with a tee client that sends every command to both.
 */
import {
  type AttributeValue,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamoDbService, LocalDynamoDb } from '#local/aws/dynamodb/index.js';
import { createAwsEndpoint } from '#local/aws/server.js';
import { closeServer, listen } from '#local/listen.js';
import { createProjectTables, type TableNames } from '#local/project-tables.js';
import { type MotoServer, startMoto } from '#test/support/moto-server.js';
import { type Divergence, plainClient, scanAll, teeClient } from './dynamo-tee.js';

interface TableSetup {
  create: CreateTableCommandInput;
  ttlAttribute?: string;
}

/** The CreateTable requests (and TTL attributes) `createProjectTables` makes, read off a recording stand-in. */
export function projectTableSetups(names: TableNames): TableSetup[] {
  const setups: TableSetup[] = [];
  const recorder = {
    createTable: (input: CreateTableCommandInput) => setups.push({ create: structuredClone(input) }),
    table: (name: string) => ({
      set ttlAttribute(attribute: string) {
        const setup = setups.find((s) => s.create.TableName === name);
        if (setup) setup.ttlAttribute = attribute;
      },
    }),
  };
  createProjectTables(recorder as unknown as LocalDynamoDb, names);
  return setups;
}

export interface TwinAndMoto {
  moto: MotoServer;
  twinUrl: string;
  divergences: Divergence[];
  /** Creates the project's tables under `names` on both, with TTL. */
  createTables(names: TableNames): Promise<void>;
  deleteTables(names: TableNames): Promise<void>;
  /** Deletes every item of the tables `names`, on both. */
  clearTables(names: TableNames): Promise<void>;
  /** A tee client (its `client` is what the code under test gets). */
  tee(): ReturnType<typeof teeClient>;
  /** Items of `table` on the twin and on moto. */
  items(table: string): Promise<{ twin: unknown[]; moto: unknown[] }>;
  close(): Promise<void>;
}

export async function startTwinAndMoto(): Promise<TwinAndMoto> {
  const db = new LocalDynamoDb();
  const endpoint = createAwsEndpoint([dynamoDbService(db)]);
  const port = await listen(endpoint.server, 0, '127.0.0.1', { what: 'twin DynamoDB', setting: '-' });
  const twinUrl = `http://127.0.0.1:${port}`;
  const moto = await startMoto();
  const twin = plainClient(twinUrl);
  const motoClient = plainClient(`${moto.url}`);
  const divergences: Divergence[] = [];
  const both = [twin, motoClient];
  return {
    moto,
    twinUrl,
    divergences,
    createTables: async (names) => {
      for (const setup of projectTableSetups(names)) {
        for (const client of both) {
          await client.send(new CreateTableCommand(setup.create));
          if (setup.ttlAttribute) {
            await client.send(
              new UpdateTimeToLiveCommand({
                TableName: setup.create.TableName,
                TimeToLiveSpecification: { Enabled: true, AttributeName: setup.ttlAttribute },
              }),
            );
          }
        }
      }
    },
    deleteTables: async (names) => {
      for (const name of Object.values(names))
        for (const client of both) await client.send(new DeleteTableCommand({ TableName: name }));
    },
    clearTables: async (names) => {
      for (const table of Object.values(names)) {
        for (const client of both) {
          for (const item of await scanAll(client, table))
            await client.send(
              new DeleteItemCommand({ TableName: table, Key: { id: item.id as AttributeValue } }),
            );
        }
      }
    },
    tee: () => teeClient(twinUrl, moto.url, divergences),
    items: async (table) => ({ twin: await scanAll(twin, table), moto: await scanAll(motoClient, table) }),
    close: async () => {
      twin.destroy();
      motoClient.destroy();
      await closeServer(endpoint.server);
      await moto.stop();
    },
  };
}

/** What DescribeTable and DescribeTimeToLive say of a table's layout, on one endpoint. */
export async function layoutOf(url: string, table: string) {
  const client = plainClient(url);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    const sortBy = <T extends { AttributeName?: string }>(list: T[] = []) =>
      [...list].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
    return {
      TableStatus: Table?.TableStatus,
      KeySchema: Table?.KeySchema,
      AttributeDefinitions: sortBy(Table?.AttributeDefinitions),
      GlobalSecondaryIndexes: (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
        IndexName: i.IndexName,
        KeySchema: i.KeySchema,
        Projection: i.Projection,
        IndexStatus: i.IndexStatus,
      })),
      TimeToLive: ttl.TimeToLiveDescription,
    };
  } finally {
    client.destroy();
  }
}
