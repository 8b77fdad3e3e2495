import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '#functions/partnero-webhook.js';
import { signBody } from '#shared/webhooks/index.js';
import { answer, lambdaContext } from '#test/support/events.js';
import { BUS, ok, payload, putEntries, SECRET, signedEvent, sleep } from './helpers.js';

const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);

beforeAll(() => {
  process.env.EVENT_BUS_NAME = BUS;
  process.env.PARTNERO_SECRET_ID = 'test/partnero';
  process.env.IDEMPOTENCY_STORE = 'memory';
  delete process.env.WEBHOOK_SECRET_ID;
  delete process.env.WEBHOOK_EVENT_SOURCE;
  delete process.env.WEBHOOK_TOLERANCE_SECONDS;
});
beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves(ok());
  sm.reset();
  sm.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ apiKey: 'pk_test', webhookSecret: SECRET }),
  });
});

const deliver = async (event: Parameters<typeof handler>[0]) =>
  answer(await handler(event, lambdaContext(5_000)));
const published = () => eb.commandCalls(PutEventsCommand).length;
const unauthorized = { error: { code: 'unauthorized', message: 'Invalid signature' } };

describe('POST /webhooks/partnero: signature', () => {
  it('publishes a validly signed delivery as one EventBridge event and answers 202', async () => {
    const p = payload();
    const res = await deliver(signedEvent(p));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', delivery_id: p.webhook_key, event_id: 'evt-1' });
    expect(putEntries(eb)).toEqual([
      {
        EventBusName: BUS,
        Source: 'partnero',
        DetailType: 'reward.approved',
        Detail: {
          ...p.data,
          partnero: { event: 'reward.approved', delivery_id: p.webhook_key, created_at: p.created_at },
        },
      },
    ]);
    const [call] = eb.commandCalls(PutEventsCommand);
    const options = (call?.args as unknown[] | undefined)?.[1] as { abortSignal?: unknown } | undefined;
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('answers 401 without a hint and reads no secret when the signature is missing', async () => {
    const res = await deliver(signedEvent(payload(), { signature: null }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(published()).toBe(0);
  });

  it.each([
    ['a wrong signature', { signature: 'f'.repeat(64) }],
    ['a malformed signature', { signature: 'not-a-signature' }],
    ['a signature made with another secret', { secret: 'whsec_other' }],
  ])('answers 401 for %s', async (_label, options) => {
    const res = await deliver(signedEvent(payload(), options));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized);
    expect(published()).toBe(0);
  });

  it('answers 401 for a tampered body', async () => {
    const p = payload();
    const event = signedEvent(p);
    event.body = JSON.stringify({ ...p, data: { ...p.data, amount: 2000 } });
    const res = await deliver(event);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized);
    expect(published()).toBe(0);
  });

  it('verifies the raw bytes of a base64-encoded body', async () => {
    // Non-ASCII and odd spacing: the signature covers the bytes exactly as sent.
    const raw = `{ "event":"customer.created",  "data":{"key":"zoë","name":"Zoë 🚀"}, "webhook_key":"whk_b64_${Date.now()}" }`;
    const res = await deliver(signedEvent(raw, { base64: true }));
    expect(res.status).toBe(202);
    expect(putEntries(eb)[0]?.Detail).toMatchObject({ key: 'zoë', name: 'Zoë 🚀' });
  });

  it('accepts the older x-partnero-signature header and a sha256= prefix', async () => {
    const first = await deliver(signedEvent(payload(), { header: 'x-partnero-signature' }));
    expect(first.status).toBe(202);
    const p = payload();
    const second = await deliver(
      signedEvent(p, { signature: `sha256=${signBody(SECRET, JSON.stringify(p)).toUpperCase()}` }),
    );
    expect(second.status).toBe(202);
    expect(published()).toBe(2);
  });
});

describe('POST /webhooks/partnero: body checks', () => {
  it('answers 413 for an oversize body before reading the secret', async () => {
    const p = payload({ data: { blob: 'x'.repeat(256 * 1024) } });
    const res = await deliver(signedEvent(p));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(published()).toBe(0);
  });

  it('answers 400 invalid_json for unparseable JSON with a valid signature', async () => {
    const res = await deliver(signedEvent('{"event":"customer.created","data":'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(published()).toBe(0);
  });

  it('answers 400 validation for a signed payload of the wrong shape', async () => {
    const res = await deliver(signedEvent({ event: 'nope', data: 'x' }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(['event']);
    expect(res.body.error.fields).toHaveProperty(['data']);
  });

  it('refuses a stale delivery (a replay) with 400 stale_delivery', async () => {
    const res = await deliver(
      signedEvent(payload({ created_at: new Date(Date.now() - 10 * 60_000).toISOString() })),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('stale_delivery');
    expect(published()).toBe(0);
  });

  it('refuses a delivery stamped too far in the future, epoch seconds', async () => {
    const res = await deliver(
      signedEvent(payload({ created_at: undefined, timestamp: Math.floor(Date.now() / 1000) + 3600 })),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('stale_delivery');
  });
});

describe('POST /webhooks/partnero: each delivery is published once', () => {
  it('answers 200 duplicate for a repeated delivery without publishing again', async () => {
    const event = signedEvent(payload());
    expect((await deliver(event)).status).toBe(202);
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate' });
    expect(published()).toBe(1);
  });

  it('deduplicates by webhook_key even when the body differs (a re-rendered retry)', async () => {
    const p = payload();
    expect((await deliver(signedEvent(p))).status).toBe(202);
    const res = await deliver(signedEvent({ ...p, data: { ...p.data, note: 'resent' } }));
    expect(res.body).toMatchObject({ status: 'duplicate', delivery_id: p.webhook_key });
    expect(published()).toBe(1);
  });

  it('deduplicates by the body hash when the payload has no id', async () => {
    const p = payload({ webhook_key: undefined, created_at: undefined });
    const first = await deliver(signedEvent(p));
    expect(first.status).toBe(202);
    expect(first.body.delivery_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await deliver(signedEvent(p))).status).toBe(200);
    expect(published()).toBe(1);
  });

  it('publishes concurrent duplicates once: the second answers 409 and a later retry 200', async () => {
    eb.on(PutEventsCommand).callsFake(async () => {
      await sleep(200);
      return ok('evt-slow');
    });
    const event = signedEvent(payload());
    const [a, b] = await Promise.all([deliver(event), deliver(event)]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const conflict = a.status === 409 ? a : b;
    expect(conflict.body.error.code).toBe('delivery_in_progress');
    expect(conflict.headers['retry-after']).toBeDefined();
    const retry = await deliver(event);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('duplicate');
    expect(published()).toBe(1);
  });

  it('answers 503 when PutEvents throws, and the retry publishes', async () => {
    eb.reset();
    eb.on(PutEventsCommand).rejectsOnce(new Error('ServiceUnavailable')).resolves(ok('evt-2'));
    const event = signedEvent(payload());
    const failed = await deliver(event);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('publish_failed');
    const retry = await deliver(event);
    expect(retry.status).toBe(202);
    expect(retry.body.event_id).toBe('evt-2');
    expect((await deliver(event)).status).toBe(200);
    expect(published()).toBe(2);
  });

  it('answers 503 on a partial failure (FailedEntryCount 1), and the retry publishes', async () => {
    eb.reset();
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      })
      .resolves(ok('evt-3'));
    const event = signedEvent(payload());
    const failed = await deliver(event);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('publish_failed');
    const retry = await deliver(event);
    expect(retry.status).toBe(202);
    expect(retry.body.event_id).toBe('evt-3');
    expect(published()).toBe(2);
  });
});
