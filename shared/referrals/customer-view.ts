import type { Customer } from '#shared/partnero/index.js';

/**
 * The customer as the frontend sees it: what it needs to show and share, nothing private. Partnero's
 * customer object carries no public key (it shows only inside the referral link), so the caller passes
 * the key it enrolled the customer with.
 */
export function customerView(c: Customer, publicKey: string) {
  return {
    key: c.key ?? publicKey,
    referral_link: c.referral_link,
    referral_links: c.referral_links,
    // The referrer's public key when Partnero's answer names it, else the identifier it carries.
    referred_by: c.referring_customer?.key ?? c.referring_customer?.identifier ?? null,
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
