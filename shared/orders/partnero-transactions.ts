import {
  type CallOptions,
  isPartneroError,
  type PartneroClient,
  type PartneroError,
  type Transaction,
  type TransactionItem,
} from '#shared/partnero/index.js';
import type { Order } from './order.js';

/** The Partnero side of the ledger: what one order becomes on the wire, and how to find or undo it. */

export const transactionItem = (o: Order): TransactionItem => ({
  key: o.orderId,
  amount: o.amount,
  action: o.action,
  amount_units: o.currency,
  ...(o.productId ? { product_id: o.productId } : {}),
  ...(o.productType ? { product_type: o.productType } : {}),
});

export const rewardOf = (t: Transaction | undefined): number =>
  (t?.rewards ?? []).reduce((sum, r) => sum + (typeof r.amount === 'number' ? r.amount : 0), 0);

/** Every transaction Partnero holds under `key` (normally 0 or 1; more after a duplicate landed). */
export async function copiesOf(
  client: PartneroClient,
  order: { orderId: string; customerKey?: string | undefined },
  call: CallOptions,
) {
  const found: Transaction[] = [];
  for (let page = 1; page <= 20; page++) {
    const result = await client.transactions.list(
      {
        key: order.orderId,
        ...(order.customerKey ? { customerId: order.customerKey } : {}),
        limit: 250,
        page,
      },
      call,
    );
    // Filtered here too: a list that ignored the key filter must not read as "recorded".
    found.push(...result.data.filter((t) => t.key === order.orderId));
    if (result.data.length < 250 || (result.meta.last_page ?? page) <= page) break;
  }
  return found;
}

/**
 * Deletes one transaction with this key (a refund's one call): true when there was one, false for 404.
 * Copies a duplicate or a late write left behind are the reconciler's, which counts them after every refund.
 */
export async function deleteOneCopy(
  client: PartneroClient,
  key: string,
  call: CallOptions,
): Promise<boolean> {
  try {
    await client.transactions.delete(key, call);
    return true;
  } catch (error) {
    if (isPartneroError(error) && error.code === 'not_found') return false;
    throw error;
  }
}

/**
 * Deletes every transaction with this key: one DELETE per copy until Partnero answers 404 (whichever copy
 * a DELETE removes, the reward of each goes). Answers how many were deleted.
 */
export async function deleteAllCopies(
  client: PartneroClient,
  key: string,
  call: CallOptions,
): Promise<number> {
  for (let deleted = 0; deleted < 50; deleted++) {
    try {
      await client.transactions.delete(key, call);
    } catch (error) {
      if (isPartneroError(error) && error.code === 'not_found') return deleted;
      throw error;
    }
  }
  throw new Error(`Transaction key ${key} still exists after 50 deletes`);
}

/** Why Partnero refused a customer's transactions, when it was about the customer. */
export type CustomerRejection = { kind: 'not_referred' | 'unknown_customer' | 'ambiguous'; reason: string };

const UNKNOWN = /selected customer[.\w]* is invalid|customer.*(not found|does not exist|unknown)/i;
const NOT_REFERRED = /not (a )?referred|no referr|without (a )?referr/i;

/**
 * A 422 on the `customer…` fields: Partnero words an unknown customer ("The selected customer.key is
 * invalid.") differently from one that was not referred ("…is not a referred customer."). Anything else
 * on those fields is `ambiguous`: the caller looks the customer up.
 */
export function customerRejection(error: unknown): CustomerRejection | undefined {
  if (!isPartneroError(error) || error.code !== 'validation' || !error.fields) return undefined;
  const field = Object.keys(error.fields).find((f) => f === 'customer' || f.startsWith('customer.'));
  if (!field) return undefined;
  const reason = error.fields[field]?.join(' ') || error.message;
  if (UNKNOWN.test(reason)) return { kind: 'unknown_customer', reason };
  if (NOT_REFERRED.test(reason)) return { kind: 'not_referred', reason };
  return { kind: 'ambiguous', reason };
}

/** Settles an ambiguous customer rejection by looking the customer up. */
export async function lookUpRejection(
  client: PartneroClient,
  customerKey: string,
  rejection: CustomerRejection,
  call: CallOptions,
): Promise<CustomerRejection> {
  if (rejection.kind !== 'ambiguous') return rejection;
  try {
    const customer = await client.customers.get(customerKey, call);
    return customer.referring_customer ? rejection : { kind: 'not_referred', reason: rejection.reason };
  } catch (error) {
    if (isPartneroError(error) && error.code === 'not_found')
      return { kind: 'unknown_customer', reason: rejection.reason };
    throw error;
  }
}

const DUPLICATE = /already been taken|already exists|duplicate/i;

/**
 * Which batch items a 422 names (`transactions.3.key`), split into keys Partnero already has (only a
 * strict deployment says so) and invalid items. Undefined when the error does not point at items.
 */
export function failingItems(e: PartneroError, size: number) {
  if (!e.fields) return undefined;
  const existing = new Set<number>();
  const invalid = new Set<number>();
  for (const [field, reasons] of Object.entries(e.fields)) {
    const match = /^transactions\.(\d+)\./.exec(field);
    const index = match ? Number(match[1]) : Number.NaN;
    if (!(index >= 0 && index < size)) return undefined;
    if (reasons.every((r) => DUPLICATE.test(r))) existing.add(index);
    else invalid.add(index);
  }
  for (const i of existing) if (invalid.has(i)) existing.delete(i);
  return existing.size + invalid.size > 0 ? { existing, invalid } : undefined;
}
