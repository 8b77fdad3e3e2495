import type { Customer } from '#shared/partnero/index.js';

/** The customer as the frontend sees it: what it needs to show and share, nothing private. */
export function customerView(c: Customer) {
  return {
    key: c.key,
    referral_link: c.referral_link,
    referral_links: (c.referral_links ?? [])
      .map((l) => l.url)
      .filter((u): u is string => typeof u === 'string'),
    referred_by: c.referring_customer?.key ?? null,
    referrals_count: c.referrals_count ?? 0,
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
