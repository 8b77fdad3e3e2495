import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DEDUP_TTL_SECONDS } from '#shared/webhooks/constants.js';
import { createWebhookRuntime } from '#shared/webhooks/runtime.js';
import { parseSigningKeys, withReadTimeout } from '#shared/webhooks/webhook-secret.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';
import {
  BASE_ENV,
  BUS,
  container,
  dedupRecords,
  idOf,
  ok,
  payload,
  putEntries,
  SECRET,
  signedEvent,
  unretriedPersistence,
  WEBHOOK_KEY,
} from './helpers.js';

const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);

/** The webhook signing secret as JSON; without a value, a secret missing its `webhookSecret` field. */
const signingSecret = (webhookSecret?: string) => ({
  SecretString: JSON.stringify(webhookSecret ? { webhookSecret } : { otherField: 'x' }),
});
const secretReads = () => sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId);
const published = () => eb.commandCalls(PutEventsCommand).length;

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(() => {
  dynamo.reset();
  eb.reset();
  eb.on(PutEventsCommand).resolves(ok());
  sm.reset();
  sm.on(GetSecretValueCommand).resolves(signingSecret(SECRET));
});

describe('signing secret rotation', () => {
  it('re-reads the secret once on a mismatch and accepts the rotated secret', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand)
      .resolvesOnce(signingSecret('whsec_old'))
      .resolves(signingSecret('whsec_new'));
    const deliver = container(dynamo);
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_old' }))).status).toBe(202);
    expect(secretReads()).toHaveLength(1);

    const rotated = await deliver(signedEvent(payload(), { secret: 'whsec_new' }));
    expect(rotated.status).toBe(202);
    expect(secretReads()).toHaveLength(2);
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_new' }))).status).toBe(202);
    expect(secretReads()).toHaveLength(2);
    expect(published()).toBe(3);
  });

  it('rejects after the one re-read, and does not re-read again for every bad request', async () => {
    let now = Date.now();
    const deliver = container(dynamo, {}, { now: () => now, minRefreshIntervalMs: 5_000 });
    const bad = () => deliver(signedEvent(payload({}, now), { secret: 'whsec_attacker' }));
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(2);
    expect((await bad()).status).toBe(401);
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(2);
    now += 6_000;
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(3);
    expect(published()).toBe(0);
  });
});

describe('a separate WEBHOOK_SECRET_ID', () => {
  it.each([
    ['a bare string', 'whsec_dedicated'],
    ['JSON with webhookSecret', JSON.stringify({ webhookSecret: 'whsec_dedicated' })],
  ])('reads only that secret, holding %s', async (_label, value) => {
    sm.on(GetSecretValueCommand, { SecretId: 'test/webhook' }).resolves({ SecretString: value });
    const deliver = container(dynamo, { WEBHOOK_SECRET_ID: 'test/webhook' });
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_dedicated' }))).status).toBe(202);
    expect(new Set(secretReads())).toEqual(new Set(['test/webhook']));
  });

  it('parses the forms it accepts and names what is wrong otherwise', () => {
    expect(parseSigningKeys('s', '  whsec_x \n')).toEqual({ current: 'whsec_x' });
    expect(parseSigningKeys('s', '{"apiKey":"k","webhookSecret":"whsec_y"}')).toEqual({ current: 'whsec_y' });
    expect(() => parseSigningKeys('s', '')).toThrow('is empty');
    expect(() => parseSigningKeys('s', '{"apiKey":"k"}')).toThrow('no non-empty "webhookSecret"');
    expect(() => parseSigningKeys('s', '{oops')).toThrow('not valid JSON');
  });
});

describe('failures answer 5xx so Partnero retries', () => {
  it('answers 503 secret_unavailable when Secrets Manager fails, and works once it is back', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves(signingSecret(SECRET));
    const deliver = container(dynamo);
    const event = signedEvent(payload());
    const res = await deliver(event);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('secret_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(published()).toBe(0);
    expect((await deliver(event)).status).toBe(202);
  });

  it('answers 503 not_configured when the signing secret has no webhookSecret', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand).resolves(signingSecret());
    const res = await container(dynamo)(signedEvent(payload()));
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      code: 'not_configured',
      message: 'The webhook signing secret is not configured',
    });
  });

  it('answers 503 when the secret read outlives the invocation deadline', async () => {
    const hanging = { send: () => new Promise<never>(() => undefined) } as unknown as SecretsManagerClient;
    const deliver = container(dynamo, {}, { secretsClient: hanging });
    const res = await deliver(signedEvent(payload()), 400);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('secret_unavailable');
  });

  it('aborts a hung Secrets Manager call after its read timeout', async () => {
    const client = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_, reject) =>
          options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    } as unknown as SecretsManagerClient;
    await expect(
      withReadTimeout(client, 20).send(new GetSecretValueCommand({ SecretId: 'x' })),
    ).rejects.toThrow('aborted');
  });

  it('answers 503 dedup_unavailable when DynamoDB fails the dedup write, without publishing; the retry publishes', async () => {
    dynamo.db.faults.set({ rate: 1, kinds: ['internal'], operations: ['PutItem'] });
    const deliver = container(dynamo, {}, { store: unretriedPersistence(dynamo) });
    const event = signedEvent(payload());
    const res = await deliver(event);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('dedup_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect(published()).toBe(0);

    dynamo.db.faults.clear();
    expect((await deliver(event)).status).toBe(202);
    expect(published()).toBe(1);
  });

  it('answers 503 dedup_unavailable when the persistence layer rejects the write', async () => {
    class Broken extends DynamoDBPersistenceLayer {
      protected override async _putRecord(): Promise<void> {
        throw new Error('ProvisionedThroughputExceededException');
      }
    }
    const store = new Broken({ tableName: TEST_TABLES.idempotency, awsSdkV3Client: dynamo.client() });
    const res = await container(dynamo, {}, { store })(signedEvent(payload()));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('dedup_unavailable');
    expect(published()).toBe(0);
  });

  it('still answers 202 when the event was published but the dedup record could not be completed', async () => {
    class Flaky extends DynamoDBPersistenceLayer {
      protected override async _updateRecord(): Promise<void> {
        throw new Error('timeout');
      }
    }
    const store = new Flaky({ tableName: TEST_TABLES.idempotency, awsSdkV3Client: dynamo.client() });
    const res = await container(dynamo, {}, { store })(signedEvent(payload()));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'accepted', event_id: 'evt-1' });
    expect(published()).toBe(1);
  });
});

