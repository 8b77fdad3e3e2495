import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { createSecretProvider } from '#shared/secrets/cached-secret.js';
import { isSecretError } from '#shared/secrets/secret-value.js';

const secretId = 'partnero/api-key';

function setup(ttlMs = 1000) {
  const sm = mockClient(SecretsManagerClient);
  let clock = 0;
  const provider = createSecretProvider({
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    secretId,
    ttlMs,
    now: () => clock,
  });
  return { sm, provider, advance: (ms: number) => (clock += ms) };
}

describe('secret provider', () => {
  it('reads a bare key once and serves it from cache within the TTL', async () => {
    const { sm, provider, advance } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'pk_live_1' });
    expect(await provider.apiKey.get()).toBe('pk_live_1');
    advance(999);
    expect(await provider.apiKey.get()).toBe('pk_live_1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: secretId });
  });

  it('reads the secret again after the TTL expires', async () => {
    const { sm, provider, advance } = setup();
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: 'new' });
    expect(await provider.apiKey.get()).toBe('old');
    advance(1000);
    expect(await provider.apiKey.get()).toBe('new');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one request between concurrent first calls', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'pk' });
    const keys = await Promise.all(Array.from({ length: 10 }, () => provider.apiKey.get()));
    expect(new Set(keys)).toEqual(new Set(['pk']));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('re-reads after invalidate(), which is how a rotated key is picked up', async () => {
    const { sm, provider } = setup(60_000);
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'rotated-out' })
      .resolves({ SecretString: 'fresh' });
    expect(await provider.apiKey.get()).toBe('rotated-out');
    provider.apiKey.invalidate();
    expect(await provider.apiKey.get()).toBe('fresh');
  });

  it('parses the JSON form, reading apiKey and ignoring other fields', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"apiKey":" k1 ","webhookSecret":"whsec"}' });
    expect(await provider.apiKey.get()).toBe('k1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads a binary secret', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode('bin-key') });
    expect(await provider.apiKey.get()).toBe('bin-key');
  });

  it.each([
    ['an empty string', '', /Secret "partnero\/api-key" is empty/],
    ['only spaces', '   ', /is empty/],
    ['JSON without apiKey', '{"webhookSecret":"x"}', /no non-empty "apiKey"/],
    ['broken JSON', '{"apiKey":', /not valid JSON/],
  ])('fails clearly, naming the secret, when it holds %s', async (_label, value, message) => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });
    const error = await provider.apiKey.get().catch((e: unknown) => e);
    expect(isSecretError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'secret_invalid', retryable: false, secretId });
    expect((error as Error).message).toMatch(message);
  });

  it('names the secret when it does not exist', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }),
    );
    await expect(provider.apiKey.get()).rejects.toMatchObject({
      code: 'secret_invalid',
      message: 'Secret "partnero/api-key" does not exist',
    });
  });

  it('reports a Secrets Manager outage as retryable and does not cache the failure', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'pk' });
    await expect(provider.apiKey.get()).rejects.toMatchObject({
      code: 'secret_unavailable',
      retryable: true,
    });
    expect(await provider.apiKey.get()).toBe('pk');
  });

  it('never puts the secret value into an error message', async () => {
    const { sm, provider } = setup();
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"apiKey": "super-secret-value"' });
    const error = (await provider.apiKey.get().catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('super-secret-value');
    expect(JSON.stringify(error)).not.toContain('super-secret-value');
  });
});
