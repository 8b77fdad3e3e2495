import { createExecutor, type Execute } from './http.js';
import {
  asArray,
  first,
  readIfAny,
  toBalance,
  toCustomer,
  toCustomerStats,
  toPage,
  toTransaction,
  unwrap,
} from './normalize.js';
import { invalid, pageParams, pathWith } from './requests.js';
import type {
  Balance,
  CallOptions,
  CreateCustomerInput,
  CreateTransactionBatchInput,
  CreateTransactionInput,
  CreditBalanceInput,
  Customer,
  CustomerStats,
  ListCustomersQuery,
  ListTransactionsQuery,
  Page,
  PageQuery,
  PartneroClientOptions,
  Transaction,
  UpdateCustomerInput,
} from './types.js';

export interface CustomersApi {
  /**
   * A 2xx is a created customer whatever its body. When the answer lacks the customer or its referral
   * link, the customer is read back with a GET; if that fails too, what was sent is returned.
   */
  create(input: CreateCustomerInput, o?: CallOptions): Promise<Customer>;
  get(id: string, o?: CallOptions): Promise<Customer>;
  /** The updated customer when the answer carries it. */
  update(id: string, update: UpdateCustomerInput, o?: CallOptions): Promise<Customer | undefined>;
  delete(id: string, o?: CallOptions): Promise<void>;
  list(q?: ListCustomersQuery, o?: CallOptions): Promise<Page<Customer>>;
  stats(id: string, o?: CallOptions): Promise<CustomerStats>;
  balance(id: string, o?: CallOptions): Promise<Balance>;
  referrals(id: string, q?: PageQuery, o?: CallOptions): Promise<Page<Customer>>;
  /**
   * Not idempotent: never resent once it may have reached Partnero (→ unknown_outcome). A 2xx is applied;
   * Partnero publishes no answer body, so the new balance is returned only when the answer holds one.
   */
  creditBalance(id: string, input: CreditBalanceInput, o?: CallOptions): Promise<Balance | undefined>;
}

export interface TransactionsApi {
  /**
   * Not idempotent: Partnero records a second transaction (and pays a second commission) for a key it
   * already has, so this is never resent once it may have reached Partnero (→ `unknown_outcome`; look the
   * key up with `list({ key })` before sending again). `conflict` only comes from a strict deployment.
   */
  create(input: CreateTransactionInput, o?: CallOptions): Promise<Transaction | undefined>;
  /** Not idempotent either. Answers the transactions the body lets us read (a 2xx is applied in any case). */
  createBatch(input: CreateTransactionBatchInput, o?: CallOptions): Promise<Transaction[]>;
  /**
   * Deletes one transaction with this key and reverses its commission (refund). Retried: a retry after a
   * lost answer deletes another copy of the key or sees `not_found`, both of which a refund wants.
   */
  delete(key: string, o?: CallOptions): Promise<void>;
  list(q?: ListTransactionsQuery, o?: CallOptions): Promise<Page<Transaction>>;
}

export interface PartneroClient {
  customers: CustomersApi;
  transactions: TransactionsApi;
}

/** How the client reads Partnero's answers (normalize.ts); writes read what they can and never fail on it. */
const customer = (body: unknown): Customer => toCustomer(unwrap(body));
const customerPage = (body: unknown): Page<Customer> => toPage(body, toCustomer);
const none = (): void => undefined;

/** What we know of a customer we created when neither the answer nor a read-back tells more. */
function sentCustomer(input: CreateCustomerInput): Customer {
  return {
    id: input.id ?? null,
    key: input.key ?? null,
    email: input.email ?? null,
    name: input.name ?? null,
    surname: input.surname ?? null,
    status: null,
    approved: null,
    referring_customer: null,
    referrals_count: null,
    referral_link: null,
    referral_links: [],
    metadata: { date_of_birth: input.metadata?.date_of_birth ?? null },
    custom_fields: {},
    created_at: null,
    updated_at: null,
  };
}

