import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EntryName } from '#infra/entries.js';
import { createIdempotentCredit } from '#shared/credits/idempotent-credit.js';
import type { Order } from '#shared/orders/order.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { createPublishOnce } from '#shared/webhooks/publish-once.js';
import { lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import { type Statement, statementsFor, statementsOf, synth } from './synth.js';

/**
 * The `dynamodb:LeadingKeys` conditions of the stack, checked against the requests the functions' own
 * code sends: the shared modules run against the local DynamoDB, every request is recorded with the
 * partition key IAM would see (the table's `id`, or the index's `sweepShard` for a Query on the sweep
 * index), and each must be allowed by the role of the function that sends it (and refused by the others).
 */

/** One DynamoDB request as IAM authorizes it. */
interface Request {
  table: 'idempotency' | 'orderLedger';
  index?: string;
  action: string;
  leadingKey: string;
}

const TABLE_OF: Record<string, Request['table']> = {
  [TEST_TABLES.idempotency]: 'idempotency',
  [TEST_TABLES.orderLedger]: 'orderLedger',
};
/** Logical-id prefix of each table in the template. */
const TABLE_ID: Record<Request['table'], string> = {
  idempotency: 'IdempotencyTable',
  orderLedger: 'OrderLedgerTable',
};

type Input = Record<string, unknown> & { TableName?: string };
type Key = Record<string, { S?: string }>;

/** The partition key value of a Query: the value bound to the first `name = :value` of its key condition. */
function queriedKey(input: Input): string {
  const [, , placeholder] = /^\s*(\S+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression)) ?? [];
  const values = input.ExpressionAttributeValues as Key;
  return values[placeholder ?? '']?.S ?? '';
}

