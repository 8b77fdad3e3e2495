import type { CallOptions, Customer, PartneroClient } from '#shared/partnero/index.js';
import { isCheckName, RUN_PREFIX, startedAt } from './names.js';
import { failureOf } from './shapes.js';

const PAGE = 250;
/** At most this many customers are read looking for leftovers (a test program holds far fewer). */
const MAX_PAGES = 40;

export interface Leftovers {
  /** Customers and transactions of earlier runs that were deleted. */
  customers: number;
  transactions: number;
  /** Customers of a run that started less than `minAgeMs` ago (it may still be running): left alone. */
  recent: number;
  /** What could not be listed or deleted, one line each. */
  problems: string[];
}

const describe = (e: unknown) =>
  failureOf({ error: { code: null, message: e instanceof Error ? e.message : String(e) } });

async function listAll<T>(
  read: (
    page: number,
  ) => Promise<{ data: T[]; meta: { last_page: number | null }; links: { next: string | null } }>,
): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await read(page);
    all.push(...result.data);
    const last = result.meta.last_page;
    const more = last !== null ? page < last : result.links.next !== null && result.data.length >= PAGE;
    if (!more || result.data.length === 0) break;
  }
  return all;
}

/** The customer as a path id: its private id, else its key. */
const pathIdOf = (c: Customer) => c.id ?? c.key;

/**
 * Removes what killed runs left: customers named `referrals-contract-check-…` (name or email) whose run
 * started at least `minAgeMs` ago, and their transactions with the check's key prefix. Referred customers
 * go before their referrers. Never throws: what fails is reported, and the check goes on.
 */
export async function removeLeftovers(
  client: PartneroClient,
  now: number,
  minAgeMs: number,
  call: CallOptions,
): Promise<Leftovers> {
  const found: Leftovers = { customers: 0, transactions: 0, recent: 0, problems: [] };
  let customers: Customer[];
  try {
    customers = await listAll((page) => client.customers.list({ limit: PAGE, page }, call));
  } catch (e) {
    if (call.signal?.aborted) throw e;
    found.problems.push(`could not list customers to find leftovers (${describe(e)})`);
    return found;
  }
  const ours = customers.filter(
    (c) => c.status !== 'deleted' && (isCheckName(c.name) || isCheckName(c.email)) && pathIdOf(c) !== null,
  );
  const leftovers = ours.filter((c) => {
    const started = startedAt(c.name) ?? startedAt(c.email);
    const recent = started !== null && now - started < minAgeMs;
    if (recent) found.recent++;
    return !recent;
  });
  // Referred customers first: a referrer is never deleted while a friend still points at it.
  leftovers.sort((a, b) => Number(b.referring_customer !== null) - Number(a.referring_customer !== null));
  for (const customer of leftovers) {
    const id = pathIdOf(customer) as string;
    try {
      const transactions = await listAll((page) =>
        client.transactions.list(
          customer.id
            ? { customerId: customer.id, limit: PAGE, page }
            : { customerKey: id, limit: PAGE, page },
          call,
        ),
      );
      for (const t of transactions.filter((t) => t.key.startsWith(RUN_PREFIX))) {
        await client.transactions.delete(t.key, call).catch((e: unknown) => {
          if ((e as { code?: unknown }).code !== 'not_found') throw e;
        });
        found.transactions++;
      }
      await client.customers.delete(id, call).catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== 'not_found') throw e;
      });
      found.customers++;
    } catch (e) {
      if (call.signal?.aborted) throw e;
      found.problems.push(`could not remove leftover customer ${id} (${describe(e)})`);
    }
  }
  return found;
}
