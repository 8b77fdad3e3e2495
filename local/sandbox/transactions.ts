import { insertCustomer } from './customer-input.js';
import { HttpError, ok, type RequestCtx, type Result, type Route, type Sandbox } from './http.js';
import { paginate } from './pagination.js';
import { renderCustomer, renderTransaction } from './render.js';
import type { TransactionRecord } from './store.js';
import { readItems, resolveBuyer } from './transaction-input.js';
import { Errors, readString, roundCents } from './validation.js';

function announce(sb: Sandbox, t: TransactionRecord, rendered: Record<string, unknown>): void {
  sb.webhooks.emit('transaction.created', rendered);
  const referrer = sb.store.byUid(t.referrerUid);
  if (!referrer || t.credit <= 0) return;
  sb.webhooks.emit('customer.rewarded', {
    ...renderCustomer(referrer, sb),
    reward: { amount: t.credit, amount_units: t.amountUnits, is_currency: t.isCurrency },
    transaction_key: t.key,
  });
}

/**
 * Single or batch shape; all-or-nothing because everything is validated before anything is stored.
 * A key already used (or repeated in the batch) is another transaction with another reward.
 */
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

  const rendered = records.map((t) => renderTransaction(t, sb));
  records.forEach((t, i) => {
    announce(sb, t, rendered[i] ?? {});
  });
  return ok('transactions' in ctx.body ? rendered : rendered[0], 201);
}

/** The oldest transaction with `key` (see `Store.transaction`), else 404. */
function mustFind(ctx: RequestCtx, key: string | undefined): TransactionRecord {
  const transaction = key === undefined ? undefined : ctx.sb.store.transaction(key);
  if (!transaction) throw new HttpError(404, 'Transaction not found.');
  return transaction;
}

/** Deletes ONE transaction, the oldest with that key, which reverses that one's reward only. */
function deleteTransaction(ctx: RequestCtx, key: string | undefined) {
  const { store, webhooks } = ctx.sb;
  const transaction = mustFind(ctx, key);
  const rendered = renderTransaction(transaction, ctx.sb);
  store.state.transactions = store.state.transactions.filter((t) => t !== transaction);
  webhooks.emit('transaction.deleted', rendered);
  // docs.partnero.com, transactions delete: 200 with `{"status": 1}` (variant: 204, no body).
  return ctx.sb.variants.pick<Result>({ status: 200, body: { status: 1 } }, { status: 204 });
}

function deleteTransactionByBody(ctx: RequestCtx) {
  const errors = new Errors();
  const key = readString(ctx.body, 'key', 'key', errors, { required: true });
  errors.throwIfAny();
  return deleteTransaction(ctx, key ?? undefined);
}

/** `key=` lists every transaction with that key, oldest first. */
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
  return paginate(ctx, transactions, (t) => renderTransaction(t, ctx.sb));
}

function setArchived(ctx: RequestCtx, archived: boolean) {
  const transaction = mustFind(ctx, ctx.params.key);
  transaction.archived = archived;
  return ok(renderTransaction(transaction, ctx.sb));
}

export const transactionRoutes: Route[] = [
  { method: 'POST', path: 'transactions', handler: createTransactions },
  { method: 'GET', path: 'transactions', handler: listTransactions },
  { method: 'DELETE', path: 'transactions', handler: deleteTransactionByBody },
  { method: 'DELETE', path: 'transactions/{key}', handler: (ctx) => deleteTransaction(ctx, ctx.params.key) },
  { method: 'POST', path: 'transactions/{key}/archive', handler: (ctx) => setArchived(ctx, true) },
  { method: 'POST', path: 'transactions/{key}/revoke-archive', handler: (ctx) => setArchived(ctx, false) },
];