describe('configuration', () => {
  it('uses WEBHOOK_EVENT_SOURCE', async () => {
    const deliver = container(dynamo, { WEBHOOK_EVENT_SOURCE: 'acme.partnero' });
    const p = payload({ event: 'transaction.deleted' });
    expect((await deliver(signedEvent(p))).status).toBe(202);
    expect(putEntries(eb)[0]).toMatchObject({
      Source: 'acme.partnero',
      DetailType: 'transaction.deleted',
      EventBusName: BUS,
    });
  });

  it('has the age check on by default (3 days) and reads WEBHOOK_TOLERANCE_SECONDS', () => {
    const stores = { store: dynamo.persistence() };
    expect(createWebhookRuntime(BASE_ENV, stores).settings.toleranceSeconds).toBe(259_200);
    expect(
      createWebhookRuntime({ ...BASE_ENV, WEBHOOK_TOLERANCE_SECONDS: '345600' }, stores).settings
        .toleranceSeconds,
    ).toBe(345_600);
    expect(
      createWebhookRuntime({ ...BASE_ENV, WEBHOOK_TOLERANCE_SECONDS: '0' }, stores).settings.toleranceSeconds,
    ).toBe(0);
    expect(() => createWebhookRuntime({ ...BASE_ENV, WEBHOOK_TOLERANCE_SECONDS: '-1' }, stores)).toThrow(
      'WEBHOOK_TOLERANCE_SECONDS',
    );
  });

  it('names the variable that is missing', () => {
    expect(() => createWebhookRuntime({ WEBHOOK_SECRET_ID: 'x' }, { store: dynamo.persistence() })).toThrow(
      'EVENT_BUS_NAME',
    );
    expect(() => createWebhookRuntime(BASE_ENV)).toThrow('IDEMPOTENCY_TABLE_NAME');
  });

  it('keeps dedup records on the body hash under the webhook key prefix, for 7 days', async () => {
    expect(DEDUP_TTL_SECONDS).toBe(7 * 24 * 60 * 60);
    const before = Math.floor(Date.now() / 1000);
    const p = payload();
    expect((await container(dynamo)(signedEvent(p))).body.delivery_id).toBe(idOf(p));
    const after = Math.ceil(Date.now() / 1000);
    const [record, ...others] = dedupRecords(dynamo);
    expect(others).toHaveLength(0);
    expect(record?.id?.S).toMatch(/^webhook#/);
    expect(record?.status?.S).toBe('COMPLETED');
    const expiration = Number(record?.expiration?.N);
    expect(expiration).toBeGreaterThanOrEqual(before + DEDUP_TTL_SECONDS);
    expect(expiration).toBeLessThanOrEqual(after + DEDUP_TTL_SECONDS);
  });

  it('shares one dedup record between containers: a retry to another container is a duplicate', async () => {
    const event = signedEvent(payload({ webhook_key: WEBHOOK_KEY }));
    expect((await container(dynamo)(event)).status).toBe(202);
    const other = await container(dynamo)(event);
    expect(other.status).toBe(200);
    expect(other.body.status).toBe('duplicate');
    expect(published()).toBe(1);
  });

  it('answers 413 when the event itself would exceed the EventBridge entry limit', async () => {
    // A body exactly at the limit is accepted by size, but the metadata added to `detail` pushes the
    // entry over EventBridge's limit: refused for good (413) rather than failing on every retry.
    const shell = JSON.stringify({ event: 'customer.rewarded', data: { blob: '' } });
    const raw = JSON.stringify({
      event: 'customer.rewarded',
      data: { blob: 'x'.repeat(256 * 1024 - shell.length) },
    });
    expect(Buffer.byteLength(raw)).toBe(256 * 1024);
    const res = await container(dynamo)(signedEvent(raw));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(published()).toBe(0);
  });
});
