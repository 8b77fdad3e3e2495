import {
  type CallOptions,
  isPartneroError,
  type PartneroClient,
  type PartneroError,
  type Transaction,
} from '#shared/partnero/index.js';
import type { Order, OrderOutcome, RefundOutcome } from './order.js';
import type { RefundLedger } from './refund-ledger.js';

/** Partnero documents no batch limit; 100 keeps one request well inside any body limit. */
const MAX_BATCH = 100;

const DUPLICATE = /already been taken|already exists|duplicate/i;

/** Partnero answers 422 on `customer…` when the buyer is unknown or was not referred. */
function notReferredReason(e: unknown): string | undefined {
  if (!isPartneroError(e) || e.code !== 'validation' || !e.fields) return undefined;
  const field = Object.keys(e.fields).find((f) => f === 'customer' || f.startsWith('customer.'));
  return field ? (e.fields[field]?.[0] ?? 'customer is not referred') : undefined;
}

const rewardOf = (t: Transaction | undefined): number =>
  (t?.rewards ?? []).reduce((sum, r) => sum + (typeof r.amount === 'number' ? r.amount : 0), 0);

const itemOf = (o: Order) => ({
  key: o.orderId,
  amount: o.amount,
  action: o.action,
  amount_units: o.currency,
  ...(o.productId ? { product_id: o.productId } : {}),
  ...(o.productType ? { product_type: o.productType } : {}),
});

async function recordOne(client: PartneroClient, order: Order, call: CallOptions): Promise<OrderOutcome> {
  try {
    const t = await client.transactions.create(
      { customer: { key: order.customerKey }, ...itemOf(order) },
      call,
    );
    return { orderId: order.orderId, status: 'recorded', reward: rewardOf(t) };
  } catch (error) {
    return classify(order, error);
  }
}

function classify(order: Order, error: unknown): OrderOutcome {
  if (isPartneroError(error) && error.code === 'conflict')
    return { orderId: order.orderId, status: 'duplicate' };
  const reason = notReferredReason(error);
  if (reason) return { orderId: order.orderId, status: 'not_referred', reason };
  return { orderId: order.orderId, status: 'failed', error };
}

/**
 * Which batch items Partnero's 422 names (`transactions.3.key`), split into duplicates and others.
 * Undefined when the error does not point at items, so the caller falls back to one call per order.
 */
function failingItems(e: PartneroError, size: number) {
  if (!e.fields) return undefined;
  const duplicates = new Set<number>();
  const invalid = new Set<number>();
  for (const [field, reasons] of Object.entries(e.fields)) {
    const match = /^transactions\.(\d+)\./.exec(field);
    const index = match ? Number(match[1]) : Number.NaN;
    if (!(index >= 0 && index < size)) return undefined;
    if (reasons.every((r) => DUPLICATE.test(r))) duplicates.add(index);
    else invalid.add(index);
  }
  for (const i of duplicates) if (invalid.has(i)) duplicates.delete(i);
  return duplicates.size + invalid.size > 0 ? { duplicates, invalid } : undefined;
}

/**
 * Records one customer's orders with as few calls as Partnero allows: one batch request, and when
 * Partnero rejects the batch because of some items, those items are settled and the rest re-sent once.
 */
async function recordCustomerOrders(
  client: PartneroClient,
  orders: Order[],
  call: CallOptions,
): Promise<OrderOutcome[]> {
  if (orders.length === 1) return [await recordOne(client, orders[0] as Order, call)];
  const first = orders[0] as Order;
  try {
    const created = await client.transactions.createBatch(
      { customer: { key: first.customerKey }, transactions: orders.map(itemOf) },
      call,
    );
    const byKey = new Map(created.map((t) => [t.key, t]));
    return orders.map((o) => ({
      orderId: o.orderId,
      status: 'recorded',
      reward: rewardOf(byKey.get(o.orderId)),
    }));
  } catch (error) {
    const reason = notReferredReason(error);
    if (reason) return orders.map((o) => ({ orderId: o.orderId, status: 'not_referred', reason }));
    if (!isPartneroError(error) || error.retryable)
      return orders.map((o) => ({ orderId: o.orderId, status: 'failed', error }));
    const failing = failingItems(error, orders.length);
    if (!failing) return Promise.all(orders.map((o) => recordOne(client, o, call)));
    const settled: OrderOutcome[] = [];
    const rest: Order[] = [];
    orders.forEach((o, i) => {
      if (failing.duplicates.has(i)) settled.push({ orderId: o.orderId, status: 'duplicate' });
      else if (failing.invalid.has(i)) settled.push({ orderId: o.orderId, status: 'failed', error });
      else rest.push(o);
    });
    const again = rest.length ? await recordCustomerOrders(client, rest, call) : [];
    return [...settled, ...again];
  }
}

