/**
 * moto's DynamoDB in the shape of `LocalDynamo` (test/support/local-dynamo.ts), so the orders world and
 * the exactly-once schedules of test/chaos run against an implementation we did not write:
 * - the project's tables on moto, created as the twin creates them;
 * - SDK clients with the same quick retries, and the same fault injection (`db.faults`: throttles,
 *   500s, writes that commit and then fail), applied in the client's HTTP handler since moto has none;
 * - `ledgerItems()` and `reset()` synchronous, as the harness calls them, through a worker thread that
 *   makes the HTTP calls while this thread waits on an Atomics flag.
 */
import { Readable } from 'node:stream';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Faults } from '#local/aws/dynamodb/faults.js';
import { type LocalDynamo, quickRetries, TEST_TABLES, tableUsers } from '#test/support/local-dynamo.js';
import type { MotoServer } from '#test/support/moto-server.js';
import { projectTableSetups } from './twin-and-moto.js';

type Item = Record<string, AttributeValue>;
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=test/20260601/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

/** The worker: runs `{op, table}` requests against moto and posts the answer on the port it was given. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const call = async (target, body) => {
  const res = await fetch(workerData.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.' + target,
      authorization: workerData.authorization,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(target + ': HTTP ' + res.status + ' ' + text);
  return JSON.parse(text);
};
const scan = async (table) => {
  const items = [];
  let start;
  do {
    const page = await call('Scan', { TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) });
    items.push(...(page.Items || []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};
parentPort.on('message', async ({ op, tables, port, flag }) => {
  let reply;
  try {
    if (op === 'scan') reply = { items: await scan(tables[0]) };
    else {
      for (const table of tables)
        for (const item of await scan(table)) await call('DeleteItem', { TableName: table, Key: { id: item.id } });
      reply = { items: [] };
    }
  } catch (error) {
    reply = { error: String(error && error.message || error) };
  }
  port.postMessage(reply);
  const view = new Int32Array(flag);
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
});
`;

/** Synchronous scans and clears of moto's tables (the harness reads the ledger without awaiting). */
class SyncTables {
  private readonly worker: Worker;

  constructor(url: string) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url, authorization: AUTHORIZATION },
    });
    this.worker.unref();
  }

  private run(op: 'scan' | 'clear', tables: string[]): Item[] {
    const flag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ op, tables, port: port2, flag }, [port2]);
    // Waits for the worker's answer; no timing involved (the flag is set whatever the outcome).
    Atomics.wait(new Int32Array(flag), 0, 0);
    const reply = receiveMessageOnPort(port1)?.message as { items?: Item[]; error?: string } | undefined;
    port1.close();
    if (!reply || reply.error) throw new Error(`moto ${op} failed: ${reply?.error ?? 'no answer'}`);
    return reply.items ?? [];
  }

  scan(table: string): Item[] {
    return this.run('scan', [table]);
  }

  clear(tables: string[]): void {
    this.run('clear', tables);
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const faultAnswer = (status: number, type: string, message: string) => ({
  response: {
    statusCode: status,
    reason: status === 500 ? 'Internal Server Error' : 'Bad Request',
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Readable.from([
      Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message })),
    ]),
  },
});

/**
 * One request inside moto at a time. moto's server runs each request on its own thread and checks a
 * write's condition and applies it without a lock, so two conditional writes of one item sent together
 * can both pass against the same old item (docs/local.md, "Concurrent conditional writes"; pinned in
 * dynamodb-known-differences.test.ts). DynamoDB applies each request to an item atomically: sent one at a
 * time, the requests of concurrent invocations still interleave, call by call, as they can on DynamoDB.
 */
export function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>): Promise<T> => {
    const turn = last.then(run, run);
    last = turn.catch(() => undefined);
    return turn;
  };
}

