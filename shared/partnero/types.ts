/** What the client reads from Partnero's answers (docs/partnero-shapes.md), what it sends, and how. */

/**
 * A customer named inside another object (a referring customer, a transaction's parties). Partnero
 * publishes these as a bare identifier string (transactions) or leaves the fields unpublished
 * (`referring_customer`), so every field is optional; `identifier` is the best one we have.
 */
export interface CustomerRef {
  identifier: string | null;
  id: string | null;
  key: string | null;
  email: string | null;
  name: string | null;
}

export type CustomerStatus = 'active' | 'deleted' | (string & {});

/** A customer object. Partnero publishes `id` and no `key`; a key may still appear, so both are read. */
export interface Customer {
  id: string | null;
  key: string | null;
  email: string | null;
  name: string | null;
  surname: string | null;
  status: CustomerStatus | null;
  approved: boolean | null;
  referring_customer: CustomerRef | null;
  /** null: not in the answer (unknown), never a made-up 0. */
  referrals_count: number | null;
  referral_link: string | null;
  referral_links: string[];
  metadata: { date_of_birth: string | null };
  custom_fields: Record<string, unknown>;
  created_at: string | null;
  updated_at: string | null;
}

/**
 * A customer's stats. Partnero publishes "click counts, referral counts, and social sharing links" but
 * no field names, so each count is read under the names a program may use; null means not found.
 */
export interface CustomerStats {
  clicks: number | null;
  signups: number | null;
  referrals: number | null;
  paid_referrals: number | null;
  social_sharing: Record<string, string>;
  /** The top-level field names the answer carried, so a check can show what Partnero uses. */
  fields: string[];
}

/** One unit of a balance: money in one currency (`is_currency`), or points and other non-money rewards. */
export interface BalanceUnit {
  amount: number;
  /** `amount_units` as Partnero names it, e.g. `USD` or `points`; null when the answer names none. */
  unit: string | null;
  is_currency: boolean | null;
}

/** A balance: every unit the customer holds (published as `balance.currency: [{amount, amount_units, is_currency}]`). */
export interface Balance {
  units: BalanceUnit[];
}

/** One element of a transaction's `rewards`; Partnero does not publish their fields, so all may be null. */
export interface Reward {
  amount: number | null;
  amount_units: string | null;
  status: string | null;
}

export interface Transaction {
  key: string;
  action: string | null;
  amount: number | null;
  amount_units: string | null;
  is_currency: boolean | null;
  product_id: string | null;
  product_type: string | null;
  /** The referring customer, who earns the reward (published as an identifier string). */
  customer: CustomerRef | null;
  /** The buyer (published as an identifier string). */
  referred_customer: CustomerRef | null;
  /** Whether this is a credit transaction (published as a boolean). */
  credit: boolean | null;
  rewards: Reward[];
  created_at: string | null;
}

export interface PageLinks {
  first: string | null;
  last: string | null;
  prev: string | null;
  next: string | null;
}

export interface PageMeta {
  /** null when the answer carries no `meta` (e.g. a bare array). */
  current_page: number | null;
  last_page: number | null;
  per_page: number | null;
  total: number | null;
  from: number | null;
  to: number | null;
}

export interface Page<T> {
  data: T[];
  links: PageLinks;
  meta: PageMeta;
}

// ---- inputs ----

/** At least one of key or id; Partnero prefers id when both are given. */
export type ReferringCustomerRef = { key: string; id?: string } | { id: string; key?: string };

export interface CreateCustomerInput {
  /** Public identifier used in the referral link; Partnero generates one when absent. */
  key?: string;
  /** Private identifier, e.g. your account id. */
  id?: string;
  email?: string;
  name?: string;
  surname?: string;
  metadata?: { date_of_birth?: string };
  referring_customer?: ReferringCustomerRef;
}

export interface UpdateCustomerInput {
  key?: string;
  id?: string;
  email?: string;
  name?: string;
  surname?: string;
  metadata?: { date_of_birth?: string | null };
}

