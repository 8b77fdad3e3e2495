/**
 * Every permission proven sufficient, and none wider than needed, on the paths the tests exercise.
 *
 * The local system runs every function's real paths (sign-up, dashboard, back-office transactions,
 * refunds and credits, order events through the queue, a parked poison event, an unknown customer,
 * Partnero's webhooks, the reconciler). Each AWS call its functions make is recorded with the function
 * that made it (local/aws/call-recording.ts) and evaluated with @cloud-copilot/iam-simulate against that
 * function's policy in the synthesized stack, with the local resources' ARNs and the condition keys the
 * call carries (the partition keys written or queried, the event source). Every call must be allowed;
 * calls a function must never make (another function's keys, another event source, another secret)
 * must be denied; and every action the stack grants a function must be one it was seen to use or one
 * listed below with the reason it is granted anyway.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntryName } from '#infra/entries.js';
import { onAwsCall, type RecordedCall } from '#local/aws/call-recording.js';
import { LOCAL_SECRET_NAME, LOCAL_TABLES, ORDER_DLQ_NAME, ORDER_QUEUE_NAME } from '#local/config.js';
import { claimItem } from '#shared/orders/ledger-store.js';
import { synth } from '#test/infra/synth.js';
import { call, login, signedRequest, startTestSystem, waitFor } from '#test/integration/local/helpers.js';
import { evaluate, evaluateCalls, refusal, type Verdict } from './iam/evaluate.js';
import type { IamRequest } from './iam/requests.js';
import {
  busArn,
  type FunctionPolicy,
  functionPolicies,
  queueArn,
  secretArn,
  tableArn,
} from './iam/stack-policies.js';

/**
 * Actions the stack grants that this run does not see called, and why each stays (`*`: any function).
 * Anything granted, not called and not listed here fails the test: a grant is used or explained.
 */
const GRANTED_BUT_NOT_CALLED: Record<string, string> = {
  '* logs:CreateLogStream': 'Lambda writes the function’s logs with its role',
  '* logs:PutLogEvents': 'Lambda writes the function’s logs with its role',
  '* xray:PutTraceSegments': 'active tracing: Lambda sends the trace segments with the function’s role',
  '* xray:PutTelemetryRecords': 'active tracing',
  '* secretsmanager:DescribeSecret':
    'wider than needed: CDK’s Secret.grantRead grants it beside GetSecretValue; it reads metadata only (never the value)',
  'orderConsumer sqs:ReceiveMessage': 'the SQS event source mapping polls the queue with the consumer’s role',
  'orderConsumer sqs:DeleteMessage': 'the event source mapping deletes what the consumer processed',
  'orderConsumer sqs:GetQueueAttributes': 'the event source mapping reads the queue’s attributes',
  'orderConsumer sqs:GetQueueUrl':
    'wider than needed: CDK’s SqsEventSource grant (grantConsumeMessages) includes it',
  'creditCustomer dynamodb:GetItem':
    'Powertools idempotency reads the record when a refused write carries no item (a fallback DynamoDB never needs with ALL_OLD)',
  'partneroWebhook dynamodb:GetItem':
    'Powertools idempotency reads the record when a refused write carries no item (a fallback DynamoDB never needs with ALL_OLD)',
  'partneroWebhook dynamodb:DeleteItem':
    'Powertools deletes the in-progress record when publishing fails, so Partnero’s retry publishes (a path this run does not take)',
  'signup dynamodb:DeleteItem':
    'a key drawn for a customer enrolled meanwhile is deleted again (a race this run does not produce)',
};

let env: Awaited<ReturnType<typeof startTestSystem>>;
let policies: Record<EntryName, FunctionPolicy>;
const calls: RecordedCall[] = [];
let stopRecording = () => {};

beforeAll(async () => {
  stopRecording = onAwsCall((c) => calls.push(c));
  env = await startTestSystem();
  policies = functionPolicies(synth().template, env.system.env);
}, 60_000);
afterAll(async () => {
  stopRecording();
  await env?.system.close();
});

