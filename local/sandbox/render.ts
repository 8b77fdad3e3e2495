import type { Sandbox, SandboxConfig } from './http.js';
import type { CreditRecord, CustomerRecord, Store, TransactionRecord } from './store.js';

/**
 * Partnero's answers, built from the internal records: the shapes Partnero publishes
 * (docs/partnero-shapes.md, each with its source), and in variants mode one of the plausible readings
 * where Partnero is silent (`variants.ts`). Nothing here adds a field Partnero does not publish.
 */

type Renders = Pick<Sandbox, 'store' | 'config' | 'variants'>;

export function referralLink(config: SandboxConfig, key: string): string {
  const separator = config.siteUrl.includes('?') ? '&' : '?';
  return `${config.siteUrl}${separator}${encodeURIComponent(config.referralParam)}=${encodeURIComponent(key)}`;
}

/** The identifier Partnero names a customer by inside other objects: its private id, else its key. */
const identifierOf = (c: CustomerRecord | undefined): string | null => c?.id ?? c?.key ?? null;

/**
 * A non-null `referring_customer`. Partnero does not publish its fields; the default is a small customer
 * object (fields a customer object has), and variants answer other subsets or a bare identifier.
 */
function referringCustomer(referrer: CustomerRecord, { variants }: Renders): unknown {
  return variants.pick<unknown>(
    { id: referrer.id, email: referrer.email, name: referrer.name },
    { id: referrer.id, key: referrer.key, email: referrer.email, name: referrer.name },
    { key: referrer.key },
    identifierOf(referrer),
    referrer.key,
  );
}

/**
 * Customer object (refer-a-friend API guide; docs.partnero.com refer-a-friend customers): `id` and no
 * `key` (the public key shows only inside the link), links as plain strings.
 */
export function renderCustomer(c: CustomerRecord, sb: Renders): Record<string, unknown> {
  const { store, config, variants } = sb;
  const referrer = store.byUid(c.referrerUid);
  const link = referralLink(config, c.key);
  const withKey = variants.pick(false, true);
  return {
    id: c.id,
    ...(withKey ? { key: c.key } : {}),
    email: c.email,
    name: c.name,
    surname: c.surname,
    status: c.status,
    approved: c.approved,
    referring_customer: referrer ? referringCustomer(referrer, sb) : null,
    referrals_count: store.referralsOf(c.uid).length,
    referral_link: link,
    referral_links: variants.pick<unknown[]>([link], [{ url: link, key: c.key, default: true }]),
    metadata: { date_of_birth: c.dateOfBirth },
    custom_fields: c.customFields,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

/** A transaction's party: an identifier string as published, or (variant) a small object. */
function party(c: CustomerRecord | undefined, { variants }: Renders): unknown {
  return variants.pick<unknown>(identifierOf(c), c?.key ?? null, { id: c?.id ?? null, key: c?.key ?? null });
}

/** Element fields of `rewards` are not published: empty by default, guessed shapes as variants. */
function rewards(t: TransactionRecord, { variants }: Renders): unknown[] {
  return variants.pick<unknown[]>([], [{ amount: t.credit, amount_units: t.amountUnits }], [t.credit]);
}

/** Transaction (docs.partnero.com refer-a-friend transactions, field table). */
export function renderTransaction(t: TransactionRecord, sb: Renders): Record<string, unknown> {
  const { store, variants } = sb;
  const isCredit = false; // every transaction the sandbox records is a sale
  return {
    key: t.key,
    action: t.action,
    amount: t.amount,
    amount_units: t.amountUnits,
    customer: party(store.byUid(t.referrerUid), sb),
    referred_customer: party(store.byUid(t.customerUid), sb),
    credit: variants.pick<unknown>(isCredit, isCredit ? 1 : 0),
    is_currency: t.isCurrency,
    rewards: rewards(t, sb),
    created_at: t.createdAt,
  };
}

export interface BalanceUnitRecord {
  amount: number;
  amount_units: string;
  is_currency: boolean;
}

/**
 * Balance ("Get balance of a customer", developers.partnero.com referral transactions):
 * `{customer, balance: {currency: [{amount, amount_units, is_currency}]}}`, one entry per unit.
 */
export function renderBalance(c: CustomerRecord, sb: Renders): unknown {
  const { store, variants } = sb;
  const units: BalanceUnitRecord[] = store.balanceUnits(c.uid);
  const customer = renderCustomer(c, sb);
  const money = units.filter((u) => u.is_currency);
  // One number can carry one currency only: the first one's amount.
  const total = money[0]?.amount ?? 0;
  return variants.pick<unknown>(
    { customer, balance: { currency: units } },
    { customer, balance: { currency: money, points: units.filter((u) => !u.is_currency) } },
    units,
    { balance: total, currency: money[0]?.amount_units ?? 'USD' },
  );
}

/** The sandbox's own view of a manual credit (for `/__sandbox/state`, not a Partnero answer). */
export function renderCredit(c: CreditRecord, store: Store): Record<string, unknown> {
  return {
    id: c.id,
    customer: identifierOf(store.byUid(c.customerUid)),
    amount: c.amount,
    amount_units: c.amountUnits,
    is_currency: c.isCurrency,
    created_at: c.createdAt,
  };
}