/** The requests one SDK command makes, as IAM sees them (a transaction is one request per item). */
function requestsOf(command: string, input: Input): Request[] {
  const one = (action: string, i: Input, key: string): Request => ({
    table: TABLE_OF[String(i.TableName)] ?? 'orderLedger',
    action,
    leadingKey: key,
    ...(typeof i.IndexName === 'string' ? { index: i.IndexName } : {}),
  });
  const idOf = (k: unknown) => (k as Key).id?.S ?? '';
  switch (command) {
    case 'PutItemCommand':
      return [one('PutItem', input, idOf(input.Item))];
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [one(command.replace('Command', ''), input, idOf(input.Key))];
    case 'QueryCommand':
      return [one('Query', input, queriedKey(input))];
    case 'TransactWriteItemsCommand':
      return (input.TransactItems as Record<string, Input>[]).flatMap((item) =>
        Object.entries(item).map(([kind, i]) =>
          one(kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`, i, idOf(i.Key ?? i.Item)),
        ),
      );
    default:
      throw new Error(`${command} is not modelled here: add how IAM sees it`);
  }
}

/** A DynamoDB client of the local endpoint that records the requests it sends. */
function recordingClient(dynamo: LocalDynamo, into: Request[]): DynamoDBClient {
  const client = dynamo.client();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      into.push(...requestsOf(String(context.commandName), args.input as Input));
      return next(args);
    },
    { step: 'initialize', name: 'recordLeadingKeys' },
  );
  return client;
}

// ---- the policy side ---------------------------------------------------------------------------

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** Whether a statement's resource is the table itself or one of its indexes (and which). */
function resourceOf(resource: unknown): { table: string; index?: string } {
  const text = JSON.stringify(resource);
  const table = /"Fn::GetAtt":\["(\w+?)[0-9A-F]{8}","Arn"\]/.exec(text)?.[1] ?? '?';
  const index = /"\/index\/([^"]+)"/.exec(text)?.[1];
  return index ? { table, index } : { table };
}

function conditionHolds(condition: Statement['Condition'], key: string): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys as Record<string, string | string[]>).every(([name, values]) => {
      if (name !== 'dynamodb:LeadingKeys') throw new Error(`unexpected condition key ${name}`);
      const allowed = [values].flat();
      if (operator === 'ForAllValues:StringLike') return allowed.some((p) => glob(p).test(key));
      if (operator === 'ForAllValues:StringEquals') return allowed.includes(key);
      throw new Error(`unexpected condition operator ${operator}`);
    }),
  );
}

let template: ReturnType<typeof synth>['template'];
beforeAll(() => {
  template = synth().template;
});
function allows(fn: EntryName, request: Request): boolean {
  return statementsFor(statementsOf(template, fn), 'dynamodb').some((s) =>
    (s.Resource as unknown[]).some((resource) => {
      const { table, index } = resourceOf(resource);
      return (
        s.Effect === 'Allow' &&
        [s.Action].flat().includes(`dynamodb:${request.action}`) &&
        table === TABLE_ID[request.table] &&
        index === request.index &&
        conditionHolds(s.Condition, request.leadingKey)
      );
    }),
  );
}
const refusedBy = (fns: EntryName[], requests: Request[]) =>
  fns.flatMap((fn) =>
    requests.filter((r) => !allows(fn, r)).map((r) => `${fn} may not ${r.action} ${r.leadingKey}`),
  );

// ---- the code side ------------------------------------------------------------------------------

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const LEDGER_USERS: EntryName[] = ['createTransactions', 'refundTransaction', 'orderConsumer', 'reconciler'];
const order = (orderId: string): Order => ({
  orderId,
  customerKey: 'bob',
  amount: 100,
  currency: 'usd',
  action: 'sale',
});

describe('dynamodb:LeadingKeys against the requests the code sends', () => {
  it('lets every ledger function claim, settle, refund and sweep, and nothing else touch the ledger', async () => {
    const requests: Request[] = [];
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const ledger = dynamo.ledger(
      { leaseMs: 1_000, verifyDelayMs: 1_000 },
      () => clock,
      recordingClient(dynamo, requests),
    );
    for (const id of ['ord-1', 'ord-2', 'ord-3']) await ledger.claim(order(id), 'worker-a');
    await ledger.finish('ord-1', 'worker-a', { state: 'recorded', reward: 10, verify: true });
    await ledger.finishAll('worker-a', [
      { orderId: 'ord-2', settlement: { state: 'recorded', reward: 10, verify: false } },
      { orderId: 'ord-3', settlement: { state: 'not_referred', reason: 'nobody' } },
    ]);
    await ledger.requestRefund('ord-2');
    clock += 60 * 60_000;
    const due = await ledger.due(10);
    expect(due.length).toBeGreaterThan(0);

    const actions = new Set(requests.map((r) => `${r.action}${r.index ? ` on ${r.index}` : ''}`));
    expect([...actions].sort()).toEqual(['PutItem', 'Query on sweep', 'UpdateItem']);
    expect(requests.filter((r) => r.index === 'sweep').map((r) => r.leadingKey)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sweep#\d$/)]),
    );
    // Every ledger function claims, settles and refunds; only the reconciler sweeps (`due()`).
    expect(refusedBy(['reconciler'], requests)).toEqual([]);
    const writes = requests.filter((r) => r.index !== 'sweep');
    expect(refusedBy(LEDGER_USERS, writes)).toEqual([]);
    const sweeps = requests.filter((r) => r.index === 'sweep');
    expect(refusedBy(['createTransactions', 'refundTransaction', 'orderConsumer'], sweeps)).toHaveLength(
      3 * sweeps.length,
    );
    expect(refusedBy(['signup', 'me', 'creditCustomer', 'partneroWebhook'], requests)).toHaveLength(
      4 * requests.length,
    );
  });

  it('refuses ledger writes outside order# items, and sweeps to all but the reconciler and outside the sweep shards', () => {
    for (const fn of LEDGER_USERS) {
      expect(allows(fn, { table: 'orderLedger', action: 'UpdateItem', leadingKey: 'order#x' })).toBe(true);
      expect(allows(fn, { table: 'orderLedger', action: 'UpdateItem', leadingKey: 'credit#x' })).toBe(false);
      expect(
        allows(fn, { table: 'orderLedger', index: 'sweep', action: 'Query', leadingKey: 'sweep#3' }),
      ).toBe(fn === 'reconciler');
      expect(
        allows(fn, { table: 'orderLedger', index: 'sweep', action: 'Query', leadingKey: 'sweep#4' }),
      ).toBe(false);
      // A Query on the table itself (by order id) is not granted at all.
      expect(allows(fn, { table: 'orderLedger', action: 'Query', leadingKey: 'order#x' })).toBe(false);
    }
  });

  it('lets the credit function use its own idempotency records only', async () => {
    const requests: Request[] = [];
    const store = new DynamoDBPersistenceLayer({
      tableName: TEST_TABLES.idempotency,
      awsSdkV3Client: recordingClient(dynamo, requests),
    });
    const partnero = {
      customers: { creditBalance: async () => ({ balance: 5, currency: 'usd' }) },
    } as unknown as PartneroClient;
    const credit = createIdempotentCredit(store, () => partnero);
    const request = {
      customerKey: 'alice',
      idempotencyKey: 'idem-1',
      body: { amount: 5, currency: 'USD', is_currency: true },
    };
    await credit(request, {});
    const replay = await credit(request, {});
    expect(replay.replayed).toBe(true);

    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.leadingKey).toMatch(/^credit#/);
    expect(refusedBy(['creditCustomer'], requests)).toEqual([]);
    expect(refusedBy(['partneroWebhook'], requests)).toHaveLength(requests.length);
  });

  it('lets the webhook function use its own dedup records only', async () => {
    const requests: Request[] = [];
    const store = new DynamoDBPersistenceLayer({
      tableName: TEST_TABLES.idempotency,
      awsSdkV3Client: recordingClient(dynamo, requests),
    });
    const publishOnce = createPublishOnce(store, async () => ({ eventId: 'evt-1' }));
    const entry = { Source: 'partnero', DetailType: 'customer.created', Detail: '{}' };
    expect((await publishOnce('delivery-1', entry, lambdaContext(), Date.now() + 5_000)).status).toBe(
      'published',
    );
    expect((await publishOnce('delivery-1', entry, lambdaContext(), Date.now() + 5_000)).status).toBe(
      'duplicate',
    );

    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.leadingKey).toMatch(/^webhook#/);
    expect(refusedBy(['partneroWebhook'], requests)).toEqual([]);
    expect(refusedBy(['creditCustomer'], requests)).toHaveLength(requests.length);
  });
});
