import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { createHandler } from '#functions/partnero-webhook.js';
import { deliveryIdOf } from '#shared/webhooks/parse-delivery.js';
import { createWebhookRuntime, type WebhookRuntime } from '#shared/webhooks/runtime.js';
import { signBody } from '#shared/webhooks/signature.js';
import { answer, httpEvent, lambdaContext } from '#test/support/events.js';
import { type LocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';

export const SECRET = 'whsec_test';
export const BUS = 'test-bus';
/** The key of the one webhook subscription these deliveries come from: the same on every delivery. */
export const WEBHOOK_KEY = 'whk_TeStSuBsCrIpTiOnKeY';
export const WEBHOOK_URL = 'https://api.example.com/webhooks/partnero';

let counter = 0;

/**
 * A Partnero delivery as it is sent: `{event, url, webhook_key, created_at, data}` from the one
 * subscription `WEBHOOK_KEY`, created at `now`. The default is `customer.rewarded` (the referring
 * customer, plus the reward and the transaction it is for); each call rewards another transaction,
 * so no two payloads are the same body.
 */
export function payload(overrides: Record<string, unknown> = {}, now = Date.now()) {
  counter += 1;
  return {
    event: 'customer.rewarded',
    url: WEBHOOK_URL,
    webhook_key: WEBHOOK_KEY,
    created_at: new Date(now).toISOString(),
    data: {
      id: 'acct_7',
      key: 'bob',
      email: 'bob@example.com',
      name: 'Bob',
      referring_customer: null,
      reward: { amount: 2, amount_units: 'usd', is_currency: true },
      transaction_key: `order-${counter}`,
    },
    ...overrides,
  };
}

/** A `transaction.created` delivery from the same subscription. */
export function transactionPayload(overrides: Record<string, unknown> = {}, now = Date.now()) {
  counter += 1;
  return payload(
    {
      event: 'transaction.created',
      data: {
        key: `order-${counter}`,
        action: 'sale',
        amount: 20,
        amount_units: 'usd',
        is_currency: true,
        customer: { key: 'bob', id: 'acct_7' },
        referred_customer: { key: 'alice', id: 'acct_42' },
        credit: 2,
        created_at: new Date(now).toISOString(),
      },
      ...overrides,
    },
    now,
  );
}

/** The delivery id the function answers for `body` (the hash of its exact bytes). */
export const idOf = (body: string | object) =>
  deliveryIdOf(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

export interface SignOptions {
  secret?: string;
  /** Header to carry the signature (default `Signature`). */
  header?: string;
  /** Overrides the computed signature (or `null` for none). */
  signature?: string | null;
  base64?: boolean;
}

/** An API Gateway v2 event for `POST /webhooks/partnero` whose body is `body` exactly, signed as asked. */
export function signedEvent(body: string | object, options: SignOptions = {}): APIGatewayProxyEventV2 {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature =
    options.signature === undefined ? signBody(options.secret ?? SECRET, raw) : options.signature;
  const headers: Record<string, string> = { 'user-agent': 'partnero' };
  if (signature !== null) headers[options.header ?? 'Signature'] = signature;
  return httpEvent({
    method: 'POST',
    path: '/webhooks/partnero',
    rawBody: raw,
    headers,
    ...(options.base64 ? { base64: true } : {}),
  });
}

export const BASE_ENV = { EVENT_BUS_NAME: BUS, WEBHOOK_SECRET_ID: 'test/webhook' };

export type RuntimeOverrides = NonNullable<Parameters<typeof createWebhookRuntime>[1]>;

/**
 * The webhook handler over a runtime of its own (own secret cache, verifier and dedup client), as a
 * fresh container gets it. EventBridge and Secrets Manager are the SDK clients (stubbed by the test
 * with aws-sdk-client-mock); the dedup store is Powertools' DynamoDB layer on the local endpoint.
 */
export function container(
  dynamo: LocalDynamo,
  env: NodeJS.ProcessEnv = {},
  overrides: RuntimeOverrides = {},
) {
  const runtime: WebhookRuntime = createWebhookRuntime(
    { ...BASE_ENV, ...env },
    {
      secretsClient: new SecretsManagerClient({}),
      eventBridge: new EventBridgeClient({}),
      store: dynamo.persistence(),
      ...overrides,
    },
  );
  const handler = createHandler(() => runtime);
  return async (event: APIGatewayProxyEventV2, remainingMs = 5_000) =>
    answer(await handler(event, lambdaContext(remainingMs)));
}

/** Powertools' DynamoDB layer on the test table over a client that never retries (to see every fault). */
export const unretriedPersistence = (dynamo: LocalDynamo): BasePersistenceLayer =>
  new DynamoDBPersistenceLayer({ tableName: TEST_TABLES.idempotency, awsSdkV3Client: dynamo.client(1) });

/** The dedup records in the local idempotency table, as stored. */
export const dedupRecords = (dynamo: LocalDynamo) => dynamo.db.table(TEST_TABLES.idempotency).all();

/** PutEvents entries the mock received, with `Detail` parsed. */
export function putEntries(eb: AwsClientStub<EventBridgeClient>) {
  return eb
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ ...entry, Detail: JSON.parse(entry.Detail ?? '{}') }));
}

export const ok = (eventId = 'evt-1') => ({ FailedEntryCount: 0, Entries: [{ EventId: eventId }] });

/** Resolves once `check()` holds, polling; fails after a generous bound (never a timing assertion). */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise the test resolves when it chooses (to hold a call in flight). */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
