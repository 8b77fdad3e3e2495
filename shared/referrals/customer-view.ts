import type { Customer } from '#shared/partnero/index.js';
import type { AccountKey } from './public-keys.js';

/**
 * Who referred the customer, as a frontend may show it: the public key of the link they came through and
 * the referrer's first name when Partnero's answer carries one. Never an account id: Partnero names the
 * referrer by its private id, so its public key comes from our map.
 */
function referredBy(c: Customer, key: AccountKey) {
  const referrer = c.referring_customer;
  const publicKey = key.referrerKey ?? referrer?.key ?? null;
  if (!referrer && publicKey === null) return null;
  return { key: publicKey, name: referrer?.name ?? null };
}

/**
 * The customer as the frontend sees it: what it needs to show and share, nothing private. Partnero's
 * customer object carries no public key (it shows only inside the link): it comes from our map, with
 * its kind (`random`, or `account_id` for a customer enrolled before the map existed).
 */
export function customerView(c: Customer, key: AccountKey) {
  return {
    key: key.publicKey,
    key_type: key.kind,
    referral_link: c.referral_link,
    referral_links: c.referral_links,
    referred_by: referredBy(c, key),
    /** null when Partnero's answer does not say. */
    referrals_count: c.referrals_count,
  };
}

/** A referred friend as the referrer may see them: first name and a masked email, no more. */
export function friendView(c: Customer) {
  return {
    name: c.name ?? null,
    email: c.email ? maskEmail(c.email) : null,
    joined_at: c.created_at ?? null,
  };
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
