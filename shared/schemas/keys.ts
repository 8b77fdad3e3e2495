import * as z from 'zod/mini';
import './z.js';

/**
 * Customer, referral and order keys travel in URLs, cookies and Partnero paths. They come from
 * identity providers (Cognito `sub` UUIDs, `auth0|123`, emails) and order systems, so the charset is
 * broad but bounded; dot-only values are refused outright so no key can read as a path segment.
 */
export const KEY_PATTERN = /^[A-Za-z0-9_.:@|+-]{1,128}$/;

export const customerKeySchema = z.string().check(
  z.trim(),
  z.regex(KEY_PATTERN, 'must be 1–128 characters of letters, digits and _ . : @ | + -'),
  z.refine((key) => !/^\.+$/.test(key), 'must not consist of dots only'),
);

export const isValidKey = (value: string): boolean => customerKeySchema.safeParse(value).success;
