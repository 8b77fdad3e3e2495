import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler } from '#functions/partnero-webhook.js';
import type { Delivery } from '#local/sandbox/index.js';
import { deliveryIdOf } from '#shared/webhooks/parse-delivery.js';
import { createWebhookRuntime, type WebhookRuntime } from '#shared/webhooks/runtime.js';
import { httpEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, startLocalDynamo } from '#test/support/local-dynamo.js';
import { handlerSandbox, TEST_SECRET_ID } from '#test/support/sandbox.js';

/**
 * End to end over real HTTP, minus AWS: the Partnero sandbox sends its signed webhooks to a tiny
 * HTTP server that turns each request into an API Gateway v2 event (base64 body, as the gateway may
 * deliver it) and calls the handler. Deliveries are deduplicated by Powertools on the local DynamoDB
 * endpoint; EventBridge (and Secrets Manager, in `handlerSandbox`) are aws-sdk-client-mock.
 */
const BUS = 'local-bus';
const eb = mockClient(EventBridgeClient);
let eventIds = 0;
let dynamo: LocalDynamo;
/** The function's runtime, made afresh for each test (a new container). */
let runtime: WebhookRuntime;
const handler = createHandler(() => runtime);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stand-in for API Gateway in front of the webhook function. */
function startGateway() {
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const event = {
      ...httpEvent({ method: req.method ?? 'POST', path: req.url ?? '/', headers }),
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
    const result = (await handler(event, lambdaContext(5_000))) as APIGatewayProxyStructuredResultV2;
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body);
  });
  return new Promise<{ url: string; server: Server }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/webhooks/partnero`, server });
    });
  });
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let env: Awaited<ReturnType<typeof handlerSandbox>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;

const deliveries = async (): Promise<Delivery[]> =>
  (await env.control('GET', '/webhooks/deliveries')).deliveries;
/** All `count` deliveries finished: delivered, or out of attempts. */
const settled = (count: number, done: (d: Delivery) => boolean = (d) => d.delivered) =>
  waitFor(async () => {
    const list = await deliveries();
    return list.length === count && list.every(done) ? list : undefined;
  });
const entries = () =>
  eb
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ ...entry, Detail: JSON.parse(entry.Detail ?? '{}') }));

/** What the function names a delivery by: the hash of the exact body the sandbox signed and sent. */
const idOf = (delivery: Delivery) => deliveryIdOf(Buffer.from(delivery.body));
const configureWebhooks = (secret = 'whsec_test') =>
  env.control('PUT', '/webhooks/config', { urls: [gateway.url], secret, maxAttempts: 4, baseDelayMs: 20 });

const seedReferral = async () => {
  await env.createCustomer({ key: 'bob', id: 'acct_7', email: 'bob@example.com', name: 'Bob' });
  await env.createCustomer({
    key: 'alice',
    id: 'acct_42',
    email: 'alice@example.com',
    referring_customer: { key: 'bob' },
  });
};

beforeAll(async () => {
  env = await handlerSandbox();
  dynamo = await startLocalDynamo();
  gateway = await startGateway();
});
afterAll(async () => {
  await env.sandbox.close();
  await new Promise((resolve) => gateway.server.close(resolve));
  await dynamo.close();
});
beforeEach(async () => {
  dynamo.reset();
  runtime = createWebhookRuntime(
    { EVENT_BUS_NAME: BUS, WEBHOOK_SECRET_ID: TEST_SECRET_ID },
    {
      store: dynamo.persistence(),
      eventBridge: new EventBridgeClient({}),
      secretsClient: new SecretsManagerClient({}),
    },
  );
  eb.reset();
  eb.on(PutEventsCommand).callsFake(async () => ({
    FailedEntryCount: 0,
    Entries: [{ EventId: `evt-${++eventIds}` }],
  }));
  await env.reset();
  await configureWebhooks();
});

describe('sandbox webhooks → handler → EventBridge', () => {
  it('republishes a referral, a transaction, the referrer’s reward and the refund as events on the bus', async () => {
    await seedReferral();
    const sale = await env.api('POST', '/transactions', {
      customer: { key: 'alice' },
      key: 'order-1',
      amount: 20,
      action: 'sale',
    });
    expect(sale.status).toBe(201);
    await env.api('DELETE', '/transactions/order-1');

    const list = await settled(5);
    expect(list.every((d) => d.lastStatus === 202 && d.attempts === 1)).toBe(true);
    // Every delivery comes from the one subscription: the same webhook_key, and still all published.
    const [subscription] = (await env.control('GET', '/state')).webhooks as { key: string }[];
    expect(list.every((d) => d.webhookKey === subscription?.key)).toBe(true);
    const published = entries();
    expect(published.map((e) => e.DetailType).sort()).toEqual(
      [
        'customer.created',
        'customer.created',
        'customer.rewarded',
        'transaction.created',
        'transaction.deleted',
      ].sort(),
    );

    for (const delivery of list) {
      const sent = JSON.parse(delivery.body);
      expect(sent).toEqual({
        event: delivery.event,
        url: gateway.url,
        webhook_key: delivery.webhookKey,
        created_at: delivery.createdAt,
        data: expect.any(Object),
      });
      const entry = published.find((e) => e.Detail.partnero.delivery_id === idOf(delivery));
      expect(entry).toEqual({
        EventBusName: BUS,
        Source: 'partnero',
        DetailType: delivery.event,
        Detail: {
          ...sent.data,
          partnero: {
            event: delivery.event,
            delivery_id: idOf(delivery),
            webhook_key: delivery.webhookKey,
            created_at: delivery.createdAt,
          },
        },
      });
    }
    const transaction = published.find((e) => e.DetailType === 'transaction.created');
    expect(transaction?.Detail).toMatchObject({
      key: 'order-1',
      amount: 20,
      credit: false,
      customer: 'acct_7',
      referred_customer: 'acct_42',
    });
    const reward = published.find((e) => e.DetailType === 'customer.rewarded');
    expect(reward?.Detail).toMatchObject({
      id: 'acct_7',
      reward: { amount: 2, amount_units: 'usd', is_currency: true },
      transaction_key: 'order-1',
    });
  });

  it('publishes every reward of a referrer: the same event from the same subscription, other data', async () => {
    await seedReferral();
    for (const key of ['order-a', 'order-b']) {
      const sale = await env.api('POST', '/transactions', {
        customer: { key: 'alice' },
        key,
        amount: 20,
        action: 'sale',
      });
      expect(sale.status).toBe(201);
    }
    await settled(6);
    const rewards = entries().filter((e) => e.DetailType === 'customer.rewarded');
    expect(rewards.map((e) => e.Detail.transaction_key).sort()).toEqual(['order-a', 'order-b']);
    expect(new Set(rewards.map((e) => e.Detail.partnero.webhook_key)).size).toBe(1);
    expect(new Set(rewards.map((e) => e.Detail.partnero.delivery_id)).size).toBe(2);
  });

  it('answers a replayed delivery with 200 duplicate and publishes nothing more', async () => {
    await env.createCustomer({ key: 'carol', email: 'carol@example.com' });
    const [delivery] = await settled(1);
    expect(entries()).toHaveLength(1);

    const replayed = (await env.control('POST', `/webhooks/deliveries/${delivery?.id}/replay`)) as Delivery;
    expect(replayed).toMatchObject({ id: delivery?.id, attempts: 2, lastStatus: 200, delivered: true });
    expect(entries()).toHaveLength(1);
  });

  it('publishes on the sandbox retry after PutEvents failed (thrown, then partial), and only once', async () => {
    eb.reset();
    let calls = 0;
    eb.on(PutEventsCommand).callsFake(async () => {
      calls += 1;
      if (calls === 1)
        throw Object.assign(new Error('EventBridge is unavailable'), { name: 'InternalException' });
      return calls === 2
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] }
        : { FailedEntryCount: 0, Entries: [{ EventId: 'evt-retry' }] };
    });
    await env.createCustomer({ key: 'dave', email: 'dave@example.com' });

    const [delivery] = await settled(1);
    expect(delivery).toMatchObject({ attempts: 3, lastStatus: 202, delivered: true });
    expect(calls).toBe(3);
    // Three PutEvents attempts for the one delivery (the same body each time); EventBridge accepted only the last.
    const id = delivery ? idOf(delivery) : undefined;
    expect(entries().map((e) => e.Detail.partnero.delivery_id)).toEqual([id, id, id]);
    await env.control('POST', `/webhooks/deliveries/${delivery?.id}/replay`);
    expect(calls).toBe(3);
  });

  it('refuses deliveries signed with another secret: 401 on every attempt, nothing published', async () => {
    await configureWebhooks('whsec_not_ours');
    await env.createCustomer({ key: 'erin', email: 'erin@example.com' });
    const [delivery] = await settled(1, (d) => d.attempts === 4);
    expect(delivery).toMatchObject({ delivered: false, lastStatus: 401 });
    expect(entries()).toHaveLength(0);
  });
});
