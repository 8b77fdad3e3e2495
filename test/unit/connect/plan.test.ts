import { describe, expect, it } from '@jest/globals';
import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { parseDuration } from '#tools/cli/duration.js';
import { sameUrl, type Webhook } from '#tools/cli/partnero-webhooks.js';
import { apiKeyFrom } from '#tools/connect/api-key.js';
import { nextSigningSecret } from '#tools/connect/signing-secret.js';
import { planWebhook } from '#tools/connect/webhook-plan.js';

const URL_ = 'https://api.example.com/webhooks/partnero';
const hook = (key: string, extra: Partial<Webhook> = {}): Webhook => ({
  key,
  name: null,
  url: URL_,
  events: [...REFER_A_FRIEND_EVENTS],
  isActive: true,
  signature: `sig_${key}`,
  ...extra,
});

describe('planWebhook', () => {
  it('creates one when the URL has none (other URLs are not ours)', () => {
    expect(
      planWebhook({
        url: URL_,
        webhooks: [hook('a', { url: 'https://other/x' })],
        stored: undefined,
        rotate: false,
      }),
    ).toEqual({
      action: 'create',
      reason: 'no webhook for this URL yet',
      replaces: [],
    });
  });

  it('keeps the one signed with the stored secret and deletes the duplicates', () => {
    const plan = planWebhook({
      url: `${URL_}/`,
      webhooks: [hook('a'), hook('b'), hook('c', { isActive: false })],
      stored: { current: 'sig_b' },
      rotate: false,
    });
    expect(plan).toMatchObject({ action: 'keep', webhook: { key: 'b' }, signature: 'sig_b' });
    expect(plan.action === 'keep' && plan.duplicates.map((w) => w.key)).toEqual(['a', 'c']);
  });

  it('prefers a shown signature to a hidden one when the stored secret matches neither', () => {
    const plan = planWebhook({
      url: URL_,
      webhooks: [hook('a', { signature: null }), hook('b')],
      stored: { current: 'sig_gone' },
      rotate: false,
    });
    expect(plan).toMatchObject({ action: 'keep', webhook: { key: 'b' }, signature: 'sig_b' });
  });

  it('replaces webhooks it cannot keep, saying why', () => {
    const plan = planWebhook({
      url: URL_,
      webhooks: [hook('a', { isActive: false }), hook('b', { events: ['customer.created'] })],
      stored: undefined,
      rotate: false,
    });
    expect(plan.action).toBe('create');
    expect(plan.action === 'create' && plan.reason).toMatch(
      /^webhook a is inactive; webhook b lacks customer\.updated, /,
    );
    expect(plan.action === 'create' && plan.replaces.map((w) => w.key)).toEqual(['a', 'b']);
  });

  it('always makes a new one for a rotation, replacing every old one', () => {
    const plan = planWebhook({
      url: URL_,
      webhooks: [hook('a')],
      stored: { current: 'sig_a' },
      rotate: true,
    });
    expect(plan).toMatchObject({ action: 'create', replaces: [{ key: 'a' }] });
  });

  it('matches URLs regardless of host case, default port and trailing slash', () => {
    expect(sameUrl('https://API.example.com:443/webhooks/partnero/', URL_)).toBe(true);
    expect(sameUrl('https://api.example.com/webhooks/partnero2', URL_)).toBe(false);
  });
});

describe('nextSigningSecret', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const grace = { now, graceMs: 60_000 };

  it('keeps the stored secret as the previous one for the grace period when the signature changes', () => {
    expect(nextSigningSecret({ webhookSecret: 'old' }, { current: 'old' }, 'new', grace)).toEqual({
      fields: {
        webhookSecret: 'new',
        previousWebhookSecret: 'old',
        previousValidUntil: '2026-01-01T00:01:00.000Z',
      },
      changed: true,
      previousValidUntil: '2026-01-01T00:01:00.000Z',
    });
    expect(nextSigningSecret({}, { current: 'old' }, 'new', { now, graceMs: 0 })).toEqual({
      fields: { webhookSecret: 'new' },
      changed: true,
    });
  });

  it('changes nothing for the same signature, until the previous secret expires', () => {
    const stored = {
      webhookSecret: 'new',
      previousWebhookSecret: 'old',
      previousValidUntil: '2026-01-01T00:01:00.000Z',
    };
    const keys = { current: 'new', previous: { secret: 'old', validUntil: now + 60_000 } };
    expect(nextSigningSecret(stored, keys, 'new', grace).changed).toBe(false);
    expect(nextSigningSecret(stored, keys, 'new', { now: now + 60_000, graceMs: 60_000 })).toEqual({
      fields: { webhookSecret: 'new' },
      changed: true,
    });
  });

  it('writes a first secret with no previous one', () => {
    expect(nextSigningSecret({ webhookSecret: '' }, undefined, 'first', grace)).toEqual({
      fields: { webhookSecret: 'first' },
      changed: true,
    });
  });
});

describe('the API key', () => {
  const read = (env: NodeJS.ProcessEnv, interactive: boolean, answer = '', keepStored = false) => {
    const asked: string[] = [];
    const key = apiKeyFrom({
      env,
      interactive,
      keepStored,
      prompt: async (message) => {
        asked.push(message);
        return answer;
      },
    });
    return { key, asked };
  };

  it('comes from PARTNERO_API_KEY without asking', async () => {
    const { key, asked } = read({ PARTNERO_API_KEY: ' pk_env ' }, true);
    expect(await key('pk_stored')).toEqual({ value: 'pk_env', origin: 'from PARTNERO_API_KEY' });
    expect(asked).toEqual([]);
  });

  it('is asked for in a terminal, Enter keeping the stored one', async () => {
    expect(await read({}, true, ' pk_typed ').key(undefined)).toEqual({ value: 'pk_typed', origin: 'typed' });
    const kept = read({}, true, '');
    expect(await kept.key('pk_stored')).toEqual({ value: 'pk_stored', origin: 'kept from the secret' });
    expect(kept.asked).toEqual([
      'Partnero API key of your refer-a-friend program (Enter keeps the one in the secret):',
    ]);
    await expect(read({}, true, '').key(undefined)).rejects.toThrow(/^No Partnero API key/);
  });

  it('is refused without a terminal, unless --keep-key reuses the stored one', async () => {
    await expect(read({}, false).key('pk_stored')).rejects.toThrow(
      /^No Partnero API key: set PARTNERO_API_KEY/,
    );
    expect(await read({}, false, '', true).key('pk_stored')).toMatchObject({ value: 'pk_stored' });
    await expect(read({}, false, '', true).key(undefined)).rejects.toThrow(
      /^--keep-key: the secret holds no API key/,
    );
  });
});

describe('--grace', () => {
  it('reads s, m, h, d and 0, and refuses anything else as a usage error', () => {
    expect([
      parseDuration('90s', 'g'),
      parseDuration('30m', 'g'),
      parseDuration('24h', 'g'),
      parseDuration('1.5d', 'g'),
      parseDuration('0', 'g'),
    ]).toEqual([90_000, 1_800_000, 86_400_000, 129_600_000, 0]);
    expect(() => parseDuration('1w', '--grace')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
