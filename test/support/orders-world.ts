import { type RunningSandbox, startSandbox } from '#local/sandbox/index.js';
import type { LedgerTimings } from '#shared/orders/ledger.js';
import type { Order } from '#shared/orders/order.js';
import { createPartneroClient, type PartneroClientOptions } from '#shared/partnero/index.js';
import { type LocalDynamo, startLocalDynamo } from './local-dynamo.js';

/** Referrer, referred buyers and a customer nobody referred, as every order test starts. */
export const REFERRER = 'alice';
export const BUYERS = ['bob', 'dave'] as const;
export const NOT_REFERRED = 'carol';

/**
 * The realistic sandbox (repeated keys are recorded twice, as on Partnero) and the local DynamoDB with
 * the project's tables: the world the order code, its tests and the chaos run talk to over real HTTP.
 */
export async function startOrdersWorld(options: { seed?: number } = {}) {
  const sandbox: RunningSandbox = await startSandbox({
    port: 0,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const dynamo: LocalDynamo = await startLocalDynamo();
  let clock = Date.parse('2026-06-01T00:00:00Z');
  const now = () => clock;
  const store = sandbox.store;

  const world = {
    sandbox,
    dynamo,
    now,
    /** Moves the ledger's clock (leases and sweep times), never the wall clock. */
    advance: (ms: number) => {
      clock += ms;
    },
    partnero: (extra: Partial<PartneroClientOptions> = {}) =>
      createPartneroClient({
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.apiUrl,
        baseDelayMs: 1,
        maxDelayMs: 5,
        ...extra,
      }),
    ledger: (timings: Partial<LedgerTimings> = {}, ddb?: Parameters<LocalDynamo['ledger']>[2]) =>
      dynamo.ledger(timings, now, ddb),
    /** How many transactions Partnero holds under `key`. */
    copies: (key: string) => store.state.transactions.filter((t) => t.key === key).length,
    /** The transactions of an order and of its versions (after partial refunds), as Partnero holds them. */
    versionsOf: (orderId: string) =>
      store.state.transactions
        .filter((t) => t.key === orderId || t.key.startsWith(`${orderId}~`))
        .map((t) => ({ key: t.key, amount: t.amount })),
    /** The rewards Partnero credits `customerKey` (its referred customers' transactions). */
    rewards: (customerKey: string) => {
      const customer = store.byKey(customerKey);
      return customer ? store.balanceOf(customer.uid).rewards : 0;
    },
    /** The ledger items of one order, as stored. */
    ledgerItemsFor: (orderId: string) => dynamo.ledgerItems().filter((i) => i.id?.S === `order#${orderId}`),
    /** Every POST /transactions the sandbox received. */
    posts: () => store.requests.byRoute['POST /v1/transactions'] ?? 0,
    createCustomer: (key: string, referrer?: string) => {
      const body = {
        key,
        id: key,
        email: `${key}@example.com`,
        ...(referrer ? { referring_customer: { key: referrer } } : {}),
      };
      return fetch(`${sandbox.apiUrl}/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((res) => {
        if (res.status !== 201) throw new Error(`could not create customer ${key}: HTTP ${res.status}`);
      });
    },
    /** Empties Partnero and the ledger, and seeds the referrer, two referred buyers and one not referred. */
    reset: async () => {
      sandbox.reset();
      dynamo.reset();
      await world.createCustomer(REFERRER);
      for (const buyer of BUYERS) await world.createCustomer(buyer, REFERRER);
      await world.createCustomer(NOT_REFERRED);
      store.resetRequests();
    },
    close: async () => {
      await sandbox.close();
      await dynamo.close();
    },
  };
  return world;
}

export type OrdersWorld = Awaited<ReturnType<typeof startOrdersWorld>>;

let counter = 0;
/** A sale with a fresh id. */
export const sale = (customerKey: string, amount = 100, orderId = `o-${++counter}`): Order => ({
  orderId,
  customerKey,
  amount,
  currency: 'usd',
  action: 'sale',
});
