import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '#shared/lambda/runtime.js';
import { MAX_DELIVERY_DEPTH } from '#shared/webhooks/parse-delivery.js';
import { signBody } from '#shared/webhooks/signature.js';
import { type LocalDynamo, startLocalDynamo } from '#test/support/local-dynamo.js';
import { recordingMetrics } from '#test/support/metrics.js';
import {
  BUS,
  container,
  dedupRecords,
  gate,
  idOf,
  ok,
  payload,
  putEntries,
  SECRET,
  signedEvent,
  transactionPayload,
  WEBHOOK_KEY,
  waitUntil,
} from './helpers.js';

const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);

let dynamo: LocalDynamo;
let deliver: ReturnType<typeof container>;

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
  sm.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ apiKey: 'pk_test', webhookSecret: SECRET }),
  });
  deliver = container(dynamo);
});
afterEach(() => {
  jest.restoreAllMocks();
});

const published = () => eb.commandCalls(PutEventsCommand).length;
const unauthorized = { error: { code: 'unauthorized', message: 'Invalid signature' } };
const DAY_MS = 24 * 60 * 60 * 1000;

describe('POST /webhooks/partnero: signature', () => {
  it('publishes a validly signed delivery as one EventBridge event and answers 202', async () => {
    const p = payload();
    const res = await deliver(signedEvent(p));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', delivery_id: idOf(p), event_id: 'evt-1' });
    expect(res.body.delivery_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(putEntries(eb)).toEqual([
      {
        EventBusName: BUS,
        Source: 'partnero',
        DetailType: 'customer.rewarded',
        Detail: {
          ...p.data,
          partnero: {
            event: 'customer.rewarded',
            delivery_id: idOf(p),
            webhook_key: WEBHOOK_KEY,
            created_at: p.created_at,
          },
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
    event.body = JSON.stringify({ ...p, data: { ...p.data, reward: { ...p.data.reward, amount: 2000 } } });
    const res = await deliver(event);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized);
    expect(published()).toBe(0);
  });

  it('verifies and identifies the raw bytes of a base64-encoded body', async () => {
    // Non-ASCII and odd spacing: the signature and the delivery id cover the bytes exactly as sent.
    const raw = `{ "event":"customer.created", "url":"https://api.example.com/webhooks/partnero",  "webhook_key":"${WEBHOOK_KEY}", "created_at":"${new Date().toISOString()}", "data":{"key":"zoë","name":"Zoë 🚀"} }`;
    const res = await deliver(signedEvent(raw, { base64: true }));
    expect(res.status).toBe(202);
    expect(res.body.delivery_id).toBe(idOf(raw));
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
    expect(published()).toBe(0);
  });

  it.each([
    ['arrays', '[', ']'],
    ['objects', '{"n":', '}'],
  ])(
    'answers 400 payload_too_deep (not 500) for a signed body of %s nested 40,000 deep',
    async (_label, open, close) => {
      const raw = `{"event":"customer.rewarded","webhook_key":"${WEBHOOK_KEY}","data":{"x":${open.repeat(40_000)}${close.repeat(40_000)}}}`;
      expect(Buffer.byteLength(raw)).toBeLessThan(256 * 1024);
      const res = await deliver(signedEvent(raw));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('payload_too_deep');
      expect(published()).toBe(0);
      expect(dedupRecords(dynamo)).toHaveLength(0);
    },
  );

  it(`accepts a body nested exactly ${MAX_DELIVERY_DEPTH} levels deep and refuses one level more`, async () => {
    // The body is level 1 and `data` level 2: `inner` more objects inside `data` make 2 + inner levels.
    const nested = (inner: number) =>
      `{"event":"customer.updated","webhook_key":"${WEBHOOK_KEY}","data":{"x":${'{"n":'.repeat(inner - 1)}{}${'}'.repeat(inner - 1)}}}`;
    const atLimit = await deliver(signedEvent(nested(MAX_DELIVERY_DEPTH - 2)));
    expect(atLimit.status).toBe(202);
    const over = await deliver(signedEvent(nested(MAX_DELIVERY_DEPTH - 1)));
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('payload_too_deep');
    expect(published()).toBe(1);
  });

  it('publishes a delivery without webhook_key or created_at, with nulls in detail.partnero', async () => {
    const p = payload({ webhook_key: undefined, created_at: undefined, url: undefined });
    const res = await deliver(signedEvent(p));
    expect(res.status).toBe(202);
    expect(putEntries(eb)[0]?.Detail.partnero).toEqual({
      event: 'customer.rewarded',
      delivery_id: idOf(p),
      webhook_key: null,
      created_at: null,
    });
  });
});

describe('POST /webhooks/partnero: each delivery is published once', () => {
  it('answers a retry with the identical body 200 duplicate, without publishing again', async () => {
    const p = payload();
    const event = signedEvent(p);
    const first = await deliver(event);
    expect(first.status).toBe(202);
    const again = await deliver(signedEvent(JSON.stringify(p)));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', delivery_id: idOf(p) });
    expect(again.body.delivery_id).toBe(first.body.delivery_id);
    expect(published()).toBe(1);
  });

  it('publishes BOTH of two different events from the same subscription (same webhook_key)', async () => {
    const createdAt = Date.now();
    const transaction = transactionPayload({}, createdAt);
    const reward = payload({}, createdAt);
    expect(transaction.webhook_key).toBe(reward.webhook_key);

    const a = await deliver(signedEvent(transaction));
    const b = await deliver(signedEvent(reward));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.delivery_id).not.toBe(b.body.delivery_id);
    expect(putEntries(eb).map((e) => [e.DetailType, e.Detail.partnero])).toEqual([
      [
        'transaction.created',
        {
          event: 'transaction.created',
          delivery_id: idOf(transaction),
          webhook_key: WEBHOOK_KEY,
          created_at: transaction.created_at,
        },
      ],
      [
        'customer.rewarded',
        {
          event: 'customer.rewarded',
          delivery_id: idOf(reward),
          webhook_key: WEBHOOK_KEY,
          created_at: reward.created_at,
        },
      ],
    ]);
  });

  it('publishes two deliveries of the same event from the same subscription that differ in data', async () => {
    const createdAt = Date.now();
    const first = payload({}, createdAt);
    const second = payload({}, createdAt);
    expect(first.data.transaction_key).not.toBe(second.data.transaction_key);
    expect((await deliver(signedEvent(first))).status).toBe(202);
    expect((await deliver(signedEvent(second))).status).toBe(202);
    expect(published()).toBe(2);
  });

  it('publishes concurrent duplicates once: the second answers 409 and a later retry 200', async () => {
    const held = gate();
    eb.on(PutEventsCommand).callsFake(async () => {
      await held.opened;
      return ok('evt-slow');
    });
    const event = signedEvent(payload());
    const first = deliver(event);
    // The first delivery is inside PutEvents, so its in-progress record is written.
    await waitUntil(() => published() === 1, 'the first PutEvents call');
    const conflict = await deliver(event);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('delivery_in_progress');
    expect(conflict.headers['retry-after']).toBe('5');

    held.open();
    expect((await first).status).toBe(202);
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
    expect(failed.headers['retry-after']).toBeDefined();
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

describe('POST /webhooks/partnero: age of a delivery', () => {
  it('by default (3 days, no WEBHOOK_TOLERANCE_SECONDS) acknowledges an older signed delivery 200 without publishing it', async () => {
    const old = payload({}, Date.now() - 4 * DAY_MS);
    const res = await deliver(signedEvent(old));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'stale', delivery_id: idOf(old) });
    expect(published()).toBe(0);
    // Partnero's late retry, 2 days after the event, is still published.
    const retry = payload({}, Date.now() - 2 * DAY_MS);
    expect((await deliver(signedEvent(retry))).status).toBe(202);
    expect(published()).toBe(1);
  });

  it('by default, a captured delivery replayed after the 7-day dedup window is acknowledged, never republished', async () => {
    let now = Date.now();
    const replayable = container(dynamo, {}, { now: () => now });
    const p = payload({}, now);
    expect((await replayable(signedEvent(p))).status).toBe(202);
    now += 8 * DAY_MS;
    const replay = await replayable(signedEvent(p));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'stale', delivery_id: idOf(p) });
    expect(published()).toBe(1);
  });

  it('publishes a late retry (created_at days ago) when the check is turned off (0)', async () => {
    const off = container(dynamo, { WEBHOOK_TOLERANCE_SECONDS: '0' });
    const late = payload({}, Date.now() - 30 * DAY_MS);
    const res = await off(signedEvent(late));
    expect(res.status).toBe(202);
    expect(putEntries(eb)[0]?.Detail.partnero.created_at).toBe(late.created_at);
  });

  it('with a tolerance, acknowledges an older delivery 200 stale without publishing, and logs it', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const strict = container(dynamo, { WEBHOOK_TOLERANCE_SECONDS: String(3 * 24 * 60 * 60) });
    const old = payload({}, Date.now() - 4 * DAY_MS);
    const res = await strict(signedEvent(old));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'stale', delivery_id: idOf(old) });
    expect(published()).toBe(0);
    expect(dedupRecords(dynamo)).toHaveLength(0);
    expect(warn).toHaveBeenCalledWith(
      'stale webhook delivery acknowledged and dropped',
      expect.objectContaining({
        event: 'customer.rewarded',
        deliveryId: idOf(old),
        createdAt: old.created_at,
      }),
    );

    // Inside the window, and with a created_at that reads as no time at all: published.
    expect((await strict(signedEvent(payload({}, Date.now() - DAY_MS)))).status).toBe(202);
    expect((await strict(signedEvent(payload({ created_at: 'sometime' })))).status).toBe(202);
    expect(published()).toBe(2);
  });

  it('with a tolerance, a retry that arrives after the window is acknowledged, not published again', async () => {
    let now = Date.now();
    const strict = container(
      dynamo,
      { WEBHOOK_TOLERANCE_SECONDS: String(3 * 24 * 60 * 60) },
      { now: () => now },
    );
    const p = payload({}, now);
    expect((await strict(signedEvent(p))).status).toBe(202);
    now += 4 * DAY_MS;
    const late = await strict(signedEvent(p));
    expect(late.status).toBe(200);
    expect(late.body).toEqual({ status: 'stale', delivery_id: idOf(p) });
    expect(published()).toBe(1);
  });
});

describe('POST /webhooks/partnero: metrics', () => {
  it('counts deliveries, 401s, publishes by event and duplicates, and publishes them every time', async () => {
    const recorded = recordingMetrics();
    const counted = container(dynamo, {}, { metrics: recorded.metrics });
    const p = payload();
    await counted(signedEvent(p));
    await counted(signedEvent(p));
    await counted(signedEvent(payload(), { signature: 'f'.repeat(64) }));
    expect(recorded.count('WebhookDeliveries')).toBe(3);
    expect(recorded.count('WebhooksUnauthorized')).toBe(1);
    expect(recorded.count('WebhooksPublished')).toBe(1);
    expect(recorded.count('WebhooksPublished', ['event', 'customer.rewarded'])).toBe(1);
    expect(recorded.count('WebhooksDuplicate')).toBe(1);
    expect(recorded.publishes()).toBe(3);
  });
});
