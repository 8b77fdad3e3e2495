/**
 * A Partnero test double written from the published examples only (../shared/partnero-contract.md,
 * "Answers as Partnero publishes them", and the endpoint facts above it), independent of the project's
 * sandbox: it answers what Partnero's pages show, field for field, and where a page is silent it makes one
 * plausible choice, named in a comment as unpublished.
 *
 * Serves a refer-a-friend program over real HTTP on 127.0.0.1 (port 0) under `/v1`:
 * customers (create, get, list, stats, balance, referrals, balance credit) and transactions (create single
 * or batch, list, delete). Bearer-key auth, 404 for unknown routes and resources, 422 with Laravel-style
 * `errors`. Tests read and assert its state directly.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Unit {
  amount: number;
  amount_units: string;
  is_currency: boolean;
}

export interface DoubleCustomer {
  /** Private identifier (`id`): what the API's paths and answers name the customer by. */
  id: string;
  /** Public identifier: it appears only inside the referral link. */
  key: string;
  email: string | null;
  name: string | null;
  surname: string | null;
  dateOfBirth: string | null;
  /** The referring customer's `id`. */
  referrerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DoubleTransaction {
  /** Order of creation, for the double's own bookkeeping (never answered). */
  seq: number;
  key: string;
  action: string;
  amount: number;
  amount_units: string;
  is_currency: boolean;
  product_id: string | null;
  product_type: string | null;
  /** The buyer's id (the customer the transaction was created for). */
  buyerId: string;
  /** The referrer's id, who earns the reward. */
  referrerId: string;
  reward: Unit;
  createdAt: string;
}

export interface DoubleCredit {
  customerId: string;
  unit: Unit;
  createdAt: string;
}

export interface PublishedPartneroOptions {
  apiKey?: string;
  /** Base of referral links (the guide's example: `https://yoursite.com`). */
  siteUrl?: string;
  /** The program's reward for a sale, as a share of its amount, in the sale's units. @default 0.1 */
  saleRewardShare?: number;
  /** A non-money reward the referrer gets when a referred customer signs up (a points program). */
  signupReward?: Unit;
}

