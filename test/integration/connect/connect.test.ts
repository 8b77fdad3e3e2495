import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Delivery } from '#local/sandbox/index.js';
import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { createWebhookRuntime } from '#shared/webhooks/runtime.js';
import { waitFor } from '../local/helpers.js';
import { connectLocal, secretOf, startOutputsSystem, subscriptionsFor } from './helpers.js';

let env: Awaited<ReturnType<typeof startOutputsSystem>>;
beforeAll(async () => {
  env = await startOutputsSystem();
});
afterAll(() => env.close());

const HOUR = 3_600_000;
const key = () => env.system.sandboxApiKey;
const apiSecret = () => secretOf(env.system, env.system.secretName);
const webhookSecret = () => secretOf(env.system, env.system.webhookSecretName);
const results = (rows: { step: string; result: string }[]) => rows.map((r) => `${r.step}: ${r.result}`);

/** Makes the sandbox emit `customer.created` and waits until its delivery to WebhookUrl got an answer. */
async function customerDelivered(customerKey: string): Promise<Delivery> {
  const res = await fetch(`${env.system.urls.sandboxApi}/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key: customerKey, email: `${customerKey}@example.com` }),
  });
  expect(res.status).toBe(201);
  return waitFor(
    () =>
      env.system.sandbox.webhooks.deliveries.find(
        (d) =>
          d.event === 'customer.created' && d.body.includes(`"id":"${customerKey}"`) && d.lastStatus !== null,
      ),
    20_000,
    `the delivery of ${customerKey}`,
  );
}

describe('npm run connect -- --local, end to end with the real SDK clients', () => {
  it('--dry-run shows the plan and writes nothing', async () => {
    const before = {
      api: apiSecret(),
      webhook: webhookSecret(),
      subscriptions: subscriptionsFor(env.system).length,
    };
    const rows = await connectLocal(env.outputsFile, { key: key(), dryRun: true });
    expect(results(rows)).toEqual([
      'stack: found',
      'API key: accepted',
      'webhook: would create',
      'API key secret: would write',
      'signing secret: would write',
    ]);
    expect(apiSecret()).toEqual(before.api);
    expect(webhookSecret()).toEqual(before.webhook);
    expect(subscriptionsFor(env.system)).toHaveLength(before.subscriptions);
    expect(before.subscriptions).toBe(0);
  });

  it('fills both secrets and registers one webhook with the refer-a-friend events', async () => {
    const rows = await connectLocal(env.outputsFile, { key: key() });
    expect(results(rows)).toEqual([
      'stack: found',
      'API key: accepted',
      'webhook: created',
      'API key secret: written',
      'signing secret: written',
    ]);
    const [subscription, ...others] = subscriptionsFor(env.system);
    expect(others).toEqual([]);
    expect(subscription).toMatchObject({ isActive: true });
    expect([...(subscription?.events ?? [])].sort()).toEqual([...REFER_A_FRIEND_EVENTS].sort());
    expect(apiSecret().json).toEqual({ apiKey: key() });
    expect(webhookSecret().json).toEqual({ webhookSecret: subscription?.signature });
  });

  it('changes nothing when run again (no second webhook, no new secret version)', async () => {
    const before = {
      api: apiSecret(),
      webhook: webhookSecret(),
      subscriptions: subscriptionsFor(env.system),
    };
    const rows = await connectLocal(env.outputsFile, { key: key() });
    expect(results(rows)).toEqual([
      'stack: found',
      'API key: accepted',
      'webhook: kept',
      'API key secret: unchanged',
      'signing secret: unchanged',
    ]);
    expect(subscriptionsFor(env.system)).toEqual(before.subscriptions);
    expect(apiSecret().versionId).toBe(before.api.versionId);
    expect(webhookSecret().versionId).toBe(before.webhook.versionId);
  });

  it('lets the webhook route accept what the sandbox delivers afterwards, signed with the stored secret', async () => {
    const delivery = await customerDelivered('connect-carol');
    expect(delivery.lastStatus).toBe(202);
    expect(delivery.webhookKey).toBe(subscriptionsFor(env.system)[0]?.key);
    const published = env.system.activity
      .recent()
      .some(
        (r) => r.kind === 'event' && r.event.source === 'partnero' && r.event.detail.id === 'connect-carol',
      );
    expect(published).toBe(true);
  });

  describe('--rotate-webhook', () => {
    // The clock connect rotates by (its expiry must be ahead of the real clock for the route test).
    const rotatedAt = Date.now();
    const until = rotatedAt + HOUR;
    let oldDelivery: Delivery;
    let oldSecret: string;

    beforeAll(async () => {
      oldDelivery = await customerDelivered('connect-dave');
      oldSecret = webhookSecret().json.webhookSecret as string;
    });

    it('replaces the webhook and keeps the old signing secret valid for the grace period', async () => {
      const old = subscriptionsFor(env.system);
      const rows = await connectLocal(env.outputsFile, {
        key: key(),
        rotateWebhook: true,
        graceMs: HOUR,
        now: () => rotatedAt,
      });
      expect(results(rows)).toEqual([
        'stack: found',
        'API key: accepted',
        'webhook: created',
        'API key secret: unchanged',
        'signing secret: written',
        'old webhook: deleted',
      ]);
      const [now, ...others] = subscriptionsFor(env.system);
      expect(others).toEqual([]);
      expect(now?.key).not.toBe(old[0]?.key);
      expect(now?.signature).not.toBe(oldSecret);
      expect(webhookSecret().json).toEqual({
        webhookSecret: now?.signature,
        previousWebhookSecret: oldSecret,
        previousValidUntil: new Date(until).toISOString(),
      });
    });

    it('accepts new deliveries, and a redelivery signed with the old secret, through the webhook route', async () => {
      // The new delivery is signed with the new secret: the function re-reads the rotated secret for it.
      expect((await customerDelivered('connect-erin')).lastStatus).toBe(202);
      // The old delivery again, same bytes and old signature: accepted (200 duplicate, not 401).
      const replayed = await env.system.sandbox.webhooks.replay(oldDelivery);
      expect(replayed.lastStatus).toBe(200);
    });

    it('accepts the old signature until the expiry and refuses it from then on (the function with a clock)', async () => {
      const verifyAt = (now: number) => {
        const runtime = createWebhookRuntime(env.system.env, { now: () => now });
        return runtime.verify(Buffer.from(oldDelivery.body), oldDelivery.signature, Date.now() + 10_000);
      };
      await expect(verifyAt(until - 1)).resolves.toBeUndefined();
      await expect(verifyAt(until)).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(verifyAt(until + HOUR)).rejects.toMatchObject({ code: 'unauthorized' });
    });

    it('drops the expired previous secret on the next run, and writes nothing else', async () => {
      const before = { api: apiSecret(), subscriptions: subscriptionsFor(env.system) };
      const rows = await connectLocal(env.outputsFile, { key: key(), now: () => rotatedAt + 2 * HOUR });
      expect(results(rows)).toEqual([
        'stack: found',
        'API key: accepted',
        'webhook: kept',
        'API key secret: unchanged',
        'signing secret: written',
      ]);
      expect(webhookSecret().json).toEqual({ webhookSecret: before.subscriptions[0]?.signature });
      expect(subscriptionsFor(env.system)).toEqual(before.subscriptions);
      expect(apiSecret().versionId).toBe(before.api.versionId);
    });
  });
});
