import { type CustomerInput, readCustomerInput } from './customer-input.js';
import type { Sandbox } from './http.js';
import type { CustomerRecord, TransactionRecord } from './store.js';
import { type Errors, isObject, readBoolean, readNumber, readObject, readString } from './validation.js';

export type TransactionItem = Pick<
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
  // Partnero accepts a repeated key (and pays twice); only the opt-in strict mode refuses it.
  if (key && sb.config.strictTransactionKeys && (seen.has(key) || sb.store.transaction(key))) {
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

export type Buyer = { existing: CustomerRecord } | { create: CustomerInput } | undefined;

/**
 * Finds the buying customer (id, else key, else email), or prepares it for `options.create_customer`.
 * An unknown customer and a known one nobody referred fail on different fields with different messages.
 */
export function resolveBuyer(sb: Sandbox, body: Record<string, unknown>, errors: Errors): Buyer {
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

export function readItems(sb: Sandbox, body: Record<string, unknown>, errors: Errors): TransactionItem[] {
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