/** What the integration and end-to-end runs do, once each, through the gateway and the bus. */
async function exerciseEveryFunction() {
  const { system } = env;
  const events = new EventBridgeClient({});
  try {
    const alice = await login(system, { user_id: 'alice', email: 'alice@example.com', name: 'Alice' });
    const bob = await login(system, { user_id: 'bob', email: 'bob@example.com', name: 'Bob' });
    const aliceSignup = await call(system, 'POST', '/referrals/signup', { token: alice, body: {} });
    expect(aliceSignup.status).toBeLessThan(300);
    const aliceKey = String(aliceSignup.body.customer.key);
    const bobSignup = await call(system, 'POST', '/referrals/signup', {
      token: bob,
      body: {},
      headers: { cookie: `partnero_referral=${aliceKey}` },
    });
    expect(bobSignup.status).toBeLessThan(300);
    const bobKey = String(bobSignup.body.customer.key);
    expect((await call(system, 'GET', '/referrals/me', { token: alice })).status).toBe(200);

    const signed = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const request = await signedRequest(system, method, path, {
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(headers ? { headers } : {}),
      });
      const res = await fetch(request.url, request.init);
      const text = await res.text();
      if (res.status >= 500) console.warn(`${method} ${path}: ${res.status} ${text}`);
      return res.status;
    };
    /** A sale of Bob's: by account id (`customer_id`), or where only `customer_key` is known, by his key. */
    const sale = async (key: string, amount: number) => {
      const order = { key, amount, currency: 'USD' };
      const byId = await signed('POST', '/transactions', { customer_id: 'bob', ...order });
      return byId < 300 ? byId : signed('POST', '/transactions', { customer_key: bobKey, ...order });
    };
    expect(await sale('iam-1', 100)).toBeLessThan(300);
    expect(await signed('DELETE', '/transactions/iam-1')).toBeLessThan(300);
    // A partial refund records what is left under a new version (a claim: PutItem).
    expect(await sale('iam-2', 90)).toBeLessThan(300);
    expect(await signed('DELETE', '/transactions/iam-2', { amount: 30, refund_id: 'iam-r-2' })).toBeLessThan(
      300,
    );
    // Signing up again answers the same customer.
    expect((await call(system, 'POST', '/referrals/signup', { token: alice, body: {} })).status).toBeLessThan(
      300,
    );
    const credit = { amount: 5, currency: 'usd', is_currency: true };
    expect(
      await signed('POST', '/customers/alice/credit', credit, { 'idempotency-key': 'iam-credit-1' }),
    ).toBeLessThan(300);
    expect(
      await signed('POST', '/customers/alice/credit', credit, { 'idempotency-key': 'iam-credit-1' }),
    ).toBeLessThan(300);
    // Partnero refuses a credit of an unknown customer: Powertools deletes the in-progress record.
    expect(
      await signed('POST', '/customers/nobody00/credit', credit, { 'idempotency-key': 'iam-credit-2' }),
    ).toBeGreaterThanOrEqual(400);

    const publish = async (detailType: string, detail: Record<string, unknown>) => {
      const out = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: system.busName,
              Source: 'shop.orders',
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      return out.Entries?.[0]?.EventId as string;
    };
    await publish('Order Placed', { orderId: 'iam-o-1', customerId: 'bob', amount: 200, currency: 'USD' });
    await publish('Order Refunded', { orderId: 'iam-o-1', amount: 50, refundId: 'iam-r-1' });
    await publish('Order Placed', { orderId: 'iam-o-2', customerId: 'bob', amount: 80, currency: 'USD' });
    await publish('Order Refunded', { orderId: 'iam-o-2' });
    const poison = await publish('Order Placed', { orderId: 'iam-bad', customerId: 'bob', currency: 'USD' });
    await publish('Order Placed', {
      orderId: 'iam-o-3',
      customerId: 'nobody-yet',
      amount: 10,
      currency: 'USD',
    });
    await waitFor(
      () => system.deadLetterQueue.list().some((m) => JSON.parse(m.body).id === poison),
      20_000,
      'the poison event parked in the DLQ',
    );
    await waitFor(
      () =>
        calls.some((c) => c.function === 'orderConsumer' && c.target === 'DynamoDB_20120810.UpdateItem') &&
        calls.some((c) => c.function === 'partneroWebhook' && c.target === 'AWSEvents.PutEvents'),
      20_000,
      'the consumer’s ledger writes and a webhook published on the bus',
    );
    // An order whose consumer stopped mid-way (its claim's lease ran out): the reconciler takes it over.
    const past = Date.now() - 3_600_000;
    system.dynamodb
      .table(system.env.ORDER_LEDGER_TABLE_NAME ?? '')
      .put(
        claimItem(
          { orderId: 'iam-stopped', customerKey: 'bob', amount: 40, currency: 'usd', action: 'sale' },
          'a-stopped-consumer',
          past,
          past + 60_000,
        ) as never,
      );
    await system.reconcile();
  } finally {
    events.destroy();
  }
}

