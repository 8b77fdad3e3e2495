import type {
  Balance,
  BalanceUnit,
  Customer,
  CustomerRef,
  CustomerStats,
  Page,
  PageLinks,
  PageMeta,
  Reward,
  Transaction,
} from './types.js';

/**
 * How the client reads Partnero's answers (docs/partnero-shapes.md).
 *
 * - Every shape Partnero publishes is read as published. Where Partnero publishes nothing or contradicts
 *   itself, every plausible variant is read too: `{status, data}` envelope or none, customers named by `id`
 *   and/or `key`, nested customers as objects or bare strings, links as strings or objects, a balance as
 *   a unit list or a number, `credit` as a boolean or a number.
 * - A missing optional field is null (unknown), never a made-up 0.
 * - Only a read whose body has nothing we can use is an error (`ResponseShapeError`). Writes do not use
 *   these readers as a condition of success: a 2xx means applied, whatever its body (see client.ts).
 *
 * Hand-written rather than a zod schema: every field is optional and has several accepted forms, and
 * the result must never fail on an unknown extra field or a wrong type in a field we do not need.
 */

/** A 2xx body that lacks what identifies the resource; the executor (retry.ts) maps it to a PartneroError. */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
}

type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
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

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new ResponseShapeError(`expected ${what} to be an object`);
  return v;
}

/** The first of `names` that `o` holds as a usable value. */
function firstOf<T>(o: Obj, names: readonly string[], read: (v: unknown) => T | null): T | null {
  for (const name of names) {
    const value = read(o[name]);
    if (value !== null) return value;
  }
  return null;
}

/** `{status, data}` envelope → data; a body without `data` is taken as the payload itself. */
export const unwrap = (body: unknown): unknown => (isObj(body) && 'data' in body ? body.data : body);

/** A single item where Partnero might answer with a one-element array, or the reverse. */
export const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** A nested customer: an object with any of id/key/email/name, or a bare identifier string. */
export function toCustomerRef(v: unknown): CustomerRef | null {
  const bare = str(v);
  if (bare !== null) return { identifier: bare, id: null, key: null, email: null, name: null };
  if (!isObj(v)) return null;
  const ref = { id: str(v.id), key: str(v.key), email: str(v.email), name: str(v.name) };
  const identifier = ref.id ?? ref.key ?? ref.email;
  return identifier === null && ref.name === null ? null : { identifier, ...ref };
}

/** A referral link: a plain string (published) or an object carrying it as `url` or `link`. */
function linkOf(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  return isObj(v) ? (str(v.url) ?? str(v.link)) : null;
}

const links = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(linkOf).filter((l): l is string => l !== null) : [];

export function toCustomer(v: unknown): Customer {
  const c = obj(first(v), 'customer');
  const id = str(c.id);
  const key = str(c.key);
  if (id === null && key === null) throw new ResponseShapeError('customer has neither id nor key');
  const metadata = isObj(c.metadata) ? c.metadata : {};
  const referralLinks = links(c.referral_links);
  return {
    id,
    key,
    email: str(c.email),
    name: str(c.name),
    surname: str(c.surname),
    status: str(c.status),
    approved: bool(c.approved),
    referring_customer: toCustomerRef(c.referring_customer),
    referrals_count: num(c.referrals_count),
    referral_link: linkOf(c.referral_link) ?? referralLinks[0] ?? null,
    referral_links: referralLinks,
    metadata: { date_of_birth: str(metadata.date_of_birth) },
    custom_fields: isObj(c.custom_fields) ? c.custom_fields : {},
    created_at: str(c.created_at),
    updated_at: str(c.updated_at),
  };
}

/**
 * The names a count may go by. Partnero publishes none; the first is our sandbox's, the others are what
 * referral programs commonly call them. `doctor --contract` prints the names a live program uses.
 */
export const STAT_NAMES = {
  clicks: ['clicks', 'clicks_count', 'total_clicks', 'link_clicks', 'visits'],
  signups: ['signups', 'sign_ups', 'signups_count', 'leads', 'leads_count'],
  referrals: ['referrals', 'referrals_count', 'referred_customers', 'referred_customers_count', 'customers'],
  paid_referrals: [
    'paid_referrals',
    'paid_referrals_count',
    'paying_referrals',
    'paid_customers',
    'conversions',
  ],
} as const;

const SHARING_NAMES = ['social_sharing', 'social_sharing_links', 'sharing', 'social', 'share_links'];

/** A count: a number, or an object holding it as `total`/`count`/`value`. */
function count(v: unknown): number | null {
  return num(v) ?? (isObj(v) ? firstOf(v, ['total', 'count', 'value'], num) : null);
}

/** Social sharing links: `{network: url}`, or a list of `{name|network|type, url|link}`. */
function sharing(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) {
    for (const [name, url] of Object.entries(v)) if (typeof url === 'string') out[name] = url;
  } else if (Array.isArray(v)) {
    for (const item of v) {
      if (!isObj(item)) continue;
      const name = firstOf(item, ['name', 'network', 'type'], str);
      const url = linkOf(item);
      if (name !== null && url !== null) out[name] = url;
    }
  }
  return out;
}

