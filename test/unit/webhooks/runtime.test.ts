import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { httpRoute } from '#shared/http/index.js';
import { InMemoryPersistenceLayer } from '#shared/idempotency/index.js';
import {
  createWebhookRuntime,
  handleDelivery,
  parseWebhookSecret,
  type WebhookRuntime,
} from '#shared/webhooks/index.js';
import { withReadTimeout } from '#shared/webhooks/webhook-secret.js';
import { answer, lambdaContext } from '#test/support/events.js';
import { BUS, ok, payload, putEntries, SECRET, signedEvent } from './helpers.js';

const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);

const baseEnv = { EVENT_BUS_NAME: BUS, PARTNERO_SECRET_ID: 'test/partnero', IDEMPOTENCY_STORE: 'memory' };
const partneroSecret = (webhookSecret?: string) => ({
  SecretString: JSON.stringify({ apiKey: 'pk_test', ...(webhookSecret ? { webhookSecret } : {}) }),
});
const secretReads = () => sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId);

/** A handler over its own runtime (own secret cache and dedup store), like a fresh container. */
function container(env: NodeJS.ProcessEnv = {}, overrides: Parameters<typeof createWebhookRuntime>[1] = {}) {
  const runtime: WebhookRuntime = createWebhookRuntime({ ...baseEnv, ...env }, overrides);
  const route = httpRoute(async (event, context) => handleDelivery(runtime, event, context));
  return async (event: Parameters<typeof route>[0], remainingMs = 5_000) =>
    answer(await route(event, lambdaContext(remainingMs)));
}

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves(ok());
  sm.reset();
  sm.on(GetSecretValueCommand).resolves(partneroSecret(SECRET));
});

describe('signing secret rotation', () => {
  it('re-reads the secret once on a mismatch and accepts the rotated secret', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand)
      .resolvesOnce(partneroSecret('whsec_old'))
      .resolves(partneroSecret('whsec_new'));
    const deliver = container();
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_old' }))).status).toBe(202);
    expect(secretReads()).toHaveLength(1);

    const rotated = await deliver(signedEvent(payload(), { secret: 'whsec_new' }));
    expect(rotated.status).toBe(202);
    expect(secretReads()).toHaveLength(2);
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_new' }))).status).toBe(202);
    expect(secretReads()).toHaveLength(2);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('rejects after the one re-read, and does not re-read again for every bad request', async () => {
    let now = Date.now();
    const deliver = container({}, { now: () => now, minRefreshIntervalMs: 5_000 });
    const bad = () => deliver(signedEvent(payload({}, now), { secret: 'whsec_attacker' }));
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(2);
    expect((await bad()).status).toBe(401);
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(2);
    now += 6_000;
    expect((await bad()).status).toBe(401);
    expect(secretReads()).toHaveLength(3);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('a separate WEBHOOK_SECRET_ID', () => {
  it.each([
    ['a bare string', 'whsec_dedicated'],
    ['JSON with webhookSecret', JSON.stringify({ webhookSecret: 'whsec_dedicated' })],
  ])('reads only that secret, holding %s', async (_label, value) => {
    sm.on(GetSecretValueCommand, { SecretId: 'test/webhook' }).resolves({ SecretString: value });
    const deliver = container({ WEBHOOK_SECRET_ID: 'test/webhook' });
    expect((await deliver(signedEvent(payload(), { secret: 'whsec_dedicated' }))).status).toBe(202);
    expect(new Set(secretReads())).toEqual(new Set(['test/webhook']));
  });

  it('parses the forms it accepts and names what is wrong otherwise', () => {
    expect(parseWebhookSecret('s', '  whsec_x \n')).toBe('whsec_x');
    expect(parseWebhookSecret('s', '{"apiKey":"k","webhookSecret":"whsec_y"}')).toBe('whsec_y');
    expect(() => parseWebhookSecret('s', '')).toThrow('is empty');
    expect(() => parseWebhookSecret('s', '{"apiKey":"k"}')).toThrow('no non-empty "webhookSecret"');
    expect(() => parseWebhookSecret('s', '{oops')).toThrow('not valid JSON');
  });
});

describe('failures answer 5xx so Partnero retries', () => {
  it('answers 503 secret_unavailable when Secrets Manager fails, and works once it is back', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves(partneroSecret(SECRET));
    const deliver = container();
    const event = signedEvent(payload());
    const res = await deliver(event);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('secret_unavailable');
    expect((await deliver(event)).status).toBe(202);
  });

  it('answers 503 not_configured when the Partnero secret has no webhookSecret', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand).resolves(partneroSecret());
    const res = await container()(signedEvent(payload()));
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      code: 'not_configured',
      message: 'The webhook signing secret is not configured',
    });
  });

  it('answers 503 when the secret read outlives the invocation deadline', async () => {
    const hanging = { send: () => new Promise<never>(() => undefined) } as unknown as SecretsManagerClient;
    const deliver = container({}, { secretsClient: hanging });
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

  it('answers 503 dedup_unavailable when the dedup store cannot be written, without publishing', async () => {
    class Broken extends InMemoryPersistenceLayer {
      protected override async _putRecord(): Promise<void> {
        throw new Error('ProvisionedThroughputExceededException');
      }
    }
    const res = await container({}, { store: new Broken() })(signedEvent(payload()));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('dedup_unavailable');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('still answers 202 when the event was published but the dedup record could not be completed', async () => {
    class Flaky extends InMemoryPersistenceLayer {
      protected override async _updateRecord(): Promise<void> {
        throw new Error('timeout');
      }
    }
    const res = await container({}, { store: new Flaky() })(signedEvent(payload()));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'accepted', event_id: 'evt-1' });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('configuration', () => {
  it('uses WEBHOOK_EVENT_SOURCE and WEBHOOK_TOLERANCE_SECONDS', async () => {
    const deliver = container({ WEBHOOK_EVENT_SOURCE: 'acme.partnero', WEBHOOK_TOLERANCE_SECONDS: '3600' });
    const p = payload({ event: 'transaction.deleted' }, Date.now() - 30 * 60_000);
    expect((await deliver(signedEvent(p))).status).toBe(202);
    expect(putEntries(eb)[0]).toMatchObject({
      Source: 'acme.partnero',
      DetailType: 'transaction.deleted',
      EventBusName: BUS,
    });
  });

  it('keeps dedup records under the webhook key prefix, for a week', async () => {
    const store = new InMemoryPersistenceLayer();
    const before = Date.now() / 1000;
    await container({}, { store })(signedEvent(payload()));
    const [key, record] = [...store.records.entries()][0] ?? [];
    expect(key).toMatch(/^webhook#/);
    expect(record?.getStatus()).toBe('COMPLETED');
    expect(record?.expiryTimestamp).toBeGreaterThanOrEqual(Math.floor(before + 7 * 24 * 3600));
  });

  it('answers 413 when the event itself would exceed the EventBridge entry limit', async () => {
    // A body exactly at the limit is accepted by size, but the metadata added to `detail` pushes the
    // entry over EventBridge's limit: refused for good (413) rather than failing on every retry.
    const shell = JSON.stringify({ event: 'reward.approved', data: { blob: '' } });
    const raw = JSON.stringify({
      event: 'reward.approved',
      data: { blob: 'x'.repeat(256 * 1024 - shell.length) },
    });
    expect(Buffer.byteLength(raw)).toBe(256 * 1024);
    const res = await container()(signedEvent(raw));
    expect(res.status).toBe(413);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
