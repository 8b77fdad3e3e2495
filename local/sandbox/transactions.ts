import { type CustomerInput, insertCustomer, readCustomerInput } from './customers.js';
import { HttpError, ok, type RequestCtx, type Route, type Sandbox } from './http.js';
import { paginate } from './pagination.js';
import { renderReward, renderTransaction } from './render.js';
import type { CustomerRecord, TransactionRecord } from './store.js';
import {
  Errors,
  isObject,
  readBoolean,
  readNumber,
  readObject,
  readString,
  roundCents,
} from './validation.js';

type TransactionItem = Pick<
  TransactionRecord,
  'key' | 'amount' | 'action' | 'amountUnits' | 'isCurrency' | 'productId' | 'productType'
>;

function readItem(
  sb: Sandbox,
  obj: Record<string, unknown>,
  prefix: string,
  errors: Errors,
  seen: Set<string>,
): TransactionItem | undefined {
  const field = (name: string) => `${prefix}${name}`;
  const key = readString(obj, 'key', field('key'), errors, { required: true });
  if (key && (seen.has(key) || sb.store.transaction(key))) {
    errors.add(field('key'), `The ${field('key')} has already been taken.`);
  }
  if (key) seen.add(key);
  const amount = readNumber(obj, 'amount', field('amount'), errors, { required: true });
  const action = readString(obj, 'action', field('action'), errors, { required: true });
  const amountUnits = readString(obj, 'amount_units', field('amount_units'), errors);
  const isCurrency = readBoolean(obj, 'is_currency', field('is_currency'), errors);
  const productId = readString(obj, 'product_id', field('product_id'), errors, { nullable: true });
  const productType = readString(obj, 'product_type', field('product_type'), errors, { nullable: true });
  if (!key || amount === undefined || !action) return undefined;
  return {
    key,
    amount,
    action,
    amountUnits: amountUnits ?? 'usd',
    isCurrency: isCurrency ?? true,
    productId: productId ?? null,
    productType: productType ?? null,
  };
}

type Buyer = { existing: CustomerRecord } | { create: CustomerInput } | undefined;

/** Finds the buying customer (id, else key, else email), or prepares it for `options.create_customer`. */
function resolveBuyer(sb: Sandbox, body: Record<string, unknown>, errors: Errors): Buyer {
  const customer = readObject(body, 'customer', 'customer', errors, { required: true });
  if (!customer) return undefined;
  const id = readString(customer, 'id', 'customer.id', errors);
  const key = readString(customer, 'key', 'customer.key', errors);
  const email = readString(customer, 'email', 'customer.email', errors);
  if (['customer.id', 'customer.key', 'customer.email'].some((f) => errors.has(f))) return undefined;

  const [field, found] = id
    ? ['customer.id', sb.store.byId(id)]
    : key
      ? ['customer.key', sb.store.byKey(key)]
      : email
        ? ['customer.email', sb.store.byEmail(email)]
        : [null, undefined];
  if (!field) {
    errors.add('customer.key', 'The customer.key field is required when customer.id is not present.');
    return undefined;
  }
  if (found) {
    if (found.referrerUid === null) errors.add('customer', 'The customer is not a referred customer.');
    return { existing: found };
  }
  const options = readObject(body, 'options', 'options', errors);
  if (options && readBoolean(options, 'create_customer', 'options.create_customer', errors)) {
    const input = readCustomerInput(sb.store, customer, errors, 'customer.');
    if (
      !input.referrer &&
      !Object.keys(errors.fields).some((f) => f.startsWith('customer.referring_customer'))
    ) {
      errors.add('customer', 'The customer is not a referred customer.');
    }
    return { create: input };
  }
  errors.add(field, `The selected ${field} is invalid.`);
  return undefined;
}

function readItems(sb: Sandbox, body: Record<string, unknown>, errors: Errors): TransactionItem[] {
  const seen = new Set<string>();
  if (body.transactions === undefined) {
    const item = readItem(sb, body, '', errors, seen);
    return item ? [item] : [];
  }
  if (!Array.isArray(body.transactions) || body.transactions.length === 0) {
    errors.add('transactions', 'The transactions must be a non-empty array.');
    return [];
  }
  return body.transactions.flatMap((raw: unknown, i) => {
    if (!isObject(raw)) {
      errors.add(`transactions.${i}`, `The transactions.${i} must be an object.`);
      return [];
    }
    return readItem(sb, raw, `transactions.${i}.`, errors, seen) ?? [];
  });
}

