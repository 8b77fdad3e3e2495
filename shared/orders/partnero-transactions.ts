import { isAppError } from '#shared/errors.js';
import {
  type CallOptions,
  isPartneroError,
  type PartneroClient,
  type PartneroError,
  type Transaction,
  type TransactionItem,
} from '#shared/partnero/index.js';
import type { Order } from './order.js';

/**
 * The Partnero side of the ledger: what one order becomes on the wire, how a customer's orders are sent
 * together and what the answer means, and how an order is found or undone.
 */

/** An order whose claim this call holds, about to be sent. */
export interface Held {
  order: Order;
  /** An earlier holder may have sent it: verify copies later. */
  doubt: boolean;
  /** Retryable answers in a row before this attempt (a deferred order's backoff). */
  failures?: number;
}

/** What one POST did to one order. */
export type Sent =
  | { kind: 'created'; reward: number }
  /** The answer was lost (5xx, timeout, unreadable 2xx): it may or may not have been recorded. */
  | { kind: 'unknown' }
  /** A strict Partnero said the key exists. */
  | { kind: 'exists' }
  | { kind: 'not_referred'; reason: string }
  | { kind: 'unknown_customer'; reason: string }
  /** Definitely not recorded. */
  | { kind: 'refused'; error: unknown };

export type SentOrder = { held: Held; result: Sent };

/** A refusal that trying again later can turn into a recording (429, a failure before sending). */
export const retryable = (sent: Sent) =>
  sent.kind === 'unknown_customer' ||
  (sent.kind === 'refused' && isAppError(sent.error) && sent.error.retryable);

/** Sends held orders: a customer's orders in one currency share a request. */
export const sendOrders = async (client: PartneroClient, held: Held[], call: CallOptions) =>
  (await Promise.all(groupOrders(held).map((group) => sendGroup(client, group, call)))).flat();

/** Partnero documents no batch limit; 100 keeps one request well inside any body limit. */
const MAX_BATCH = 100;

/** Orders in the same currency for the same customer can share one batch request. */
function groupOrders(held: Held[]): Held[][] {
  const groups = new Map<string, Held[][]>();
  for (const h of held) {
    const id = `${h.order.customerKey}\u0000${h.order.currency}`;
    const chunks = groups.get(id) ?? [[]];
    const last = chunks.at(-1) as Held[];
    if (last.length === MAX_BATCH) chunks.push([h]);
    else last.push(h);
    groups.set(id, chunks);
  }
  return [...groups.values()].flat();
}

/** One customer's orders in one request; a batch Partnero refuses for some items is re-sent without them (in doubt). */
async function sendGroup(client: PartneroClient, group: Held[], call: CallOptions): Promise<SentOrder[]> {
  const first = group[0] as Held;
  // Partnero addresses customers by their private id: our account id.
  const customer = { id: first.order.customerKey };
  try {
    if (group.length === 1) {
      const t = await client.transactions.create({ customer, ...transactionItem(first.order) }, call);
      return [{ held: first, result: { kind: 'created', reward: rewardOf(t) } }];
    }
    const created = await client.transactions.createBatch(
      { customer, transactions: group.map((h) => transactionItem(h.order)) },
      call,
    );
    const byKey = new Map(created.map((t) => [t.key, t]));
    return group.map((held) => ({
      held,
      result: { kind: 'created', reward: rewardOf(byKey.get(held.order.orderId)) },
    }));
  } catch (error) {
    return rejected(client, group, error, call);
  }
}

/** What a refused request did to each of its orders (looked up where Partnero's answer leaves doubt). */
async function rejected(
  client: PartneroClient,
  group: Held[],
  error: unknown,
  call: CallOptions,
): Promise<SentOrder[]> {
  const all = (result: Sent) => group.map((held) => ({ held, result }));
  // Only a library error proves nothing left this process; anything else may have been sent.
  if (!isAppError(error) || (isPartneroError(error) && error.code === 'unknown_outcome'))
    return all({ kind: 'unknown' });
  const rejection = customerRejection(error);
  if (rejection) {
    try {
      const settled = await lookUpRejection(client, (group[0] as Held).order.customerKey, rejection, call);
      if (settled.kind === 'ambiguous') return all({ kind: 'refused', error });
      return all({ kind: settled.kind, reason: settled.reason });
    } catch (lookupError) {
      return all({ kind: 'refused', error: lookupError });
    }
  }
  if (!isPartneroError(error) || (error.code !== 'validation' && error.code !== 'conflict'))
    return all({ kind: 'refused', error });
  if (group.length === 1)
    return all(error.code === 'conflict' ? { kind: 'exists' } : { kind: 'refused', error });
  // Partnero documents no all-or-nothing for a refused batch: what is sent again is counted later (in
  // doubt), so a copy the refused request wrote after all is found and deleted by the reconciler.
  const again = group.map((held) => ({ ...held, doubt: true }));
  const failing = failingItems(error, group.length);
  if (!failing) return (await Promise.all(again.map((h) => sendGroup(client, [h], call)))).flat();
  const settled: SentOrder[] = [];
  const rest: Held[] = [];
  // The items Partnero named are settled as they were (a refused item was not written); the rest go again.
  group.forEach((held, i) => {
    if (failing.existing.has(i)) settled.push({ held, result: { kind: 'exists' } });
    else if (failing.invalid.has(i)) settled.push({ held, result: { kind: 'refused', error } });
    else rest.push(again[i] as Held);
  });
  return [...settled, ...(rest.length ? await sendGroup(client, rest, call) : [])];
}

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
type CustomerRejection = { kind: 'not_referred' | 'unknown_customer' | 'ambiguous'; reason: string };

const UNKNOWN = /selected customer[.\w]* is invalid|customer.*(not found|does not exist|unknown)/i;
const NOT_REFERRED = /not (a )?referred|no referr|without (a )?referr/i;

/**
 * A 422 on the `customer…` fields: Partnero words an unknown customer ("The selected customer.key is
 * invalid.") differently from one that was not referred ("…is not a referred customer."). Anything else
 * on those fields is `ambiguous`: the caller looks the customer up.
 */
function customerRejection(error: unknown): CustomerRejection | undefined {
  if (!isPartneroError(error) || error.code !== 'validation' || !error.fields) return undefined;
  const field = Object.keys(error.fields).find((f) => f === 'customer' || f.startsWith('customer.'));
  if (!field) return undefined;
  const reason = error.fields[field]?.join(' ') || error.message;
  if (UNKNOWN.test(reason)) return { kind: 'unknown_customer', reason };
  if (NOT_REFERRED.test(reason)) return { kind: 'not_referred', reason };
  return { kind: 'ambiguous', reason };
}

/** Settles an ambiguous customer rejection by looking the customer up. */
async function lookUpRejection(
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
function failingItems(e: PartneroError, size: number) {
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
