import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LOCAL_WEBHOOK_SECRET } from '#local/config.js';
import type { CheckResult } from '#tools/doctor/check.js';
import { exitCodeOf } from '#tools/doctor/doctor.js';
import {
  connectLocal,
  doctorLocal,
  secretOf,
  startOutputsSystem,
  subscriptionsFor,
} from '../connect/helpers.js';

// A connected system, as `npm start` runs by default: secrets filled, the sandbox subscribed.
let env: Awaited<ReturnType<typeof startOutputsSystem>>;
beforeAll(async () => {
  env = await startOutputsSystem({ connected: true });
});
afterAll(() => env.close());

const byName = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));
const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r.status]));

describe('npm run doctor -- --local', () => {
  it('finds nothing to do for connect on a connected system: the pre-made webhook is kept', async () => {
    const rows = await connectLocal(env.outputsFile, { key: env.system.sandboxApiKey });
    expect(rows.map((r) => `${r.step}: ${r.result}`)).toEqual([
      'stack: found',
      'API key: accepted',
      'webhook: kept',
      'API key secret: unchanged',
      'signing secret: unchanged',
    ]);
    expect(secretOf(env.system, env.system.webhookSecretName).json).toEqual({
      webhookSecret: LOCAL_WEBHOOK_SECRET,
    });
  });

  it('passes every check that can run locally, and skips the AWS-only ones with the reason', async () => {
    const results = await doctorLocal(env.outputsFile);
    expect(statuses(results)).toEqual({
      'API key': 'pass',
      webhook: 'pass',
      'test delivery': 'pass',
      'order DLQ': 'pass',
      alarms: 'skip',
      reconciler: 'skip',
    });
    expect(byName(results)['test delivery']?.detail).toMatch(/HTTP 202 accepted$/);
    expect(byName(results).alarms?.detail).toMatch(/no CloudWatch/);
    expect(exitCodeOf(results)).toBe(0);
    // The synthetic delivery went through the function onto the bus like a Partnero event.
    const onBus = env.system.activity
      .recent()
      .some((r) => r.kind === 'event' && r.event['detail-type'] === 'doctor.test_delivery');
    expect(onBus).toBe(true);
  });

  it('fails with the fix when the API key secret is empty, and skips the webhook check that needs the key', async () => {
    const { system } = env;
    const saved = secretOf(system, system.secretName).json;
    system.secrets.put(system.secretName, JSON.stringify({ apiKey: '' }));
    try {
      const results = await doctorLocal(env.outputsFile);
      expect(byName(results)['API key']).toEqual({
        name: 'API key',
        status: 'fail',
        detail: `${system.secretName} holds no usable API key`,
        fix: 'run npm run connect -- --local',
      });
      expect(byName(results).webhook?.status).toBe('skip');
      expect(exitCodeOf(results)).toBe(1);
    } finally {
      system.secrets.put(system.secretName, JSON.stringify(saved));
    }
  });

  it('fails with the fix when the key in the secret is refused by Partnero', async () => {
    const { system } = env;
    const saved = secretOf(system, system.secretName).json;
    system.secrets.put(system.secretName, JSON.stringify({ apiKey: 'pk_revoked' }));
    try {
      const result = byName(await doctorLocal(env.outputsFile))['API key'];
      expect(result?.status).toBe('fail');
      expect(result?.detail).toContain('Partnero refused the API key (401)');
      expect(result?.detail).not.toContain('pk_revoked');
    } finally {
      system.secrets.put(system.secretName, JSON.stringify(saved));
    }
  });

  it("fails when the stored signing secret is not the webhook's", async () => {
    const { system } = env;
    const saved = secretOf(system, system.webhookSecretName).json;
    system.secrets.put(system.webhookSecretName, JSON.stringify({ webhookSecret: 'whsec_someone_elses' }));
    try {
      const result = byName(await doctorLocal(env.outputsFile)).webhook;
      expect(result?.status).toBe('fail');
      expect(result?.detail).toMatch(/is not the one in referrals\/partnero-webhook$/);
    } finally {
      system.secrets.put(system.webhookSecretName, JSON.stringify(saved));
    }
  });

  it('fails when a message waits in the order DLQ, with the redrive', async () => {
    env.system.deadLetterQueue.send(JSON.stringify({ orderId: 'doctor-1' }));
    try {
      const result = byName(await doctorLocal(env.outputsFile))['order DLQ'];
      expect(result).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^1 order event/) });
      expect(result?.fix).toMatch(/failure_code.*redrive/);
    } finally {
      env.system.deadLetterQueue.purge();
    }
  });

  it('fails with the fix when the webhook is gone from Partnero (and connect brings it back)', async () => {
    const { system } = env;
    for (const subscription of subscriptionsFor(system)) system.sandbox.webhooks.unsubscribe(subscription);
    const results = await doctorLocal(env.outputsFile);
    expect(byName(results).webhook).toEqual({
      name: 'webhook',
      status: 'fail',
      detail: `no webhook in Partnero points at ${system.outputs.WebhookUrl}`,
      fix: 'run npm run connect -- --local',
    });
    expect(exitCodeOf(results)).toBe(1);

    await connectLocal(env.outputsFile, { key: system.sandboxApiKey, graceMs: 0 });
    expect(subscriptionsFor(system)).toHaveLength(1);
    expect(byName(await doctorLocal(env.outputsFile)).webhook?.status).toBe('pass');
  });
});
