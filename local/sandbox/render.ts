import type { SandboxConfig } from './http.js';
import type { CreditRecord, CustomerRecord, Store, TransactionRecord } from './store.js';

/** Wire shapes of docs/partnero-shapes.md, built from the internal records. */

export function referralLink(config: SandboxConfig, key: string): string {
  const separator = config.siteUrl.includes('?') ? '&' : '?';
  return `${config.siteUrl}${separator}${encodeURIComponent(config.referralParam)}=${encodeURIComponent(key)}`;
}

export function renderCustomer(
  c: CustomerRecord,
  store: Store,
  config: SandboxConfig,
): Record<string, unknown> {
  const referrer = store.byUid(c.referrerUid);
  const link = referralLink(config, c.key);
  return {
    id: c.id,
    key: c.key,
    email: c.email,
    name: c.name,
    surname: c.surname,
    status: c.status,
    approved: c.approved,
    referring_customer: referrer
      ? { id: referrer.id, key: referrer.key, email: referrer.email, name: referrer.name }
      : null,
    referrals_count: store.referralsOf(c.uid).length,
    referral_link: link,
    referral_links: [{ url: link, key: c.key, default: true }],
    metadata: { date_of_birth: c.dateOfBirth },
    custom_fields: c.customFields,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

const customerRef = (c: CustomerRecord | undefined) => ({ key: c?.key ?? null, id: c?.id ?? null });

export function renderReward(t: TransactionRecord, store: Store): Record<string, unknown> {
  return {
    customer_key: store.byUid(t.referrerUid)?.key ?? null,
    amount: t.credit,
    amount_units: t.amountUnits,
    status: 'pending',
  };
}

export function renderTransaction(t: TransactionRecord, store: Store): Record<string, unknown> {
  return {
    key: t.key,
    action: t.action,
    amount: t.amount,
    amount_units: t.amountUnits,
    is_currency: t.isCurrency,
    product_id: t.productId,
    product_type: t.productType,
    customer: customerRef(store.byUid(t.referrerUid)),
    referred_customer: customerRef(store.byUid(t.customerUid)),
    credit: t.credit,
    rewards: [renderReward(t, store)],
    created_at: t.createdAt,
  };
}

export function renderCredit(c: CreditRecord, store: Store): Record<string, unknown> {
  return {
    id: c.id,
    customer: customerRef(store.byUid(c.customerUid)),
    amount: c.amount,
    amount_units: c.amountUnits,
    is_currency: c.isCurrency,
    created_at: c.createdAt,
  };
}