/** NodeHttpHandler with `faults` applied as the twin's endpoint applies them (local/aws/dynamodb/faults.ts). */
function faultyHandler(faults: Faults, serial: ReturnType<typeof oneAtATime>): NodeHttpHandler {
  const inner = new NodeHttpHandler();
  const handler = Object.create(inner) as NodeHttpHandler;
  handler.handle = async (request, options) => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let tables: string[] = [];
    try {
      const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : request.body;
      const input = JSON.parse(typeof body === 'string' ? body : '{}') as {
        TableName?: string;
        TransactItems?: object[];
      };
      tables = input.TableName
        ? [input.TableName]
        : [
            ...new Set(
              (input.TransactItems ?? []).flatMap((a) =>
                Object.values(a).map((x) => (x as { TableName?: string }).TableName ?? ''),
              ),
            ),
          ];
    } catch {
      // not JSON: no table
    }
    const kind = faults.pick(operation, tables);
    if (kind === 'throttle') {
      return faultAnswer(
        400,
        'ProvisionedThroughputExceededException',
        'Throughput exceeded (injected)',
      ) as never;
    }
    if (kind === 'internal')
      return faultAnswer(500, 'InternalServerError', 'Internal error (injected)') as never;
    // moto builds its whole answer before it sends the head: once the head is here, the write is done.
    const answer = await serial(() => inner.handle(request, options));
    if (kind !== 'commit-then-fail') return answer;
    // Applied on moto; the answer is lost and replaced by a 500, so the SDK retries a write that landed.
    answer.response.body?.resume?.();
    return faultAnswer(500, 'InternalServerError', 'Internal error after commit (injected)') as never;
  };
  return handler;
}

/**
 * moto's DynamoDB with the project's tables under TEST_TABLES, shaped like `startLocalDynamo()`'s
 * answer. `db` carries only `faults` (and `calls`): there is no in-process table to read.
 */
export async function motoDynamo(moto: MotoServer, seed = 1) {
  const faults = new Faults();
  faults.reseed(seed);
  const serial = oneAtATime();
  const calls: Record<string, number> = {};
  const admin = new DynamoDBClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  const { CreateTableCommand, UpdateTimeToLiveCommand } = await import('@aws-sdk/client-dynamodb');
  for (const setup of projectTableSetups(TEST_TABLES)) {
    await admin.send(new CreateTableCommand(setup.create));
    if (setup.ttlAttribute) {
      await admin.send(
        new UpdateTimeToLiveCommand({
          TableName: setup.create.TableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: setup.ttlAttribute },
        }),
      );
    }
  }
  admin.destroy();
  const sync = new SyncTables(moto.url);
  /** The ledger as last scanned, while no write was sent since (moto changes only through these clients). */
  let cached: Item[] | undefined;
  const clients: DynamoDBClient[] = [];
  const client = (maxAttempts = 3) => {
    const created = new DynamoDBClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts,
      retryStrategy: quickRetries(maxAttempts),
      requestHandler: faultyHandler(faults, serial),
    });
    created.middlewareStack.add(
      (next, context) => (args) => {
        const name = String(context.commandName);
        calls[name] = (calls[name] ?? 0) + 1;
        if (!WRITES.has(name)) return next(args);
        // The ledger read back is stale from the moment a write may land until it has.
        cached = undefined;
        return next(args).finally(() => {
          cached = undefined;
        });
      },
      { step: 'initialize', name: 'countCalls' },
    );
    clients.push(created);
    return created;
  };
  const shared = client();
  const dynamo = {
    db: { faults, calls },
    url: moto.url,
    client,
    ...tableUsers(shared),
    ledgerItems: () => {
      cached ??= sync.scan(TEST_TABLES.orderLedger);
      return structuredClone(cached);
    },
    reset: () => {
      cached = undefined;
      sync.clear(Object.values(TEST_TABLES));
      faults.clear();
      for (const name of Object.keys(calls)) delete calls[name];
    },
    close: async () => {
      for (const c of clients) c.destroy();
      await sync.close();
    },
  };
  return dynamo as unknown as LocalDynamo & { db: { faults: Faults; calls: Record<string, number> } };
}