function customersApi(execute: Execute): CustomersApi {
  const get = async (id: string, o?: CallOptions) =>
    execute({ method: 'GET', path: pathWith('GET', '/customers/{id}', id), parse: customer }, o);
  return {
    create: async (input, o) => {
      const created = await execute(
        {
          method: 'POST',
          path: '/customers',
          body: input,
          // Without key, id or email Partnero generates a key, so a resend could create a second customer.
          idempotent: Boolean(input.key || input.id || input.email),
          unknownOutcome: 'the customer may or may not have been created',
          parse: (body) => readIfAny(body, customer),
        },
        o,
      );
      if (created?.referral_link) return created;
      const id = created?.id ?? input.id ?? created?.key ?? input.key;
      if (id === undefined || id === null) return created ?? sentCustomer(input);
      return get(id, o).catch(() => created ?? sentCustomer(input));
    },
    get,
    update: async (id, update, o) =>
      execute(
        {
          method: 'PUT',
          path: pathWith('PUT', '/customers/{id}', id),
          body: { update },
          parse: (body) => readIfAny(body, customer),
        },
        o,
      ),
    delete: async (id, o) =>
      execute({ method: 'DELETE', path: pathWith('DELETE', '/customers/{id}', id), parse: none }, o),
    list: async (q, o) => {
      const query = pageParams('GET', '/customers', q);
      if (q?.referStatus !== undefined) query.set('refer_status', q.referStatus);
      return execute({ method: 'GET', path: '/customers', query, parse: customerPage }, o);
    },
    stats: async (id, o) =>
      execute(
        {
          method: 'GET',
          path: pathWith('GET', '/customers/{id}/stats', id),
          parse: (body) => toCustomerStats(unwrap(body)),
        },
        o,
      ),
    balance: async (id, o) =>
      execute(
        {
          method: 'GET',
          path: pathWith('GET', '/customers/{id}/balance', id),
          parse: (body) => toBalance(unwrap(body)),
        },
        o,
      ),
    referrals: async (id, q, o) => {
      const path = pathWith('GET', '/customers/{id}/referrals', id);
      return execute({ method: 'GET', path, query: pageParams('GET', path, q), parse: customerPage }, o);
    },
    creditBalance: async (id, input, o) => {
      const path = pathWith('POST', '/customers/{id}/balance/credit', id);
      if (!Number.isFinite(input.amount)) {
        throw invalid('POST', path, `Partnero POST ${path}: amount must be a finite number`);
      }
      return execute(
        {
          method: 'POST',
          path,
          body: { amount: input.amount, amount_units: input.amount_units, is_currency: input.is_currency },
          idempotent: false,
          unknownOutcome: 'the balance credit may or may not have been applied',
          parse: (body) => readIfAny(unwrap(body), toBalance),
        },
        o,
      );
    },
  };
}

function transactionsApi(execute: Execute): TransactionsApi {
  return {
    create: async (input, o) =>
      execute(
        {
          method: 'POST',
          path: '/transactions',
          body: input,
          idempotent: false,
          unknownOutcome: 'the transaction may or may not have been recorded',
          parse: (body) => readIfAny(first(unwrap(body)), toTransaction),
        },
        o,
      ),
    createBatch: async (input, o) =>
      execute(
        {
          method: 'POST',
          path: '/transactions',
          body: input,
          idempotent: false,
          unknownOutcome: 'the transactions may or may not have been recorded',
          parse: (body) => asArray(unwrap(body)).flatMap((t) => readIfAny(t, toTransaction) ?? []),
        },
        o,
      ),
    delete: async (key, o) =>
      execute({ method: 'DELETE', path: pathWith('DELETE', '/transactions/{key}', key), parse: none }, o),
    list: async (q, o) => {
      const query = pageParams('GET', '/transactions', q);
      if (q?.customerId !== undefined) query.set('customer.id', q.customerId);
      if (q?.customerKey !== undefined) query.set('customer.key', q.customerKey);
      if (q?.key !== undefined) query.set('key', q.key);
      return execute(
        { method: 'GET', path: '/transactions', query, parse: (body) => toPage(body, toTransaction) },
        o,
      );
    },
  };
}

export function createPartneroClient(opts: PartneroClientOptions): PartneroClient {
  const execute = createExecutor(opts);
  return { customers: customersApi(execute), transactions: transactionsApi(execute) };
}
