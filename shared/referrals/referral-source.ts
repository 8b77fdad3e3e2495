import { validationError } from '#shared/errors.js';
import { isValidKey } from '#shared/schemas/keys.js';

export const REFERRAL_COOKIE = 'partnero_referral';

/**
 * The referrer key for a sign-up: the `partnero_referral` cookie that PartneroJS set, else the
 * body's `referral_key` (for frontends whose API is on another domain, where the cookie cannot flow).
 * A value that is present but malformed is a 400 naming where it came from.
 */
export function referrerKeyOf(fromCookie: string | undefined, bodyKey: string | undefined) {
  if (fromCookie !== undefined && fromCookie !== '') {
    if (!isValidKey(fromCookie)) {
      throw validationError(
        { [`cookie.${REFERRAL_COOKIE}`]: ['is not a valid referral key; clear the cookie and try again'] },
        'The referral cookie is invalid',
      );
    }
    return { key: fromCookie, source: 'cookie' as const };
  }
  if (bodyKey !== undefined && bodyKey !== '') {
    if (!isValidKey(bodyKey)) throw validationError({ referral_key: ['is not a valid referral key'] });
    return { key: bodyKey, source: 'body' as const };
  }
  return undefined;
}

/** A Set-Cookie that removes the referral cookie for the site's domain, so the next sign-up starts clean. */
export const expireReferralCookie = (domain: string) =>
  `${REFERRAL_COOKIE}=; Domain=${domain}; Path=/; Max-Age=0; Secure; SameSite=Lax`;
