import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AppError } from '#shared/errors.js';
import {
  deliveryIdOf,
  isStale,
  MAX_DELIVERY_DEPTH,
  nestsDeeperThan,
  parseDelivery,
  readTimestamp,
} from '#shared/webhooks/parse-delivery.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const parse = (value: unknown) => parseDelivery(bytes(value));
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a throw');
};
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('readTimestamp', () => {
  it.each([
    ['ISO 8601', '2026-03-01T11:59:00Z', '2026-03-01T11:59:00.000Z'],
    ['ISO with offset', '2026-03-01T13:59:00+02:00', '2026-03-01T11:59:00.000Z'],
    ['epoch seconds', 1772366340, '2026-03-01T11:59:00.000Z'],
    ['epoch milliseconds', 1772366340000, '2026-03-01T11:59:00.000Z'],
    ['epoch seconds as a string', '1772366340', '2026-03-01T11:59:00.000Z'],
  ])('reads %s', (_label, value, iso) => {
    expect(readTimestamp(value)?.toISOString()).toBe(iso);
  });

  it('returns undefined for values that are not times', () => {
    expect(readTimestamp('yesterday-ish')).toBeUndefined();
    expect(readTimestamp('')).toBeUndefined();
    expect(readTimestamp(1e20)).toBeUndefined();
  });
});

describe('parseDelivery', () => {
  const base = {
    event: 'customer.rewarded',
    url: 'https://api.example.com/webhooks/partnero',
    webhook_key: 'wh_subscription_1',
    data: { key: 'bob', reward: { amount: 2 } },
  };

  it('reads event, data, the subscription key and the event time; the id is the hash of the raw body', () => {
    const text = JSON.stringify({ ...base, created_at: '2026-03-01T11:58:00Z', extra: true });
    expect(parse(text)).toEqual({
      event: 'customer.rewarded',
      data: { key: 'bob', reward: { amount: 2 } },
      deliveryId: sha(text),
      webhookKey: 'wh_subscription_1',
      createdAt: new Date('2026-03-01T11:58:00Z'),
    });
  });

  it('never takes webhook_key for a delivery id: two events of one subscription are two deliveries', () => {
    const a = parse({ ...base, data: { key: 'alice' } });
    const b = parse({ ...base, data: { key: 'bob' } });
    expect(a.webhookKey).toBe(b.webhookKey);
    expect(a.deliveryId).not.toBe(b.deliveryId);
    expect(deliveryIdOf(bytes(base))).toBe(sha(JSON.stringify(base)));
  });

  it('keeps the delivery without a readable created_at (no age check possible)', () => {
    expect(parse(base).createdAt).toBeUndefined();
    expect(parse({ ...base, created_at: 'sometime' }).createdAt).toBeUndefined();
    expect(parse({ ...base, created_at: null }).createdAt).toBeUndefined();
  });

  it('answers invalid_json for a body that is not JSON', () => {
    expect(errorOf(() => parse('{"event": "customer.created",'))).toMatchObject({ code: 'invalid_json' });
  });

  it.each([
    ['no event', { data: {} }, 'event'],
    ['an event without a dot', { event: 'customer', data: {} }, 'event'],
    ['an upper-case event', { event: 'Customer.Created', data: {} }, 'event'],
    ['no data', { event: 'customer.created' }, 'data'],
    ['data that is an array', { event: 'customer.created', data: [] }, 'data'],
    ['a JSON array', [], 'body'],
  ])('answers validation for %s', (_label, value, field) => {
    const error = errorOf(() => parse(value));
    expect(error).toMatchObject({ code: 'validation' });
    expect(error.fields).toHaveProperty([field]);
  });

  it('refuses a body nested deeper than the limit before parsing it (a 40,000-deep body does not crash)', () => {
    const deep = `{"event":"customer.created","data":{"x":${'['.repeat(40_000)}${']'.repeat(40_000)}}}`;
    expect(errorOf(() => parse(deep))).toMatchObject({ code: 'payload_too_deep' });
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // data at depth 2, so the limit leaves MAX - 2 levels inside it
    expect(parse(`{"event":"a.b","data":{"x":${nested(MAX_DELIVERY_DEPTH - 2)}}}`).event).toBe('a.b');
    expect(
      errorOf(() => parse(`{"event":"a.b","data":{"x":${nested(MAX_DELIVERY_DEPTH - 1)}}}`)),
    ).toMatchObject({
      code: 'payload_too_deep',
    });
  });
});

describe('nestsDeeperThan', () => {
  it('counts brackets outside strings only, escapes included', () => {
    expect(nestsDeeperThan(bytes('{"a":"[[[[[[{{{{"}'), 1)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":"\\"[[[[","b":1}'), 1)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":[{"b":[]}]}'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":[{"b":[]}]}'), 4)).toBe(false);
  });
});

describe('isStale', () => {
  const at = (iso: string) => ({ event: 'a.b', data: {}, deliveryId: 'x', createdAt: new Date(iso) });
  it('is off with a tolerance of 0, and compares created_at with now otherwise', () => {
    expect(isStale(at('2020-01-01T00:00:00Z'), NOW, 0)).toBe(false);
    expect(isStale(at('2026-02-20T12:00:00Z'), NOW, 7 * 86_400)).toBe(true);
    expect(isStale(at('2026-02-25T12:00:00Z'), NOW, 7 * 86_400)).toBe(false);
    expect(isStale({ event: 'a.b', data: {}, deliveryId: 'x' }, NOW, 60)).toBe(false);
  });
});
