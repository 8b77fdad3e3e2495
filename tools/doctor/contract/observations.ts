import type {
  Balance,
  CreateCustomerInput,
  CreateTransactionInput,
  Customer,
  CustomerStats,
  Page,
  PartneroErrorCode,
  Transaction,
} from '#shared/partnero/index.js';
import type { Exchange } from './recorder.js';

/** One call of the check: what the client made of it (a value or an error) and the last answer on the wire. */
export interface Step<T> {
  value?: T;
  error?: { code: PartneroErrorCode | null; message: string };
  /** The last request the call sent (after the client's retries), with Partnero's raw answer. */
  exchange?: Exchange;
}

/** A call repeated until it saw what it waits for, or ran out of tries (look-up lag). */
export interface Poll<T> extends Step<T> {
  tries: number;
  /** Whether the awaited state was seen. */
  seen: boolean;
}

/** What the run sent: the checks compare the answers with it. */
export interface Sent {
  /** The run's name, `referrals-contract-check-<time>`: every customer's name, the prefix of every id and key. */
  name: string;
  referrer: CreateCustomerInput & { id: string; key: string };
  friend: CreateCustomerInput & { id: string; key: string };
  transaction: CreateTransactionInput;
  lookupTries: number;
}

/** Everything the run saw; each assumption reads the part it is about. */
export interface Observations {
  sent: Sent;
  wrongKey?: Step<unknown>;
  referrerCreated?: Step<Customer>;
  friendCreated?: Step<Customer>;
  friendRead?: Step<Customer>;
  unknownCustomer?: Step<Customer>;
  transactionCreated?: Step<Transaction | undefined>;
  /** `GET /transactions?key=` until the new transaction shows. */
  lookup?: Poll<Page<Transaction>>;
  balance?: Step<Balance>;
  stats?: Step<CustomerStats>;
  /** `GET /customers/{referrer}/referrals` until the friend shows. */
  referrals?: Poll<Page<Customer>>;
  transactionDeleted?: Step<void>;
  /** `GET /transactions?key=` until the deleted transaction is gone. */
  afterDelete?: Poll<Page<Transaction>>;
  /** The cleanup's `DELETE /customers/{id}`, friend first. */
  customerDeletes: { role: 'referrer' | 'friend'; step: Step<void>; after?: Step<Customer> }[];
  /** Every list answer of the run (look-ups, referrals, the leftover search), raw. */
  lists: Exchange[];
}
