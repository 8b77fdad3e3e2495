import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { roundCents } from './validation.js';

export interface CustomerRecord {
  /** Internal immutable id; `key` and `id` can change through updates. */
  uid: string;
  id: string | null;
  key: string;
  email: string | null;
  name: string | null;
  surname: string | null;
  status: 'active' | 'deleted';
  approved: boolean;
  referrerUid: string | null;
  dateOfBirth: string | null;
  customFields: Record<string, unknown>;
  clicks: number;
  createdAt: string;
  updatedAt: string;
}

export interface TransactionRecord {
  key: string;
  action: string;
  amount: number;
  amountUnits: string;
  isCurrency: boolean;
  productId: string | null;
  productType: string | null;
  /** The buyer (a referred customer). */
  customerUid: string;
  /** The referring customer who earns `credit`. */
  referrerUid: string;
  credit: number;
  archived: boolean;
  createdAt: string;
}

export interface CreditRecord {
  id: string;
  customerUid: string;
  amount: number;
  amountUnits: string;
  isCurrency: boolean;
  createdAt: string;
}

export interface WebhookRecord {
  key: string;
  name: string;
  url: string;
  events: string[];
  isActive: boolean;
  /** The signing secret Partnero generates; deliveries are HMAC-SHA256 signed with it. */
  signature: string;
  createdAt: string;
  /** Created from `SandboxOptions.webhooks` (or the config control), not through the API. */
  fromOptions: boolean;
}

export interface SandboxState {
  version: 1;
  seq: number;
  customers: CustomerRecord[];
  transactions: TransactionRecord[];
  credits: CreditRecord[];
  webhooks: WebhookRecord[];
}

export interface RequestCounters {
  total: number;
  byRoute: Record<string, number>;
}

const emptyState = (): SandboxState => ({
  version: 1,
  seq: 0,
  customers: [],
  transactions: [],
  credits: [],
  webhooks: [],
});

const KEY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export const randomKey = (length: number): string =>
  Array.from(randomBytes(length), (b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');

/** In-memory state of the sandbox, optionally mirrored to a JSON file after every mutation. */
export class Store {
  state: SandboxState;
  requests: RequestCounters = { total: 0, byRoute: {} };

  constructor(readonly file?: string) {
    this.state = file && existsSync(file) ? Store.load(file) : emptyState();
  }

  private static load(file: string): SandboxState {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxState>;
    if (parsed.version !== 1) throw new Error(`Unsupported sandbox state file: ${file}`);
    return { ...emptyState(), ...parsed };
  }

  /** Persists the state (write to a temp file, then rename, so a crash never leaves half a file). */
  commit(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  reset(): void {
    this.state = emptyState();
    this.resetRequests();
    this.commit();
  }

  resetRequests(): void {
    this.requests = { total: 0, byRoute: {} };
  }

  countRequest(label: string): void {
    this.requests.total += 1;
    this.requests.byRoute[label] = (this.requests.byRoute[label] ?? 0) + 1;
  }

  nextId(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}_${this.state.seq}`;
  }

  generateKey(): string {
    for (;;) {
      const key = randomKey(10);
      if (!this.byKey(key)) return key;
    }
  }

  activeCustomers(): CustomerRecord[] {
    return this.state.customers.filter((c) => c.status === 'active');
  }

  byUid(uid: string | null): CustomerRecord | undefined {
    return uid === null ? undefined : this.state.customers.find((c) => c.uid === uid);
  }

  byKey(key: string): CustomerRecord | undefined {
    return this.activeCustomers().find((c) => c.key === key);
  }

  byId(id: string): CustomerRecord | undefined {
    return this.activeCustomers().find((c) => c.id === id);
  }

  byEmail(email: string): CustomerRecord | undefined {
    const wanted = email.toLowerCase();
    return this.activeCustomers().find((c) => c.email?.toLowerCase() === wanted);
  }

  /** `GET /customers/{id}` semantics: the private id first, then the public key. */
  findCustomer(idOrKey: string): CustomerRecord | undefined {
    return this.byId(idOrKey) ?? this.byKey(idOrKey);
  }

  referralsOf(uid: string): CustomerRecord[] {
    return this.activeCustomers().filter((c) => c.referrerUid === uid);
  }

  /** Keys are not unique (as on Partnero): every transaction with `key`, oldest first. */
  transactionsWithKey(key: string): TransactionRecord[] {
    return this.state.transactions.filter((t) => t.key === key);
  }

  /**
   * The OLDEST transaction with `key`. Partnero does not document which one a delete (or archive)
   * picks when a key is repeated; the sandbox picks the oldest, and our code must not depend on it.
   */
  transaction(key: string): TransactionRecord | undefined {
    return this.state.transactions.find((t) => t.key === key);
  }

  webhook(key: string): WebhookRecord | undefined {
    return this.state.webhooks.find((w) => w.key === key);
  }

  /**
   * Every unit the customer holds, as Partnero's balance lists them: rewards earned through referred
   * customers' transactions and manual credits, summed per unit (currency codes upper-case, as Partnero
   * shows them; points and other non-money units as named).
   */
  balanceUnits(uid: string): { amount: number; amount_units: string; is_currency: boolean }[] {
    const sums = new Map<string, { amount: number; amount_units: string; is_currency: boolean }>();
    const add = (amount: number, units: string, isCurrency: boolean) => {
      const name = isCurrency ? units.toUpperCase() : units;
      const id = `${isCurrency}:${name}`;
      const entry = sums.get(id) ?? { amount: 0, amount_units: name, is_currency: isCurrency };
      entry.amount = roundCents(entry.amount + amount);
      sums.set(id, entry);
    };
    for (const t of this.state.transactions) {
      if (t.referrerUid === uid && !t.archived) add(t.credit, t.amountUnits, t.isCurrency);
    }
    for (const c of this.state.credits) if (c.customerUid === uid) add(c.amount, c.amountUnits, c.isCurrency);
    return [...sums.values()];
  }

  /** Money totals for tests and the chaos harness (all units summed), not a Partnero answer. */
  balanceOf(uid: string): { balance: number; currency: string; rewards: number; credits: number } {
    const rewards = this.state.transactions
      .filter((t) => t.referrerUid === uid && !t.archived)
      .reduce((sum, t) => sum + t.credit, 0);
    const credits = this.state.credits
      .filter((c) => c.customerUid === uid)
      .reduce((sum, c) => sum + c.amount, 0);
    return {
      balance: roundCents(rewards + credits),
      currency: 'usd',
      rewards: roundCents(rewards),
      credits: roundCents(credits),
    };
  }
}
