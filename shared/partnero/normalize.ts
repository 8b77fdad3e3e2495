import type {
  Balance,
  Customer,
  CustomerStats,
  CustomerSummary,
  Page,
  PageLinks,
  PageMeta,
  ReferralLink,
  Reward,
  Transaction,
} from './types.js';

/** A 2xx body that lacks what identifies the resource; the executor maps it to a PartneroError. */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Laravel may serialise decimals as strings ("12.50"). */
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return null;
}

function required(v: string | null, what: string): string {
  if (v === null || v === '') throw new ResponseShapeError(`missing ${what}`);
  return v;
}

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new ResponseShapeError(`expected ${what} to be an object`);
  return v;
}

/** `{status, data}` envelope → data; a body without `data` is taken as the payload itself. */
export function unwrap(body: unknown): unknown {
  return isObj(body) && 'data' in body ? body.data : body;
}

function summary(v: unknown): CustomerSummary | null {
  if (!isObj(v)) return null;
  return { id: str(v.id), key: str(v.key), email: str(v.email), name: str(v.name) };
}

function referralLink(v: unknown): ReferralLink | null {
  if (typeof v === 'string') return { url: v, key: null, default: false };
  if (!isObj(v)) return null;
  const url = str(v.url) ?? str(v.link);
  return url === null ? null : { url, key: str(v.key), default: bool(v.default) ?? false };
}

function list<T>(v: unknown, item: (x: unknown) => T | null): T[] {
  if (!Array.isArray(v)) return [];
  return v.map(item).filter((x): x is T => x !== null);
}

export function toCustomer(v: unknown): Customer {
  const c = obj(v, 'customer');
  const metadata = isObj(c.metadata) ? c.metadata : {};
  return {
    id: str(c.id),
    key: required(str(c.key), 'customer key'),
    email: str(c.email),
    name: str(c.name),
    surname: str(c.surname),
    status: str(c.status),
    approved: bool(c.approved),
    referring_customer: summary(c.referring_customer),
    referrals_count: num(c.referrals_count) ?? 0,
    referral_link: str(c.referral_link),
    referral_links: list(c.referral_links, referralLink),
    metadata: { date_of_birth: str(metadata.date_of_birth) },
    custom_fields: isObj(c.custom_fields) ? c.custom_fields : {},
    created_at: str(c.created_at),
    updated_at: str(c.updated_at),
  };
}

export function toCustomerStats(v: unknown): CustomerStats {
  const s = obj(v, 'stats');
  const sharing: Record<string, string> = {};
  if (isObj(s.social_sharing)) {
    for (const [name, url] of Object.entries(s.social_sharing)) {
      if (typeof url === 'string') sharing[name] = url;
    }
  }
  return {
    clicks: num(s.clicks) ?? 0,
    signups: num(s.signups) ?? 0,
    referrals: num(s.referrals) ?? 0,
    paid_referrals: num(s.paid_referrals) ?? 0,
    social_sharing: sharing,
  };
}

export function toBalance(v: unknown): Balance {
  const b = obj(v, 'balance');
  const balance = num(b.balance);
  if (balance === null) throw new ResponseShapeError('missing balance amount');
  return { balance, currency: str(b.currency), rewards: num(b.rewards), credits: num(b.credits) };
}

function reward(v: unknown): Reward | null {
  if (!isObj(v)) return null;
  return {
    customer_key: str(v.customer_key),
    amount: num(v.amount),
    amount_units: str(v.amount_units),
    status: str(v.status),
  };
}

export function toTransaction(v: unknown): Transaction {
  const t = obj(v, 'transaction');
  return {
    key: required(str(t.key), 'transaction key'),
    action: str(t.action),
    amount: num(t.amount),
    amount_units: str(t.amount_units),
    is_currency: bool(t.is_currency),
    product_id: str(t.product_id),
    product_type: str(t.product_type),
    customer: summary(t.customer),
    referred_customer: summary(t.referred_customer),
    credit: num(t.credit),
    rewards: list(t.rewards, reward),
    created_at: str(t.created_at),
  };
}

/** A single item where Partnero might answer with a one-element array, or the reverse. */
export function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

export function toPage<T>(body: unknown, item: (x: unknown) => T): Page<T> {
  const b = obj(body, 'list response');
  if (!Array.isArray(b.data)) throw new ResponseShapeError('expected list data to be an array');
  const links = isObj(b.links) ? b.links : {};
  const meta = isObj(b.meta) ? b.meta : {};
  const pageLinks: PageLinks = {
    first: str(links.first),
    last: str(links.last),
    prev: str(links.prev),
    next: str(links.next),
  };
  const pageMeta: PageMeta = {
    current_page: num(meta.current_page) ?? 1,
    last_page: num(meta.last_page),
    per_page: num(meta.per_page),
    total: num(meta.total),
    from: num(meta.from),
    to: num(meta.to),
  };
  return { data: b.data.map(item), links: pageLinks, meta: pageMeta };
}
