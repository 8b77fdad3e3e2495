import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where Partnero puts the signature: `Signature`, or `x-partnero-signature` in older docs. */
export const SIGNATURE_HEADERS = ['signature', 'x-partnero-signature'] as const;

/** HMAC-SHA256 of the raw body keyed with the signing secret, as lower-case hex (what Partnero sends). */
export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The 32 digest bytes a header value names, or undefined when it cannot be a SHA-256 hex digest.
 * Tolerates a `sha256=` prefix and upper-case hex. Only the caller's value is inspected here, so the
 * early return leaks nothing about the secret.
 */
export function parseSignature(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const hex = value.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

/** Whether `signature` (parsed with `parseSignature`) is the HMAC of `body` under `secret`; constant time. */
export function matchesSignature(body: Buffer, signature: Buffer, secret: string): boolean {
  const expected = Buffer.from(signBody(secret, body), 'hex');
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}
