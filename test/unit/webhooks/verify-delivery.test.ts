import { describe, expect, it } from '@jest/globals';
import { signBody } from '#shared/webhooks/signature.js';
import { createDeliveryVerifier } from '#shared/webhooks/verify-delivery.js';
import type { SigningKeys, WebhookSigningSecret } from '#shared/webhooks/webhook-secret.js';

/** A deadline the reads never come near. */
const FAR = Date.now() + 60_000;
const body = Buffer.from('{"event":"customer.created","data":{"key":"alice"}}');
const signed = (secret: string) => signBody(secret, body);

/** A signing secret whose stored value the test changes, counting reads (as the cache would make them). */
function fakeSecret(initial: SigningKeys) {
  let stored = initial;
  let cached: SigningKeys | undefined;
  const state = { reads: 0 };
  const secret: WebhookSigningSecret = {
    keys: async () => {
      if (!cached) {
        state.reads += 1;
        cached = stored;
      }
      return cached;
    },
    get: async () => (await secret.keys()).current,
    invalidate: () => {
      cached = undefined;
    },
  };
  return {
    secret,
    state,
    store: (keys: SigningKeys) => {
      stored = keys;
    },
  };
}

const rotated = (validUntil: number): SigningKeys => ({
  current: 'whsec_new',
  previous: { secret: 'whsec_old', validUntil },
});

describe('the rotation grace period', () => {
  it('accepts a signature made with the previous secret until its expiry, and refuses it from then on', async () => {
    let now = 1_000_000;
    const { secret } = fakeSecret(rotated(now + 60_000));
    const verify = createDeliveryVerifier({ secret, now: () => now, minRefreshIntervalMs: 0 });
    await expect(verify(body, signed('whsec_old'), FAR)).resolves.toBeUndefined();
    await expect(verify(body, signed('whsec_new'), FAR)).resolves.toBeUndefined();
    now += 59_999;
    await expect(verify(body, signed('whsec_old'), FAR)).resolves.toBeUndefined();
    now += 1;
    await expect(verify(body, signed('whsec_old'), FAR)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verify(body, signed('whsec_new'), FAR)).resolves.toBeUndefined();
  });

  it('never accepts a third secret, before or after the expiry', async () => {
    const now = 1_000_000;
    const { secret } = fakeSecret(rotated(now + 60_000));
    const verify = createDeliveryVerifier({ secret, now: () => now, minRefreshIntervalMs: 0 });
    await expect(verify(body, signed('whsec_other'), FAR)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('picks up a rotation from a stale cache with its one re-read, old and new signatures alike', async () => {
    const now = 1_000_000;
    const fake = fakeSecret({ current: 'whsec_old' });
    const verify = createDeliveryVerifier({
      secret: fake.secret,
      now: () => now,
      minRefreshIntervalMs: 5_000,
    });
    await verify(body, signed('whsec_old'), FAR);
    expect(fake.state.reads).toBe(1);

    fake.store(rotated(now + 60_000));
    // The cache still holds the old value: the new signature mismatches and the secret is read again.
    await expect(verify(body, signed('whsec_new'), FAR)).resolves.toBeUndefined();
    expect(fake.state.reads).toBe(2);
    // The old signature now matches the previous secret of the fresh value, with no further read.
    await expect(verify(body, signed('whsec_old'), FAR)).resolves.toBeUndefined();
    expect(fake.state.reads).toBe(2);
  });

  it('judges the expiry by the clock at verification, not when the value was cached', async () => {
    let now = 1_000_000;
    const fake = fakeSecret(rotated(now + 1_000));
    const verify = createDeliveryVerifier({
      secret: fake.secret,
      now: () => now,
      minRefreshIntervalMs: 5_000,
    });
    await verify(body, signed('whsec_old'), FAR);
    now += 1_000;
    await expect(verify(body, signed('whsec_old'), FAR)).rejects.toMatchObject({ code: 'unauthorized' });
    // The mismatch re-read once; the expired previous secret is not accepted from the fresh value either.
    expect(fake.state.reads).toBe(2);
  });

  it('works with a plain secret that has no keys()', async () => {
    let value = 'whsec_a';
    const secret = { get: async () => value, invalidate: () => undefined };
    const verify = createDeliveryVerifier({ secret, minRefreshIntervalMs: 0 });
    await expect(verify(body, signed('whsec_a'), FAR)).resolves.toBeUndefined();
    value = 'whsec_b';
    await expect(verify(body, signed('whsec_a'), FAR)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verify(body, signed('whsec_b'), FAR)).resolves.toBeUndefined();
    await expect(verify(body, undefined, FAR)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
