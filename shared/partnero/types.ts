/** Wire shapes of docs/partnero-shapes.md, after the client's defensive normalisation. */
import type { PartneroFetch } from './node-transport.js';

/** A customer as it appears nested in other objects (referring customer, transaction parties). */
export interface CustomerSummary {
  id: string | null;
  key: string | null;
  email: string | null;
  name: string | null;
}

export interface ReferralLink {
  url: string;
  key: string | null;
  default: boolean;
}

export type CustomerStatus = 'active' | 'deleted' | (string & {});

export interface Customer {
  id: string | null;
  key: string;
  email: string | null;
  name: string | null;
  surname: string | null;
  status: CustomerStatus | null;
  approved: boolean | null;
  referring_customer: CustomerSummary | null;
  referrals_count: number;
  referral_link: string | null;
  referral_links: ReferralLink[];
  metadata: { date_of_birth: string | null };
  custom_fields: Record<string, unknown>;
  created_at: string | null;
  updated_at: string | null;
}

export interface CustomerStats {
  clicks: number;
  signups: number;
  referrals: number;
  paid_referrals: number;
  social_sharing: Record<string, string>;
}

export interface Balance {
  balance: number;
  currency: string | null;
  /** Absent from the balance-credit response. */
  rewards: number | null;
  credits: number | null;
}

export interface Reward {
  customer_key: string | null;
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
  /** The referring customer, who earns the reward. */
  customer: CustomerSummary | null;
  /** The buyer. */
  referred_customer: CustomerSummary | null;
  credit: number | null;
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
  current_page: number;
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
export type CustomerRef = (
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
  customer: CustomerRef;
  options?: { create_customer?: boolean };
}

export interface CreateTransactionBatchInput {
  customer: CustomerRef;
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
  /** How requests are sent; default the AWS SDK's Node HTTP handler (node-transport.ts). `fetch` fits. */
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
}

export interface CallOptions {
  /** Absolute epoch ms; no attempt or backoff sleep starts that would pass it. */
  deadline?: number;
  signal?: AbortSignal;
}