export interface PublishedPartnero {
  /** The API base URL (`http://127.0.0.1:<port>/v1`), what `PARTNERO_API_URL` would hold. */
  url: string;
  apiKey: string;
  customers: Map<string, DoubleCustomer>;
  /** Every transaction that exists now (repeated keys are separate entries). */
  transactions: DoubleTransaction[];
  /** Transactions removed by DELETE (refunds). */
  deleted: DoubleTransaction[];
  credits: DoubleCredit[];
  /** Every request as `METHOD /path` (path without `/v1` and query), in order of arrival. */
  requests: string[];
  /** The customer's balance as the API answers it: one entry per unit. */
  balanceOf(id: string): Unit[];
  transactionsWithKey(key: string): DoubleTransaction[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

const validation = (field: string, reason: string) => new HttpError(422, reason, { [field]: [reason] });
const notFound = () => new HttpError(404, 'Not found.');

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null;

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isObj(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'The request body must be a JSON object.');
}

/** Money units compare case-insensitively (a credit sends `usd`, the balance example shows `USD`). */
const unitName = (units: string, isCurrency: boolean) => (isCurrency ? units.toUpperCase() : units);

export async function startPublishedPartnero(
  options: PublishedPartneroOptions = {},
): Promise<PublishedPartnero> {
  const apiKey = options.apiKey ?? `test_${randomBytes(12).toString('hex')}`;
  const siteUrl = (options.siteUrl ?? 'https://yoursite.com').replace(/\/+$/, '');
  const share = options.saleRewardShare ?? 0.1;
  const customers = new Map<string, DoubleCustomer>();
  const transactions: DoubleTransaction[] = [];
  const deleted: DoubleTransaction[] = [];
  const credits: DoubleCredit[] = [];
  const requests: string[] = [];
  let seq = 0;
  let baseUrl = '';

  const now = () => new Date().toISOString();
  const link = (c: DoubleCustomer) => `${siteUrl}?ref=${encodeURIComponent(c.key)}`;
  const referralsOf = (id: string) => [...customers.values()].filter((c) => c.referrerId === id);

  // Create / get customer (refer-a-friend API guide; docs.partnero.com refer-a-friend customers):
  // no `key`, links are plain strings.
  const customerObject = (c: DoubleCustomer): Json => ({
    id: c.id,
    email: c.email,
    name: c.name,
    surname: c.surname,
    status: 'active',
    approved: true,
    // Unpublished: the fields of a non-null referring_customer. Chosen: the referrer's id, name and email.
    referring_customer: c.referrerId === null ? null : referrerSummary(c.referrerId),
    referrals_count: referralsOf(c.id).length,
    referral_link: link(c),
    referral_links: [link(c)],
    metadata: { date_of_birth: c.dateOfBirth },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  });
  const referrerSummary = (id: string): Json => {
    const r = customers.get(id);
    return { id, name: r?.name ?? null, email: r?.email ?? null };
  };

  function balanceOf(id: string): Unit[] {
    const totals = new Map<string, Unit>();
    const add = (u: Unit) => {
      const name = unitName(u.amount_units, u.is_currency);
      const key = `${u.is_currency}:${name}`;
      const entry = totals.get(key) ?? { amount: 0, amount_units: name, is_currency: u.is_currency };
      entry.amount = Math.round((entry.amount + u.amount) * 100) / 100;
      totals.set(key, entry);
    };
    if (options.signupReward) for (const _ of referralsOf(id)) add(options.signupReward);
    for (const t of transactions) if (t.referrerId === id) add(t.reward);
    for (const c of credits) if (c.customerId === id) add(c.unit);
    return [...totals.values()];
  }

  // Transaction (docs.partnero.com refer-a-friend transactions): parties are identifier strings,
  // `credit` a boolean.
  const transactionObject = (t: DoubleTransaction): Json => ({
    key: t.key,
    action: t.action,
    amount: t.amount,
    amount_units: t.amount_units,
    customer: t.referrerId,
    referred_customer: t.buyerId,
    credit: false,
    is_currency: t.is_currency,
    // Unpublished: the fields of a reward. Chosen: the unit list's own fields.
    rewards: [{ ...t.reward }],
    created_at: t.createdAt,
  });

  /** Lists: `data`, `links` (full URLs or null), `meta`. `limit` 1–250 (default 15), `page` ≥ 1. */
  function page<T>(items: T[], query: URLSearchParams, path: string, render: (t: T) => Json): Json {
    const limitRaw = query.get('limit');
    const pageRaw = query.get('page');
    const limit = limitRaw === null ? 15 : Number(limitRaw);
    const current = pageRaw === null ? 1 : Number(pageRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250)
      throw validation('limit', 'The limit field must be between 1 and 250.');
    if (!Number.isInteger(current) || current < 1)
      throw validation('page', 'The page field must be at least 1.');
    const lastPage = Math.max(1, Math.ceil(items.length / limit));
    const slice = items.slice((current - 1) * limit, current * limit);
    const at = (n: number) => {
      const q = new URLSearchParams(query);
      q.set('page', String(n));
      return `${baseUrl}${path}?${q}`;
    };
    const from = slice.length === 0 ? null : (current - 1) * limit + 1;
    return {
      data: slice.map(render),
      links: {
        first: at(1),
        last: at(lastPage),
        prev: current > 1 ? at(current - 1) : null,
        next: current < lastPage ? at(current + 1) : null,
      },
      meta: {
        current_page: current,
        from,
        last_page: lastPage,
        per_page: limit,
        to: from === null ? null : from + slice.length - 1,
        total: items.length,
      },
    };
  }

  const customerById = (id: string) => {
    const c = customers.get(id);
    if (!c) throw notFound();
    return c;
  };

  function createCustomer(body: Json): DoubleCustomer {
    const id = text(body.id) ?? `cus_${randomBytes(6).toString('hex')}`;
    const key = text(body.key) ?? randomBytes(5).toString('hex');
    const email = text(body.email);
    const all = [...customers.values()];
    if (customers.has(id)) throw validation('id', 'The id has already been taken.');
    if (all.some((c) => c.key === key)) throw validation('key', 'The key has already been taken.');
    if (email !== null && all.some((c) => c.email === email))
      throw validation('email', 'The email has already been taken.');
    let referrerId: string | null = null;
    if (body.referring_customer !== undefined && body.referring_customer !== null) {
      const ref = isObj(body.referring_customer) ? body.referring_customer : {};
      const refId = text(ref.id);
      const refKey = text(ref.key);
      if (refId === null && refKey === null)
        throw validation('referring_customer', 'The referring customer must have a key or an id.');
      // `id` wins when both are given.
      const referrer = refId !== null ? customers.get(refId) : all.find((c) => c.key === refKey);
      if (!referrer) {
        const field = refId !== null ? 'referring_customer.id' : 'referring_customer.key';
        throw validation(field, `The selected ${field} is invalid.`);
      }
      referrerId = referrer.id;
    }
    const metadata = isObj(body.metadata) ? body.metadata : {};
    const at = now();
    const customer: DoubleCustomer = {
      id,
      key,
      email,
      name: text(body.name),
      surname: text(body.surname),
      dateOfBirth: text(metadata.date_of_birth),
      referrerId,
      createdAt: at,
      updatedAt: at,
    };
    customers.set(id, customer);
    return customer;
  }

  /** `customer.id`, `.key` or `.email` names the buyer; transactions exist for referred customers only. */
  function buyerOf(body: Json): DoubleCustomer {
    const ref = isObj(body.customer) ? body.customer : {};
    const all = [...customers.values()];
    const byId = text(ref.id);
    const byKey = text(ref.key);
    const byEmail = text(ref.email);
    let buyer: DoubleCustomer | undefined;
    let field: string;
    if (byId !== null) [buyer, field] = [customers.get(byId), 'customer.id'];
    else if (byKey !== null) [buyer, field] = [all.find((c) => c.key === byKey), 'customer.key'];
    else if (byEmail !== null) [buyer, field] = [all.find((c) => c.email === byEmail), 'customer.email'];
    else throw validation('customer', 'The customer field is required.');
    if (!buyer) {
      const options = isObj(body.options) ? body.options : {};
      if (options.create_customer !== true) throw validation(field, `The selected ${field} is invalid.`);
      buyer = createCustomer(ref);
    }
    if (buyer.referrerId === null)
      throw validation('customer', 'Transactions can be created for referred customers only.');
    return buyer;
  }

  function transactionItem(item: Json, buyer: DoubleCustomer, field: string): Omit<DoubleTransaction, 'seq'> {
    const key = text(item.key);
    if (key === null) throw validation(`${field}key`, `The ${field}key field is required.`);
    const amount = typeof item.amount === 'number' ? item.amount : Number(item.amount);
    if (!Number.isFinite(amount)) throw validation(`${field}amount`, `The ${field}amount must be a number.`);
    const action = text(item.action);
    if (action === null) throw validation(`${field}action`, `The ${field}action field is required.`);
    const units = text(item.amount_units) ?? 'usd';
    const isCurrency = true;
    return {
      key,
      action,
      amount,
      amount_units: units,
      is_currency: isCurrency,
      product_id: text(item.product_id),
      product_type: text(item.product_type),
      buyerId: buyer.id,
      referrerId: buyer.referrerId as string,
      reward: {
        amount: Math.round(amount * share * 100) / 100,
        amount_units: unitName(units, isCurrency),
        is_currency: isCurrency,
      },
      createdAt: now(),
    };
  }

  function createTransactions(body: Json): { status: number; body: Json } {
    const buyer = buyerOf(body);
    if (Array.isArray(body.transactions)) {
      const items = body.transactions.map((t, i) =>
        transactionItem(isObj(t) ? t : {}, buyer, `transactions.${i}.`),
      );
      // Transaction keys are not unique: a repeated key is recorded again.
      const created = items.map((t) => ({ ...t, seq: ++seq }));
      transactions.push(...created);
      return { status: 201, body: { data: created.map(transactionObject), status: 1 } };
    }
    const created = { ...transactionItem(body, buyer, ''), seq: ++seq };
    transactions.push(created);
    return { status: 201, body: { data: transactionObject(created), status: 1 } };
  }

  /** Deletes one transaction with the key. Which copy goes is unpublished; the double takes the newest. */
  function deleteTransaction(key: string): { status: number; body: Json } {
    let index = -1;
    for (let i = transactions.length - 1; i >= 0; i--) {
      if (transactions[i]?.key === key) {
        index = i;
        break;
      }
    }
    if (index === -1) throw notFound();
    deleted.push(...transactions.splice(index, 1));
    return { status: 200, body: { status: 1 } };
  }

  function credit(id: string, body: Json): { status: number; body: Json } {
    customerById(id);
    const errors: Record<string, string[]> = {};
    if (typeof body.amount !== 'number' || !Number.isFinite(body.amount))
      errors.amount = ['The amount field is required and must be a number.'];
    if (text(body.amount_units) === null) errors.amount_units = ['The amount units field is required.'];
    if (typeof body.is_currency !== 'boolean') errors.is_currency = ['The is currency field is required.'];
    if (Object.keys(errors).length > 0) throw new HttpError(422, 'The given data was invalid.', errors);
    const isCurrency = body.is_currency as boolean;
    credits.push({
      customerId: id,
      unit: {
        amount: body.amount as number,
        amount_units: unitName(text(body.amount_units) as string, isCurrency),
        is_currency: isCurrency,
      },
      createdAt: now(),
    });
    // The answer is unpublished. Chosen: the bare success envelope.
    return { status: 200, body: { status: 1 } };
  }

  async function route(req: IncomingMessage, path: string, query: URLSearchParams) {
    const method = req.method ?? 'GET';
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    const ok = (data: unknown, status = 200) => ({ status, body: { data, status: 1 } });
    if (seg[0] === 'customers') {
      if (seg.length === 1 && method === 'POST')
        return ok(customerObject(createCustomer(await readJson(req))), 201);
      if (seg.length === 1 && method === 'GET') {
        const status = query.get('refer_status');
        const list = [...customers.values()].filter((c) =>
          status === 'referred'
            ? c.referrerId !== null
            : status === 'non_referred'
              ? c.referrerId === null
              : true,
        );
        return { status: 200, body: page(list, query, '/customers', customerObject) };
      }
      const id = seg[1] as string;
      if (seg.length === 2 && method === 'GET') return ok(customerObject(customerById(id)));
      if (seg.length === 2 && method === 'DELETE') {
        // `DELETE /customers/{id}` is published; its answer is not. Chosen: as the transaction delete.
        customerById(id);
        customers.delete(id);
        return { status: 200, body: { status: 1 } };
      }
      if (seg.length === 3 && seg[2] === 'stats' && method === 'GET') {
        const c = customerById(id);
        // Stats: "click counts, referral counts, and social sharing links"; the names are unpublished.
        // Chosen: Laravel-style `_count` names, and one link per network.
        const url = encodeURIComponent(link(c));
        return ok({
          clicks_count: 0,
          referrals_count: referralsOf(id).length,
          social_sharing_links: {
            facebook: `https://www.facebook.com/sharer/sharer.php?u=${url}`,
            twitter: `https://twitter.com/intent/tweet?url=${url}`,
          },
        });
      }
      if (seg.length === 3 && seg[2] === 'balance' && method === 'GET') {
        // Balance (developers.partnero.com, referral transactions, "Get balance of a customer").
        const c = customerById(id);
        return ok({ customer: { ...customerObject(c), tos: true }, balance: { currency: balanceOf(id) } });
      }
      if (seg.length === 3 && seg[2] === 'referrals' && method === 'GET') {
        customerById(id);
        return { status: 200, body: page(referralsOf(id), query, path, customerObject) };
      }
      if (seg.length === 4 && seg[2] === 'balance' && seg[3] === 'credit' && method === 'POST')
        return credit(id, await readJson(req));
    }
    if (seg[0] === 'transactions') {
      if (seg.length === 1 && method === 'POST') return createTransactions(await readJson(req));
      if (seg.length === 1 && method === 'GET') {
        const key = query.get('key');
        const buyerKey = query.get('customer.key');
        const buyerId = query.get('customer.id');
        const list = transactions.filter(
          (t) =>
            (key === null || t.key === key) &&
            (buyerId === null || t.buyerId === buyerId) &&
            (buyerKey === null || customers.get(t.buyerId)?.key === buyerKey),
        );
        return { status: 200, body: page(list, query, '/transactions', transactionObject) };
      }
      if (seg.length === 1 && method === 'DELETE') {
        const key = text((await readJson(req)).key);
        if (key === null) throw validation('key', 'The key field is required.');
        return deleteTransaction(key);
      }
      if (seg.length === 2 && method === 'DELETE') return deleteTransaction(seg[1] as string);
    }
    throw notFound();
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const path = url.pathname.replace(/^\/v1(?=\/|$)/, '');
    requests.push(`${req.method} ${path}`);
    const handle = async () => {
      if (!url.pathname.startsWith('/v1/')) throw notFound();
      if (req.headers.authorization !== `Bearer ${apiKey}`) throw new HttpError(401, 'Unauthenticated.');
      const { status, body } = await route(req, path, url.searchParams);
      send(res, status, body);
    };
    handle().catch((e: unknown) => {
      if (e instanceof HttpError) {
        send(res, e.status, { message: e.message, ...(e.errors ? { errors: e.errors } : {}) });
        return;
      }
      send(res, 500, { message: 'Server Error' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

  return {
    url: baseUrl,
    apiKey,
    customers,
    transactions,
    deleted,
    credits,
    requests,
    balanceOf,
    transactionsWithKey: (key) => transactions.filter((t) => t.key === key),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
