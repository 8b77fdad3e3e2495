import { createHash } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import { HttpError } from '#shared/http/index.js';
import { logger } from '#shared/observability/logger.js';
import { deliveryIdOf, parseDelivery, readTimestamp } from '#shared/webhooks/index.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const parse = (value: unknown, toleranceSeconds = 300) =>
  parseDelivery(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), {
    now: NOW,
    toleranceSeconds,
  });
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as HttpError;
  }
  throw new Error('expected a throw');
};

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
  const base = { event: 'reward.created', data: { customer_key: 'bob', amount: 2 } };

  it('reads event, data, the timestamp and the delivery id', () => {
    const d = parse({ ...base, created_at: '2026-03-01T11:58:00Z', webhook_key: 'whk_1', extra: true });
    expect(d).toEqual({
      event: 'reward.created',
      data: { customer_key: 'bob', amount: 2 },
      deliveryId: 'whk_1',
      createdAt: new Date('2026-03-01T11:58:00Z'),
    });
    expect(parse({ ...base, timestamp: NOW / 1000, id: 42 })).toMatchObject({
      deliveryId: '42',
      createdAt: new Date(NOW),
    });
  });

  it('uses a hash of the raw body as the delivery id when the payload has none', () => {
    const text = JSON.stringify(base);
    const expected = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    expect(parse(text).deliveryId).toBe(expected);
    expect(deliveryIdOf({ webhook_key: null, id: '' }, Buffer.from(text))).toBe(expected);
    expect(deliveryIdOf({ webhook_key: 'k', id: 'i' }, Buffer.from(text))).toBe('k');
  });

  it('refuses deliveries stamped outside the tolerance, in the past or the future', () => {
    const old = errorOf(() => parse({ ...base, created_at: new Date(NOW - 301_000).toISOString() }));
    expect(old).toBeInstanceOf(HttpError);
    expect(old).toMatchObject({ statusCode: 400, code: 'stale_delivery' });
    expect(errorOf(() => parse({ ...base, timestamp: (NOW + 301_000) / 1000 }))).toMatchObject({
      code: 'stale_delivery',
    });
    expect(parse({ ...base, created_at: new Date(NOW - 299_000).toISOString() }).event).toBe(
      'reward.created',
    );
    expect(parse({ ...base, created_at: '2020-01-01T00:00:00Z' }, 0).event).toBe('reward.created');
  });

  it('does not check freshness when there is no readable timestamp', () => {
    expect(parse(base).createdAt).toBeUndefined();
    expect(parse({ ...base, created_at: 'sometime' }).createdAt).toBeUndefined();
    expect(parse({ ...base, created_at: null }).createdAt).toBeUndefined();
  });

  it('answers 400 invalid_json, with a log line, for a body that is not JSON', () => {
    const warn = jest.spyOn(logger, 'warn');
    try {
      expect(errorOf(() => parse('{"event": "customer.created",'))).toMatchObject({
        statusCode: 400,
        code: 'invalid_json',
      });
      expect(warn).toHaveBeenCalledWith(
        'signed webhook body is not JSON',
        expect.objectContaining({ bytes: 29 }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['no event', { data: {} }, 'event'],
    ['an event without a dot', { event: 'customer', data: {} }, 'event'],
    ['an upper-case event', { event: 'Customer.Created', data: {} }, 'event'],
    ['no data', { event: 'customer.created' }, 'data'],
    ['data that is an array', { event: 'customer.created', data: [] }, 'data'],
    ['a JSON array', [], 'body'],
  ])('answers 400 validation for %s', (_label, value, field) => {
    const error = errorOf(() => parse(value));
    expect(error).toMatchObject({ statusCode: 400, code: 'validation' });
    expect(error.fields).toHaveProperty([field]);
  });
});
