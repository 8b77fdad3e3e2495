import { describe, expect, it } from '@jest/globals';
import { isRetryableStatus, parseRetryAfter } from '#shared/partnero/errors.js';
import { backoffDelay, defaultSleep, retryDelay } from '#shared/partnero/retry.js';

const opts = (random: number) => ({ baseDelayMs: 100, maxDelayMs: 2000, random: () => random });

describe('isRetryableStatus', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries %i', (s) => expect(isRetryableStatus(s)).toBe(true));
  it.each([200, 400, 401, 403, 404, 409, 422, 501, 505])('does not retry %i', (s) =>
    expect(isRetryableStatus(s)).toBe(false),
  );
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((i) => backoffDelay(i, opts(1)))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
  });

  it('applies full jitter', () => {
    expect(backoffDelay(2, opts(0))).toBe(0);
    expect(backoffDelay(2, opts(0.25))).toBe(100);
  });

  it('clamps a misbehaving random source', () => {
    expect(backoffDelay(0, opts(7))).toBe(100);
    expect(backoffDelay(0, opts(-1))).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', '-1', '1e3', 'soon', 'Mon, 99 Foo 2015'])('ignores %j', (v) => {
    expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('prefers Retry-After, capped at maxDelayMs', () => {
    expect(retryDelay(0, 1500, opts(0.5))).toBe(1500);
    expect(retryDelay(0, 60_000, opts(0.5))).toBe(2000);
    expect(retryDelay(0, 0, opts(0.5))).toBe(0);
  });

  it('falls back to backoff', () => {
    expect(retryDelay(1, undefined, opts(0.5))).toBe(100);
  });
});

describe('defaultSleep', () => {
  it('resolves after the delay', async () => {
    await expect(defaultSleep(1)).resolves.toBeUndefined();
    await expect(defaultSleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects at once with the reason of an aborted signal', async () => {
    const reason = new Error('stop');
    await expect(defaultSleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('rejects when aborted while sleeping', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const sleeping = defaultSleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });
});
