import { describe, expect, it } from '@jest/globals';
import { matchesSignature, parseSignature, signBody } from '#shared/webhooks/signature.js';

const body = Buffer.from('{"event":"customer.created","data":{"key":"alice"}}');
const good = signBody('whsec_test', body);

/** A header value as the verifier reads it: parsed, then compared in constant time. */
const isValidSignature = (bytes: Buffer, header: string | undefined, secret: string) => {
  const signature = parseSignature(header);
  return signature !== undefined && matchesSignature(bytes, signature, secret);
};

describe('webhook signatures', () => {
  it('signs the raw bytes with HMAC-SHA256 as lower-case hex', () => {
    // echo -n '{"event":"customer.created","data":{"key":"alice"}}' | openssl dgst -sha256 -hmac whsec_test
    expect(good).toBe('bdf89517c3f0a8141ee719802e2c4f8767a2c55737f63a6d85900f26f9b608ca');
    expect(signBody('whsec_test', body.toString('utf8'))).toBe(good);
  });

  it('accepts the right signature, upper-case hex and a sha256= prefix', () => {
    expect(isValidSignature(body, good, 'whsec_test')).toBe(true);
    expect(isValidSignature(body, good.toUpperCase(), 'whsec_test')).toBe(true);
    expect(isValidSignature(body, `sha256=${good}`, 'whsec_test')).toBe(true);
    expect(isValidSignature(body, ` ${good} `, 'whsec_test')).toBe(true);
  });

  it('rejects a wrong secret, a tampered body and malformed values', () => {
    expect(isValidSignature(body, good, 'other')).toBe(false);
    expect(isValidSignature(Buffer.from(`${body.toString()} `), good, 'whsec_test')).toBe(false);
    expect(isValidSignature(body, undefined, 'whsec_test')).toBe(false);
    expect(isValidSignature(body, '', 'whsec_test')).toBe(false);
    expect(isValidSignature(body, good.slice(2), 'whsec_test')).toBe(false);
    expect(isValidSignature(body, `${good}00`, 'whsec_test')).toBe(false);
    expect(isValidSignature(body, `${good.slice(1)}z`, 'whsec_test')).toBe(false);
    expect(isValidSignature(body, Buffer.from(good, 'hex').toString('base64'), 'whsec_test')).toBe(false);
    expect(parseSignature('md5=abc')).toBeUndefined();
  });
});
