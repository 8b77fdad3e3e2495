import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { createAwsClients } from '#tools/cli/aws-clients.js';
import type { Target } from '#tools/cli/target.js';
import { apiKeyFrom } from '#tools/connect/api-key.js';
import { connect } from '#tools/connect/connect.js';
import { fakePartnero, PARTNERO_URL } from './fake-partnero.js';

const sm = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);

const target = (outputs: Record<string, string> = {}): Target => ({
  stackName: 'partnero-referrals-dev',
  source: 'CloudFormation (eu-west-1)',
  local: false,
  aws: { region: 'eu-west-1' },
  partneroUrl: PARTNERO_URL,
  outputs: {
    WebhookUrl: 'https://api.example.com/webhooks/partnero',
    SecretName: 'dev/api-key',
    WebhookSecretName: 'dev/webhook',
    ...outputs,
  },
});

const stored: Record<string, string> = {};
beforeEach(() => {
  sm.reset();
  sts.reset();
  for (const name of Object.keys(stored)) delete stored[name];
  Object.assign(stored, { 'dev/api-key': '{"apiKey":""}', 'dev/webhook': '{"webhookSecret":""}' });
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: stored[input.SecretId],
  }));
  sm.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
    stored[input.SecretId] = input.SecretString;
    return {};
  });
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
});

function run(
  partnero: ReturnType<typeof fakePartnero>,
  outputs?: Record<string, string>,
  rotateWebhook = false,
) {
  return connect(
    {
      target: target(outputs),
      clients: createAwsClients({ region: 'eu-west-1' }),
      apiKey: apiKeyFrom({
        env: { PARTNERO_API_KEY: 'pk_live_secret' },
        interactive: false,
        prompt: async () => '',
        keepStored: false,
      }),
      partnero: partnero.admin,
    },
    { dryRun: false, rotateWebhook, graceMs: 3_600_000 },
  );
}

const writes = () => sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input.SecretId);
const posts = (p: ReturnType<typeof fakePartnero>) => p.calls.filter((c) => c.method === 'POST');

describe('connect refuses, with one line and before writing anything', () => {
  it('without AWS credentials', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const partnero = fakePartnero();
    await expect(run(partnero)).rejects.toThrow(/^No AWS credentials found: configure them/);
    expect(partnero.calls).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('the key of an affiliate program (it lists partners)', async () => {
    const partnero = fakePartnero((c) =>
      c.path === '/partners' ? [200, { status: 1, data: [{ key: 'p1' }], links: {}, meta: {} }] : undefined,
    );
    await expect(run(partnero)).rejects.toThrow(
      /^This is the API key of an affiliate \(or other non-refer-a-friend\) program \(its program lists partners\): use the key of your refer-a-friend program/,
    );
    expect(posts(partnero)).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('a key whose program refuses the refer-a-friend events (an affiliate program without partners yet)', async () => {
    const partnero = fakePartnero((c) =>
      c.method === 'POST' && c.path === '/webhooks'
        ? [422, { message: 'invalid', errors: { 'events.3': ['The selected events.3 is invalid.'] } }]
        : undefined,
    );
    await expect(run(partnero)).rejects.toThrow(
      /affiliate .*Partnero refused the refer-a-friend events: events\.3: The selected events\.3 is invalid\./,
    );
    expect(writes()).toEqual([]);
  });

  it('a key of a program without customers (404)', async () => {
    const partnero = fakePartnero((c) =>
      c.path === '/customers' ? [404, { message: 'Not found.' }] : undefined,
    );
    await expect(run(partnero)).rejects.toThrow(
      /no customers API \(404\), so it is not a refer-a-friend program/,
    );
    expect(writes()).toEqual([]);
  });

  it('a wrong key (401), never showing it', async () => {
    const partnero = fakePartnero(() => [401, { message: 'Unauthenticated.' }]);
    const error = await run(partnero).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^Partnero refused the API key \(401\)/);
    expect((error as Error).message).not.toContain('pk_live_secret');
    expect(writes()).toEqual([]);
  });

  it('a webhook URL Partnero cannot accept (422 on url)', async () => {
    const partnero = fakePartnero((c) =>
      c.method === 'POST'
        ? [422, { message: 'invalid', errors: { url: ['The url must be a public URL.'] } }]
        : undefined,
    );
    await expect(run(partnero, { WebhookUrl: 'http://localhost:3000/webhooks/partnero' })).rejects.toThrow(
      'Partnero cannot accept the webhook URL http://localhost:3000/webhooks/partnero (url: The url must be a public URL.): it must be a public https URL Partnero can reach (a localhost URL works only with the local sandbox, --local)',
    );
    expect(writes()).toEqual([]);
  });
});

describe('connect against what Partnero shows', () => {
  const hidden = { key: 'whk_1', url: 'https://api.example.com/webhooks/partnero/', is_active: true };
  const allEvents = [...REFER_A_FRIEND_EVENTS];

  it('keeps a webhook whose signing secret Partnero hides when one is stored', async () => {
    stored['dev/webhook'] = '{"webhookSecret":"whsec_known"}';
    const partnero = fakePartnero((c) =>
      c.method === 'GET' && c.path === '/webhooks'
        ? [200, fakePartnero().page([{ ...hidden, events: allEvents }])]
        : undefined,
    );
    const rows = await run(partnero);
    expect(rows.find((r) => r.step === 'webhook')).toMatchObject({ result: 'kept' });
    expect(rows.find((r) => r.step === 'signing secret')).toMatchObject({ result: 'unchanged' });
    expect(posts(partnero)).toEqual([]);
    expect(writes()).toEqual(['dev/api-key']);
  });

  it('replaces it (create, then delete) when nothing is stored, and when it lacks events', async () => {
    for (const events of [allEvents, allEvents.slice(1)]) {
      if (events !== allEvents) stored['dev/webhook'] = '{"webhookSecret":"whsec_known"}';
      const partnero = fakePartnero((c) => {
        if (c.method === 'GET' && c.path === '/webhooks')
          return [200, fakePartnero().page([{ ...hidden, events }])];
        if (c.method === 'POST')
          return [
            201,
            { status: 1, data: { key: 'whk_2', url: hidden.url, events, signature: 'whsec_new' } },
          ];
        if (c.method === 'DELETE') return [204];
        return undefined;
      });
      const rows = await run(partnero);
      expect(rows.map((r) => `${r.step}: ${r.result}`).slice(2)).toEqual([
        'webhook: created',
        expect.stringMatching(/^API key secret: (written|unchanged)$/),
        'signing secret: written',
        'old webhook: deleted',
      ]);
      expect(partnero.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
        'POST /webhooks',
        'DELETE /webhooks/whk_1',
      ]);
      expect(JSON.parse(stored['dev/webhook'] as string).webhookSecret).toBe('whsec_new');
    }
  });

  it('writes one secret with both fields when the stack uses one secret for both', async () => {
    stored.shared = '{"apiKey":"","other":"kept"}';
    const partnero = fakePartnero((c) =>
      c.method === 'POST'
        ? [201, { status: 1, data: { key: 'whk_9', url: 'u', events: allEvents, signature: 'whsec_9' } }]
        : undefined,
    );
    const rows = await run(partnero, { SecretName: 'shared', WebhookSecretName: 'shared' });
    expect(writes()).toEqual(['shared']);
    expect(JSON.parse(stored.shared as string)).toEqual({
      apiKey: 'pk_live_secret',
      other: 'kept',
      webhookSecret: 'whsec_9',
    });
    expect(rows.find((r) => r.step === 'secret')).toMatchObject({ result: 'written' });
  });
});