/** Orders in the same currency for the same customer can share one batch request. */
function groupOrders(orders: Order[]): Order[][] {
  const groups = new Map<string, Order[]>();
  for (const o of orders) {
    const id = `${o.customerKey}\u0000${o.currency}`;
    const group = groups.get(id) ?? [];
    if (group.length === MAX_BATCH) {
      groups.set(`${id}\u0000${groups.size}`, group);
      groups.set(id, [o]);
    } else {
      group.push(o);
      groups.set(id, group);
    }
  }
  return [...groups.values()];
}

/**
 * Turns orders into Partnero transactions: the one code path behind `POST /transactions` and the
 * order-events consumer. An order id used twice in one call is recorded once (the rest are duplicates);
 * an order the ledger knows as refunded is not recorded again.
 * Returns one outcome per input order, in input order.
 */
export async function recordOrders(
  client: PartneroClient,
  orders: Order[],
  call: CallOptions = {},
  ledger?: RefundLedger,
): Promise<OrderOutcome[]> {
  const refunded =
    ledger && orders.length ? await ledger.refundedAmong(orders.map((o) => o.orderId)) : new Set();
  const seen = new Set<string>();
  const unique: Order[] = [];
  const outcomes = new Map<Order, OrderOutcome>();
  for (const o of orders) {
    if (refunded.has(o.orderId)) outcomes.set(o, { orderId: o.orderId, status: 'already_refunded' });
    else if (seen.has(o.orderId)) outcomes.set(o, { orderId: o.orderId, status: 'duplicate' });
    else {
      seen.add(o.orderId);
      unique.push(o);
    }
  }
  const results = (
    await Promise.all(groupOrders(unique).map((g) => recordCustomerOrders(client, g, call)))
  ).flat();
  if (ledger) await reverseLateRefunds(client, results, call, ledger);
  const byId = new Map(results.map((r) => [r.orderId, r]));
  return orders.map((o) => outcomes.get(o) ?? (byId.get(o.orderId) as OrderOutcome));
}

/**
 * A refund handled while its order was being recorded (another consumer, or the HTTP route) found
 * nothing to delete yet. Its ledger entry was written first, so looking again after recording finds
 * it: such orders are deleted here and reported as already refunded, instead of staying paid.
 */
async function reverseLateRefunds(
  client: PartneroClient,
  results: OrderOutcome[],
  call: CallOptions,
  ledger: RefundLedger,
) {
  const recorded = results.filter((r) => r.status === 'recorded');
  if (recorded.length === 0) return;
  const late = await ledger.refundedAmong(recorded.map((r) => r.orderId));
  for (const [i, r] of results.entries()) {
    if (r.status !== 'recorded' || !late.has(r.orderId)) continue;
    await refundOrder(client, r.orderId, call);
    results[i] = { orderId: r.orderId, status: 'already_refunded' };
  }
}

/**
 * Deletes the order's transaction, which reverses its reward. An unknown order has nothing to reverse.
 * The ledger entry is written first, so a placed event racing or replaying after this refund is
 * never recorded; if the delete then fails, the retried refund finds the entry already there.
 */
export async function refundOrder(
  client: PartneroClient,
  orderId: string,
  call: CallOptions = {},
  ledger?: RefundLedger,
): Promise<RefundOutcome> {
  await ledger?.markRefunded(orderId);
  try {
    await client.transactions.delete(orderId, call);
    return { orderId, status: 'refunded' };
  } catch (error) {
    if (isPartneroError(error) && error.code === 'not_found')
      return { orderId, status: 'nothing_to_reverse' };
    throw error;
  }
}
