import { isAppError } from '#shared/errors.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';
import type { Held, Sent, SentOrder } from './order-deps.js';
import {
  customerRejection,
  failingItems,
  lookUpRejection,
  rewardOf,
  transactionItem,
} from './partnero-transactions.js';

/** Partnero documents no batch limit; 100 keeps one request well inside any body limit. */
const MAX_BATCH = 100;

/** Orders in the same currency for the same customer can share one batch request. */
export function groupOrders(held: Held[]): Held[][] {
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
export async function sendGroup(
  client: PartneroClient,
  group: Held[],
  call: CallOptions,
): Promise<SentOrder[]> {
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