describe('the stack’s IAM policies against every AWS call the functions make', () => {
  let verdicts: Verdict[] = [];

  it('records the calls of every function, each tagged with the function that made it', async () => {
    await exerciseEveryFunction();
    const result = await evaluateCalls(calls, policies);
    expect(result.unknownFunctions).toEqual([]);
    // The bus's own policy (only the order producers put order events) is evaluated with the calls on it.
    expect(Object.keys(policies.partneroWebhook.resourcePolicies)).toEqual([busArn(env.system.busName)]);
    verdicts = result.verdicts;
    const byFunction = Object.fromEntries(
      Object.keys(policies).map((fn) => [fn, verdicts.filter((v) => v.fn === fn).length]),
    );
    console.info(
      `IAM requests evaluated per function (distinct action, resource and keys): ${JSON.stringify(byFunction)}; ` +
        `calls recorded: ${calls.length}, of them outside any function: ${calls.filter((c) => !c.function).length}`,
    );
    for (const [fn, count] of Object.entries(byFunction))
      expect({ fn, evaluated: count > 0 }).toEqual({ fn, evaluated: true });
  }, 90_000);

  it('allows every call each function made', () => {
    expect(verdicts.filter((v) => !v.allowed).map(refusal)).toEqual([]);
  });

  it('grants no action a function was not seen to use, except those listed with a reason', () => {
    const used = new Set(verdicts.map((v) => `${v.fn} ${v.request.action}`));
    const unexplained = Object.values(policies).flatMap(({ fn, policy }) =>
      [...new Set(policy.Statement.flatMap((s) => [s.Action].flat()))]
        .filter(
          (action) =>
            !used.has(`${fn} ${action}`) &&
            !GRANTED_BUT_NOT_CALLED[`* ${action}`] &&
            !GRANTED_BUT_NOT_CALLED[`${fn} ${action}`],
        )
        .map((action) => `${fn}: ${action}`),
    );
    expect(unexplained).toEqual([]);
  });

  const request = (action: string, resource: string, context: IamRequest['context'] = {}): IamRequest => ({
    action,
    resource,
    context,
    describe: `${action} on ${resource} ${JSON.stringify(context)}`,
  });
  const denied: [EntryName, string, IamRequest][] = [
    [
      'creditCustomer',
      'the webhook function’s idempotency keys',
      request('dynamodb:PutItem', tableArn(LOCAL_TABLES.idempotency), {
        'dynamodb:LeadingKeys': ['webhook#abc'],
      }),
    ],
    [
      'partneroWebhook',
      'the credit function’s idempotency keys',
      request('dynamodb:UpdateItem', tableArn(LOCAL_TABLES.idempotency), {
        'dynamodb:LeadingKeys': ['credit#abc'],
      }),
    ],
    [
      'partneroWebhook',
      'an event posing as the order system',
      request('events:PutEvents', busArn('referrals-local'), {
        'events:source': ['shop.orders'],
        'events:detail-type': ['Order Placed'],
      }),
    ],
    [
      'partneroWebhook',
      'a batch that hides the order system among its own events',
      request('events:PutEvents', busArn('referrals-local'), {
        'events:source': ['partnero', 'shop.orders'],
        'events:detail-type': ['customer.rewarded', 'Order Placed'],
      }),
    ],
    [
      'partneroWebhook',
      'the Partnero API key',
      request('secretsmanager:GetSecretValue', secretArn(LOCAL_SECRET_NAME)),
    ],
    [
      'orderConsumer',
      'an idempotency record',
      request('dynamodb:PutItem', tableArn(LOCAL_TABLES.idempotency), {
        'dynamodb:LeadingKeys': ['credit#abc'],
      }),
    ],
    [
      'orderConsumer',
      'a ledger item outside `order#`',
      request('dynamodb:UpdateItem', tableArn(LOCAL_TABLES.orderLedger), {
        'dynamodb:LeadingKeys': ['credit#abc'],
      }),
    ],
    [
      'orderConsumer',
      'a sweep shard that does not exist',
      request('dynamodb:Query', `${tableArn(LOCAL_TABLES.orderLedger)}/index/sweep`, {
        'dynamodb:LeadingKeys': ['sweep#9'],
      }),
    ],
    ['orderConsumer', 'a Scan of the ledger', request('dynamodb:Scan', tableArn(LOCAL_TABLES.orderLedger))],
    ['reconciler', 'the DLQ', request('sqs:SendMessage', queueArn(ORDER_DLQ_NAME))],
    ['createTransactions', 'the order queue', request('sqs:SendMessage', queueArn(ORDER_QUEUE_NAME))],
    [
      'signup',
      'the order ledger',
      request('dynamodb:PutItem', tableArn(LOCAL_TABLES.orderLedger), {
        'dynamodb:LeadingKeys': ['order#x'],
      }),
    ],
    [
      'me',
      'the bus',
      request('events:PutEvents', busArn('referrals-local'), {
        'events:source': 'partnero',
        'events:detail-type': 'x',
      }),
    ],
  ];
  it.each(denied)('denies %s %s', async (fn, _what, req) => {
    expect(await evaluate(policies[fn], req)).toMatchObject({ allowed: false });
  });
});