/** Identifies the (referred) customer of a transaction; extra fields are used with options.create_customer. */
export type TransactionCustomer = (
  | { key: string; id?: string; email?: string }
  | { id: string; key?: string; email?: string }
  | { email: string; key?: string; id?: string }
) & {
  name?: string;
  surname?: string;
  referring_customer?: ReferringCustomerRef;
};

export interface TransactionItem {
  /** Unique transaction id (order/invoice id); a refund deletes by this key. */
  key: string;
  amount: number;
  /** Free text, 'sale' by convention. */
  action: string;
  amount_units?: string;
  product_id?: string;
  product_type?: string;
}

export interface CreateTransactionInput extends TransactionItem {
  customer: TransactionCustomer;
  options?: { create_customer?: boolean };
}

export interface CreateTransactionBatchInput {
  customer: TransactionCustomer;
  transactions: TransactionItem[];
}

export interface CreditBalanceInput {
  amount: number;
  /** Currency code, e.g. 'usd'. */
  amount_units: string;
  is_currency: boolean;
}

export interface PageQuery {
  /** 1-250, Partnero's default is 15. */
  limit?: number;
  page?: number;
}

export interface ListCustomersQuery extends PageQuery {
  referStatus?: 'referred' | 'non_referred';
}

export interface ListTransactionsQuery extends PageQuery {
  /** The buyer's private id (`customer.id`). */
  customerId?: string;
  /** The buyer's public key (`customer.key`). */
  customerKey?: string;
  key?: string;
}

// ---- client configuration ----

/** A rotating API key, e.g. a Secrets Manager-backed cache. */
export interface ApiKeySource {
  get(): Promise<string>;
  /** Drops the cached key so the next get() fetches a fresh one. */
  invalidate(): void;
}

export interface RequestInfo {
  method: string;
  /** Path without query string. */
  path: string;
  /** 1-based number of the HTTP attempt within one call (a 401 key refresh counts too). */
  attempt: number;
}

export interface PartneroClientOptions {
  apiKey: string | ApiKeySource;
  /** Default 'https://api.partnero.com/v1'; a trailing slash is tolerated. */
  baseUrl?: string;
  /** How requests are sent; default the AWS SDK's Node HTTP handler (transport.ts). `fetch` fits. */
  fetch?: PartneroFetch;
  /** Per attempt, default 5000. */
  attemptTimeoutMs?: number;
  /** Default 3. */
  maxAttempts?: number;
  /** Backoff base, default 100. */
  baseDelayMs?: number;
  /** Cap for backoff and for Retry-After, default 2000. */
  maxDelayMs?: number;
  /** For full jitter, default Math.random. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRequest?: (info: RequestInfo) => void;
  /** A shared budget asked before every HTTP attempt (shared/quota); default none. */
  limiter?: PartneroLimiterHook;
}

/**
 * The client's side of a rate-limit budget. `acquire` resolves when the attempt may be sent and throws
 * (a `PartneroError`, code `rate_limited`) when it may not: the attempt is then never sent.
 */
export interface PartneroLimiterHook {
  acquire(call: { method: string; path: string; deadline?: number; account?: string }): Promise<void>;
  /** Partnero answered 429, with its Retry-After in ms when given. */
  onRateLimited?(retryAfterMs?: number): void | Promise<void>;
}

export interface CallOptions {
  /** Absolute epoch ms; no attempt or backoff sleep starts that would pass it. */
  deadline?: number;
  signal?: AbortSignal;
  /** The account the call is made for: a limiter counts it against that account's own share. */
  account?: string;
}

// ---- the transport ----

export interface PartneroRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal;
  /** Never follow a redirect (it could carry the bearer key elsewhere); the default transport never does. */
  redirect?: 'manual';
}

export interface PartneroResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** What the client sends requests with: `fetch`, or anything answering the same subset. */
export type PartneroFetch = (url: string, init: PartneroRequestInit) => Promise<PartneroResponse>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One HTTP attempt, reduced to what the retry loop decides on. */
export type Outcome =
  | { kind: 'response'; status: number; retryAfter: string | null; body: unknown }
  | { kind: 'timeout'; ms: number }
  | { kind: 'aborted' }
  | { kind: 'network'; error: unknown };