export function toCustomerStats(v: unknown): CustomerStats {
  const s = obj(v, 'stats');
  const sharingField = SHARING_NAMES.find((name) => s[name] !== undefined);
  return {
    clicks: firstOf(s, STAT_NAMES.clicks, count),
    signups: firstOf(s, STAT_NAMES.signups, count),
    referrals: firstOf(s, STAT_NAMES.referrals, count),
    paid_referrals: firstOf(s, STAT_NAMES.paid_referrals, count),
    social_sharing: sharingField === undefined ? {} : sharing(s[sharingField]),
    fields: Object.keys(s),
  };
}

function balanceUnit(v: unknown): BalanceUnit | null {
  if (!isObj(v)) return null;
  const amount = firstOf(v, ['amount', 'balance', 'value'], num);
  if (amount === null) return null;
  return {
    amount,
    unit: firstOf(v, ['amount_units', 'unit', 'units', 'currency'], str),
    is_currency: bool(v.is_currency),
  };
}

const units = (v: unknown[]): BalanceUnit[] => v.map(balanceUnit).filter((u): u is BalanceUnit => u !== null);

/**
 * A balance. Published: `{customer, balance: {currency: [{amount, amount_units, is_currency}]}}`, one
 * entry per unit, money and points side by side. Also read: the unit list under any other name in
 * `balance`, the list itself, or one number with its currency beside it (`{balance: 12.5, currency}`).
 */
export function toBalance(v: unknown): Balance {
  const named = isObj(v) && 'balance' in v;
  const b = named ? v.balance : v;
  if (Array.isArray(b)) return { units: units(b) };
  const single = num(b);
  if (single !== null) {
    const unit = isObj(v) ? firstOf(v, ['currency', 'amount_units', 'unit'], str) : null;
    return { units: [{ amount: single, unit, is_currency: unit === null ? null : true }] };
  }
  if (isObj(b)) {
    // Under `balance`, every list holds units (an empty one is an empty balance). Elsewhere only lists
    // made of units count: another object's lists (a customer's `referral_links`) are no balance.
    const lists = Object.values(b).filter(
      (x): x is unknown[] =>
        Array.isArray(x) && (named || (x.length > 0 && x.every((e) => balanceUnit(e) !== null))),
    );
    if (lists.length > 0) return { units: lists.flatMap(units) };
    const one = balanceUnit(b);
    if (one !== null) return { units: [one] };
  }
  throw new ResponseShapeError('no balance in the answer');
}

function reward(v: unknown): Reward | null {
  const amount = num(v);
  if (amount !== null) return { amount, amount_units: null, status: null };
  if (!isObj(v)) return null;
  return {
    amount: firstOf(v, ['amount', 'reward', 'commission'], num),
    amount_units: str(v.amount_units),
    status: str(v.status),
  };
}

/** `credit` is published as a boolean (is this a credit transaction); a number reads as non-zero. */
function creditFlag(v: unknown): boolean | null {
  const b = bool(v);
  if (b !== null) return b;
  const n = num(v);
  return n === null ? null : n !== 0;
}

export function toTransaction(v: unknown): Transaction {
  const t = obj(v, 'transaction');
  const key = str(t.key);
  if (key === null) throw new ResponseShapeError('transaction has no key');
  return {
    key,
    action: str(t.action),
    amount: num(t.amount),
    amount_units: str(t.amount_units),
    is_currency: bool(t.is_currency),
    product_id: str(t.product_id),
    product_type: str(t.product_type),
    customer: toCustomerRef(t.customer),
    referred_customer: toCustomerRef(t.referred_customer),
    credit: creditFlag(t.credit),
    rewards: Array.isArray(t.rewards) ? t.rewards.map(reward).filter((r): r is Reward => r !== null) : [],
    created_at: str(t.created_at),
  };
}

/**
 * A list: `{data: [...], links, meta}` as published, or a bare array. Items we cannot read are an error
 * (a look-up must never read "not there" because a row was unreadable).
 */
export function toPage<T>(body: unknown, item: (x: unknown) => T): Page<T> {
  const b: Obj = Array.isArray(body) ? { data: body } : obj(body, 'list response');
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
    current_page: num(meta.current_page),
    last_page: num(meta.last_page),
    per_page: num(meta.per_page),
    total: num(meta.total),
    from: num(meta.from),
    to: num(meta.to),
  };
  return { data: b.data.map(item), links: pageLinks, meta: pageMeta };
}

/** For a write's answer: what we can read of it, or undefined. Never throws (2xx = applied). */
export function readIfAny<T>(body: unknown, read: (v: unknown) => T): T | undefined {
  try {
    return read(body);
  } catch (e) {
    if (e instanceof ResponseShapeError) return undefined;
    throw e;
  }
}
