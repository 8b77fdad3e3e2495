/**
 * The Partnero API: customer and transaction endpoints over the executor (retry.ts), which every call
 * goes through. The tools' webhooks API (tools/cli/partnero-webhooks.ts) uses the same executor.
 */
import { invalid } from './errors.js';
import { createExecutor, type Execute } from './retry.js';
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
} from './shapes.js';
import { pageParams, pathWith } from './transport.js';
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

/** How the client reads Partnero's answers (shapes.ts); writes read what they can and never fail on it. */
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

/** Customer endpoints, and the read-back of a created customer. */
class Customers implements CustomersApi {
  constructor(private readonly execute: Execute) {}

  async create(input: CreateCustomerInput, o?: CallOptions): Promise<Customer> {
    const created = await this.execute(
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
    return this.get(id, o).catch(() => created ?? sentCustomer(input));
  }

  async get(id: string, o?: CallOptions): Promise<Customer> {
    return this.execute({ method: 'GET', path: pathWith('GET', '/customers/{id}', id), parse: customer }, o);
  }

  async update(id: string, update: UpdateCustomerInput, o?: CallOptions): Promise<Customer | undefined> {
    const path = pathWith('PUT', '/customers/{id}', id);
    return this.execute(
      { method: 'PUT', path, body: { update }, parse: (body) => readIfAny(body, customer) },
      o,
    );
  }

  async delete(id: string, o?: CallOptions): Promise<void> {
    return this.execute(
      { method: 'DELETE', path: pathWith('DELETE', '/customers/{id}', id), parse: none },
      o,
    );
  }

  async list(q?: ListCustomersQuery, o?: CallOptions): Promise<Page<Customer>> {
    const query = pageParams('GET', '/customers', q);
    if (q?.referStatus !== undefined) query.set('refer_status', q.referStatus);
    return this.execute({ method: 'GET', path: '/customers', query, parse: customerPage }, o);
  }

  async stats(id: string, o?: CallOptions): Promise<CustomerStats> {
    const path = pathWith('GET', '/customers/{id}/stats', id);
    return this.execute({ method: 'GET', path, parse: (body) => toCustomerStats(unwrap(body)) }, o);
  }

  async balance(id: string, o?: CallOptions): Promise<Balance> {
    const path = pathWith('GET', '/customers/{id}/balance', id);
    return this.execute({ method: 'GET', path, parse: (body) => toBalance(unwrap(body)) }, o);
  }

  async referrals(id: string, q?: PageQuery, o?: CallOptions): Promise<Page<Customer>> {
    const path = pathWith('GET', '/customers/{id}/referrals', id);
    return this.execute({ method: 'GET', path, query: pageParams('GET', path, q), parse: customerPage }, o);
  }

  async creditBalance(id: string, input: CreditBalanceInput, o?: CallOptions): Promise<Balance | undefined> {
    const path = pathWith('POST', '/customers/{id}/balance/credit', id);
    if (!Number.isFinite(input.amount)) {
      throw invalid('POST', path, `Partnero POST ${path}: amount must be a finite number`);
    }
    return this.execute(
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
  }
}

class Transactions implements TransactionsApi {
  constructor(private readonly execute: Execute) {}

  async create(input: CreateTransactionInput, o?: CallOptions): Promise<Transaction | undefined> {
    return this.execute(
      {
        method: 'POST',
        path: '/transactions',
        body: input,
        idempotent: false,
        unknownOutcome: 'the transaction may or may not have been recorded',
        parse: (body) => readIfAny(first(unwrap(body)), toTransaction),
      },
      o,
    );
  }

  async createBatch(input: CreateTransactionBatchInput, o?: CallOptions): Promise<Transaction[]> {
    return this.execute(
      {
        method: 'POST',
        path: '/transactions',
        body: input,
        idempotent: false,
        unknownOutcome: 'the transactions may or may not have been recorded',
        parse: (body) => asArray(unwrap(body)).flatMap((t) => readIfAny(t, toTransaction) ?? []),
      },
      o,
    );
  }

  async delete(key: string, o?: CallOptions): Promise<void> {
    const path = pathWith('DELETE', '/transactions/{key}', key);
    return this.execute({ method: 'DELETE', path, parse: none }, o);
  }

  async list(q?: ListTransactionsQuery, o?: CallOptions): Promise<Page<Transaction>> {
    const query = pageParams('GET', '/transactions', q);
    if (q?.customerId !== undefined) query.set('customer.id', q.customerId);
    if (q?.customerKey !== undefined) query.set('customer.key', q.customerKey);
    if (q?.key !== undefined) query.set('key', q.key);
    const parse = (body: unknown) => toPage(body, toTransaction);
    return this.execute({ method: 'GET', path: '/transactions', query, parse }, o);
  }
}

export function createPartneroClient(opts: PartneroClientOptions): PartneroClient {
  const execute = createExecutor(opts);
  return { customers: new Customers(execute), transactions: new Transactions(execute) };
}
