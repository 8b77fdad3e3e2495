import { isValidKey } from '#shared/schemas/fields.js';

export const REFERRAL_COOKIE = 'partnero_referral';

/** Where a sign-up's referrer key came from, and whether it can be a key at all. */
export type ReferralSource =
  | { key: string; source: 'cookie' | 'body' }
  /** Present but not a possible key (cookie garbage, a mangled link): dropped, the sign-up goes on. */
  | { invalid: true; source: 'cookie' | 'body' };

/**
 * The referrer key for a sign-up: the `partnero_referral` cookie that PartneroJS set, else the
 * body's `referral_key` (for frontends whose API is on another domain, or that carry the key through
 * the sign-up URL or OAuth state because Safari keeps script-set cookies only 7 days).
 * A malformed value never blocks the sign-up: a valid body key is used instead of a garbled cookie,
 * and when neither is valid the referral is reported invalid (and dropped).
 */
export function referralSourceOf(
  fromCookie: string | undefined,
  bodyKey: string | undefined,
): ReferralSource | undefined {
  if (fromCookie && isValidKey(fromCookie)) return { key: fromCookie, source: 'cookie' };
  if (bodyKey && isValidKey(bodyKey)) return { key: bodyKey, source: 'body' };
  if (fromCookie) return { invalid: true, source: 'cookie' };
  if (bodyKey) return { invalid: true, source: 'body' };
  return undefined;
}

/** A Set-Cookie that removes the referral cookie for the site's domain, so the next sign-up starts clean. */
export const expireReferralCookie = (domain: string) =>
  `${REFERRAL_COOKIE}=; Domain=${domain}; Path=/; Max-Age=0; Secure; SameSite=Lax`;
