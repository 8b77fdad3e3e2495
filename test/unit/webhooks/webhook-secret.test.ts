import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { parseSigningKeys, webhookSecretFromEnv } from '#shared/webhooks/webhook-secret.js';

const sm = mockClient(SecretsManagerClient);
beforeEach(() => {
  sm.reset();
});

const UNTIL = '2026-06-01T12:00:00.000Z';

describe('parseSigningKeys', () => {
  it('reads the bare form and the JSON form as the current secret only', () => {
    expect(parseSigningKeys('s', ' whsec_a ')).toEqual({ current: 'whsec_a' });
    expect(parseSigningKeys('s', '{"webhookSecret":"whsec_a"}')).toEqual({ current: 'whsec_a' });
  });

  it('reads the previous secret of a rotation with its expiry', () => {
    const raw = JSON.stringify({
      webhookSecret: 'whsec_new',
      previousWebhookSecret: 'whsec_old',
      previousValidUntil: UNTIL,
    });
    expect(parseSigningKeys('s', raw)).toEqual({
      current: 'whsec_new',
      previous: { secret: 'whsec_old', validUntil: Date.parse(UNTIL) },
    });
  });

  it.each([
    ['no expiry', { previousWebhookSecret: 'whsec_old' }],
    ['an unreadable expiry', { previousWebhookSecret: 'whsec_old', previousValidUntil: 'soon' }],
    ['a numeric expiry', { previousWebhookSecret: 'whsec_old', previousValidUntil: 1_800_000_000_000 }],
    ['an empty previous secret', { previousWebhookSecret: ' ', previousValidUntil: UNTIL }],
  ])('ignores a previous secret with %s (nothing is accepted forever)', (_label, extra) => {
    const raw = JSON.stringify({ webhookSecret: 'whsec_new', ...extra });
    expect(parseSigningKeys('s', raw)).toEqual({ current: 'whsec_new' });
  });

  it('refuses a JSON secret without a current secret, naming the secret and not the values', () => {
    const raw = JSON.stringify({ previousWebhookSecret: 'whsec_old', previousValidUntil: UNTIL });
    expect(() => parseSigningKeys('wh/secret', raw)).toThrow(
      'Secret "wh/secret" has no non-empty "webhookSecret" field',
    );
    expect(() => parseSigningKeys('wh/secret', raw)).not.toThrow(/whsec_old/);
  });
});

describe('webhookSecretFromEnv', () => {
  it('gives the dedicated secret with its keys, from one read', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'wh' }).resolves({
      SecretString: JSON.stringify({
        webhookSecret: 'whsec_new',
        previousWebhookSecret: 'whsec_old',
        previousValidUntil: UNTIL,
      }),
    });
    const secret = webhookSecretFromEnv({ WEBHOOK_SECRET_ID: 'wh' }, new SecretsManagerClient({}));
    expect(await secret.get()).toBe('whsec_new');
    expect(await secret.keys()).toEqual({
      current: 'whsec_new',
      previous: { secret: 'whsec_old', validUntil: Date.parse(UNTIL) },
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    secret.invalidate();
    await secret.keys();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('needs WEBHOOK_SECRET_ID, and never falls back to the Partnero API key secret', () => {
    expect(() => webhookSecretFromEnv({ PARTNERO_SECRET_ID: 'api' }, new SecretsManagerClient({}))).toThrow(
      'WEBHOOK_SECRET_ID',
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