/** Single or batch shape; all-or-nothing because everything is validated before anything is stored. */
function createTransactions(ctx: RequestCtx) {
  const { sb } = ctx;
  const errors = new Errors();
  const buyer = resolveBuyer(sb, ctx.body, errors);
  const items = readItems(sb, ctx.body, errors);
  errors.throwIfAny();
  if (!buyer) throw new Error('unreachable: buyer validated');

  const customer = 'existing' in buyer ? buyer.existing : insertCustomer(sb, buyer.create);
  const referrerUid = customer.referrerUid as string;
  const createdAt = new Date().toISOString();
  const records = items.map<TransactionRecord>((item) => ({
    ...item,
    customerUid: customer.uid,
    referrerUid,
    credit: roundCents((item.amount * sb.config.rewardPercent) / 100),
    archived: false,
    createdAt,
  }));
  sb.store.state.transactions.push(...records);

  const rendered = records.map((t) => renderTransaction(t, sb.store));
  for (const [i, t] of records.entries()) {
    sb.webhooks.emit('transaction.created', rendered[i]);
    sb.webhooks.emit('reward.created', {
      ...renderReward(t, sb.store),
      transaction_key: t.key,
      referred_customer: rendered[i]?.referred_customer,
      created_at: t.createdAt,
    });
  }
  return ok('transactions' in ctx.body ? rendered : rendered[0], 201);
}

function mustFind(ctx: RequestCtx, key: string | undefined): TransactionRecord {
  const transaction = key === undefined ? undefined : ctx.sb.store.transaction(key);
  if (!transaction) throw new HttpError(404, 'Transaction not found.');
  return transaction;
}

function deleteTransaction(ctx: RequestCtx, key: string | undefined) {
  const { store, webhooks } = ctx.sb;
  const transaction = mustFind(ctx, key);
  const rendered = renderTransaction(transaction, store);
  store.state.transactions = store.state.transactions.filter((t) => t !== transaction);
  webhooks.emit('transaction.deleted', rendered);
  return { status: 204 };
}

function deleteTransactionByBody(ctx: RequestCtx) {
  const errors = new Errors();
  const key = readString(ctx.body, 'key', 'key', errors, { required: true });
  errors.throwIfAny();
  return deleteTransaction(ctx, key ?? undefined);
}

function listTransactions(ctx: RequestCtx) {
  const { store } = ctx.sb;
  const customerKey = ctx.query.get('customer.key');
  const customerId = ctx.query.get('customer.id');
  const key = ctx.query.get('key');
  // customer.* filters name the buyer, as `customer` does in the create body.
  const transactions = store.state.transactions.filter((t) => {
    const buyer = store.byUid(t.customerUid);
    return (
      (customerKey === null || buyer?.key === customerKey) &&
      (customerId === null || buyer?.id === customerId) &&
      (key === null || t.key === key)
    );
  });
  return paginate(ctx, transactions, (t) => renderTransaction(t, store));
}

function setArchived(ctx: RequestCtx, archived: boolean) {
  const transaction = mustFind(ctx, ctx.params.key);
  transaction.archived = archived;
  return ok(renderTransaction(transaction, ctx.sb.store));
}

export const transactionRoutes: Route[] = [
  { method: 'POST', path: 'transactions', handler: createTransactions },
  { method: 'GET', path: 'transactions', handler: listTransactions },
  { method: 'DELETE', path: 'transactions', handler: deleteTransactionByBody },
  { method: 'DELETE', path: 'transactions/{key}', handler: (ctx) => deleteTransaction(ctx, ctx.params.key) },
  { method: 'POST', path: 'transactions/{key}/archive', handler: (ctx) => setArchived(ctx, true) },
  { method: 'POST', path: 'transactions/{key}/revoke-archive', handler: (ctx) => setArchived(ctx, false) },
];
