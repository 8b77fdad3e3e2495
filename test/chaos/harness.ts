/**
 * Seeded randomized schedules of the real money path — `processOrderBatch`, `recordOrders`,
 * `refundOrder`, `reconcile`, the Partnero client and the DynamoDB ledger — against the realistic
 * sandbox (a repeated key is a second transaction) and the local DynamoDB, with:
 * duplicates and reordering of order events, crashes between any two calls of an invocation (the
 * process stops; SQS redelivers), Partnero 5xx/429/dropped connections, writes that commit and then
 * fail, late commits that land after the client gave up, DynamoDB throttles and writes that commit
 * then fail, concurrent consumers, HTTP clients retrying `POST /transactions` and refunds, and a sign-up
 * that completes after its customer's first orders arrived, and partial refunds (by event, where the refund id
 * is the event's id or the shop's, and by HTTP) that add up, repeat, overtake their sale, or reach the whole.
 *
 * After the queue drains and the reconciler has swept, the Partnero state is compared with a model:
 * every referrer's balance, one transaction per paid order, none for a refunded or unreferred one,
 * nothing parked but what must be.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { orderEvent, sqsRecord } from '#bench/lib/events.js';
import { seededRandom } from '#local/random.js';
import type { FaultKind } from '#local/sandbox/index.js';
import { processOrderBatch } from '#shared/order-events/process-batch.js';
import {
  type OrderDeps,
  type OrderOutcome,
  reconcile,
  recordOrders,
  refundOrder,
  refundPart,
} from '#shared/orders/index.js';
import { nodeHttpTransport, type PartneroFetch, partneroHttpHandler } from '#shared/partnero/index.js';
import { type OrdersWorld, REFERRER } from '#test/support/orders-world.js';

/** A crash: the process stops at a call, so nothing after it happens. */
class Crash extends Error {
  override readonly name = 'Crash';
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => random() < p;

const SECOND_REFERRER = 'henry';
/** Buyer → referrer; `erin` signs up only after a few steps, `xavier` never exists, `carol` is not referred. */
const BUYER_REFERRER: Record<string, string | null> = {
  bob: REFERRER,
  dave: REFERRER,
  ivy: SECOND_REFERRER,
  erin: SECOND_REFERRER,
  carol: null,
  xavier: null,
};
const LATE_BUYER = 'erin';
const NEVER_BUYER = 'xavier';
const SIGN_UP_STEP = 3;
const UNKNOWN_CUSTOMER_MAX_RECEIVES = 6;
const SQS_MAX_RECEIVES = 60;
const HTTP_MAX_TRIES = 12;
const LEASE_MS = 5_000;
const STEP_MS = 1_000;
const MAX_STEPS = 600;

interface PlannedPart {
  refundId: string;
  amount: number;
}

interface PlannedOrder {
  orderId: string;
  buyer: string;
  amount: number;
  refunded: boolean;
  /** Partial refunds, each applied once whatever happens. */
  parts: PlannedPart[];
}

interface Message {
  messageId: string;
  body: string;
  receives: number;
}

interface HttpClient {
  kind: 'record' | 'refund' | 'part';
  order: PlannedOrder;
  part?: PlannedPart;
  tries: number;
  done: boolean;
}

export interface ScheduleResult {
  seed: number;
  orders: number;
  /** Partial refunds planned (by event or HTTP), each to be applied once. */
  partialRefunds: number;
  messages: number;
  invocations: number;
  crashes: number;
  steps: number;
  /** What went wrong with the money (the target is none). */
  errors: string[];
}

const SANDBOX_FAULTS: FaultKind[] = [
  '500',
  '503',
  '429',
  'drop',
  'commit-500',
  'commit-drop',
  'commit-timeout',
  'late-commit',
];

function plan(random: Random, seed: number) {
  const orders: PlannedOrder[] = Array.from({ length: 4 + Math.floor(random() * 8) }, (_, i) => ({
    orderId: `s${seed}-o${i}`,
    buyer: pick(random, ['bob', 'bob', 'dave', 'ivy', 'ivy', LATE_BUYER, 'carol', NEVER_BUYER]),
    amount: 10 * (1 + Math.floor(random() * 50)),
    refunded: chance(random, 0.35),
    parts: [] as PlannedPart[],
  }));
  const messages: Message[] = [];
  const http: HttpClient[] = [];
  const send = (body: string) => {
    // At-least-once: a third of the events arrive twice or three times.
    const copies = chance(random, 0.3) ? 2 + Math.floor(random() * 2) : 1;
    for (let c = 0; c < copies; c++) messages.push({ messageId: randomUUID(), body, receives: 0 });
  };
  for (const order of orders) {
    const placed = { orderId: order.orderId, customerId: order.buyer, amount: order.amount, currency: 'USD' };
    if (chance(random, 0.8)) send(JSON.stringify(orderEvent('Order Placed', placed)));
    else http.push({ kind: 'record', order, tries: 0, done: false });
    if (chance(random, 0.15)) http.push({ kind: 'record', order, tries: 0, done: false });
    if (order.refunded) {
      if (chance(random, 0.8)) send(JSON.stringify(orderEvent('Order Refunded', { orderId: order.orderId })));
      else http.push({ kind: 'refund', order, tries: 0, done: false });
    }
    // Partial refunds (never of an order whose sale can never be recorded: those wait in the DLQ).
    const partials = order.buyer === NEVER_BUYER || !chance(random, 0.3) ? 0 : 1 + Math.floor(random() * 3);
    for (let k = 0; k < partials; k++) {
      const amount = 10 * (1 + Math.floor(random() * Math.max(1, order.amount / 20)));
      const viaEvent = chance(random, 0.75);
      // An event's refund id is the shop's own, or else the event's id (the same on every redelivery).
      const shopId = chance(random, 0.5) ? `${order.orderId}-refund-${k}` : undefined;
      const event = orderEvent('Order Refunded', {
        orderId: order.orderId,
        amount,
        ...(shopId ? { refundId: shopId } : {}),
      });
      const part = { refundId: viaEvent ? (shopId ?? event.id) : `${order.orderId}-http-${k}`, amount };
      order.parts.push(part);
      if (viaEvent) send(JSON.stringify(event));
      else http.push({ kind: 'part', order, part, tries: 0, done: false });
    }
  }
  // Reordering: the queue hands messages out in any order (a refund may come before its sale).
  for (let i = messages.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [messages[i], messages[j]] = [messages[j] as Message, messages[i] as Message];
  }
  return { orders, messages, http };
}

/** Fresh clients for one invocation, which crash (stop) at the `crashAt`-th external call when planned. */
function container(world: OrdersWorld, ddb: DynamoDBClient, transport: PartneroFetch, random: Random) {
  const crashAt = chance(random, 0.25) ? 1 + Math.floor(random() * 12) : 0;
  const crashAfter = chance(random, 0.5);
  let calls = 0;
  let dead = false;
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    if (dead) throw new Crash('the process has stopped');
    calls += 1;
    const mine = calls;
    if (mine === crashAt && !crashAfter) {
      dead = true;
      throw new Crash(`crashed before call ${mine}`);
    }
    const result = await call();
    if (mine === crashAt) dead = true;
    // Sent, but the process died before it could use the answer.
    if (dead) throw new Crash(`crashed after call ${mine}`);
    return result;
  };
  const partnero = world.partnero({
    // The production transport (the SDK's Node HTTP handler), crashing like the rest of the container.
    fetch: (url, init) => guard(() => transport(url, init)),
    attemptTimeoutMs: 40,
    maxAttempts: 2,
  });
  const ledger = world.ledger(
    { leaseMs: LEASE_MS, verifyDelayMs: 3 * STEP_MS },
    {
      send: ((command: never, options: never) =>
        guard(() => ddb.send(command, options))) as DynamoDBClient['send'],
    },
  );
  const deps: OrderDeps = { partnero, ledger };
  return { deps, crashed: () => dead };
}

const TERMINAL_RECORD: OrderOutcome['status'][] = [
  'recorded',
  'duplicate',
  'already_refunded',
  'not_referred',
];

/** Runs one seeded schedule and checks the money. */
export async function runSchedule(world: OrdersWorld, seed: number): Promise<ScheduleResult> {
  const random = seededRandom(seed);
  await world.reset();
  // Fault choices start from the schedule's seed, so a failing seed replays (concurrent steps may
  // still interleave differently from run to run).
  world.sandbox.faults.reseed(seed);
  world.dynamo.db.faults.reseed(seed + 1);
  await world.createCustomer(SECOND_REFERRER);
  await world.createCustomer('ivy', SECOND_REFERRER);
  const { orders, messages, http } = plan(random, seed);
  const result: ScheduleResult = {
    seed,
    orders: orders.length,
    partialRefunds: orders.reduce((n, o) => n + o.parts.length, 0),
    messages: messages.length,
    invocations: 0,
    crashes: 0,
    steps: 0,
    errors: [],
  };
  const ddb = world.dynamo.client(2);
  const partneroHttp = partneroHttpHandler();
  const transport = nodeHttpTransport(partneroHttp);
  const queue = [...messages];
  const parked: { body: string; code: string }[] = [];
  const overReceived: Message[] = [];

  const rate = 0.05 + random() * 0.2;
  world.sandbox.faults.set({
    rules: [
      {
        rate,
        kinds: SANDBOX_FAULTS.filter(() => chance(random, 0.6)).concat('500'),
        match: '/v1/transactions',
        hold: true,
      },
    ],
  });
  world.dynamo.db.faults.set({ rate: rate / 3, kinds: ['throttle', 'internal', 'commit-then-fail'] });

  const consume = async () => {
    const batch = queue.splice(0, 1 + Math.floor(random() * 4));
    if (batch.length === 0) return;
    for (const m of batch) m.receives += 1;
    const { deps, crashed } = container(world, ddb, transport, random);
    result.invocations += 1;
    const records: SQSRecord[] = batch.map((m) => sqsRecord(m.messageId, m.body, m.receives));
    const out = await processOrderBatch(records, {
      ...deps,
      parkInDlq: async (record, reason) => {
        // A partial refund that overtook its sale for too long: the operator redrives it from the DLQ.
        if (reason.code === 'order_not_recorded') {
          queue.push({ messageId: randomUUID(), body: record.body, receives: 0 });
          return;
        }
        parked.push({ body: record.body, code: reason.code });
      },
      unknownCustomerMaxReceives: UNKNOWN_CUSTOMER_MAX_RECEIVES,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    }).catch(() => undefined);
    const failed = new Set(out?.batchItemFailures.map((f) => f.itemIdentifier));
    if (crashed() || !out) result.crashes += 1;
    for (const m of batch) {
      if (!crashed() && out && !failed.has(m.messageId)) continue;
      if (m.receives >= SQS_MAX_RECEIVES) overReceived.push(m);
      else queue.splice(Math.floor(random() * (queue.length + 1)), 0, m);
    }
  };

  const callHttp = async (client: HttpClient) => {
    client.tries += 1;
    const { deps, crashed } = container(world, ddb, transport, random);
    const order = {
      orderId: client.order.orderId,
      customerKey: client.order.buyer,
      amount: client.order.amount,
      currency: 'usd',
      action: 'sale',
    };
    try {
      if (client.kind === 'record') {
        const [outcome] = await recordOrders(deps, [order]);
        client.done = !crashed() && outcome !== undefined && TERMINAL_RECORD.includes(outcome.status);
      } else if (client.kind === 'part' && client.part) {
        const outcome = await refundPart(deps, order.orderId, client.part);
        // Not recorded yet (or being recorded): the client tries again later, as a shop's retry would.
        client.done = !crashed() && outcome.status !== 'not_recorded' && outcome.status !== 'in_progress';
      } else {
        await refundOrder(deps, order.orderId);
        client.done = !crashed();
      }
    } catch {
      client.done = false;
    }
    // A client gives up on a customer that never appears (a partial refund waits for its sale).
    if (client.tries >= HTTP_MAX_TRIES && client.kind !== 'part') client.done = true;
  };

  const heldSince = new Map<string, number>();
  for (let step = 0; step < MAX_STEPS; step++) {
    result.steps = step + 1;
    world.advance(STEP_MS);
    if (step === SIGN_UP_STEP) await world.createCustomer(LATE_BUYER, SECOND_REFERRER);
    const pendingHttp = http.filter((c) => !c.done);
    if (queue.length === 0 && pendingHttp.length === 0) break;
    const work: Promise<unknown>[] = [consume()];
    if (chance(random, 0.3)) work.push(consume());
    const client = pendingHttp.length && chance(random, 0.5) ? pick(random, pendingHttp) : undefined;
    if (client) work.push(callHttp(client));
    if (chance(random, 0.1))
      work.push(reconcile(container(world, ddb, transport, random).deps).catch(() => undefined));
    if (chance(random, 0.15)) work.push(world.sandbox.lateCommits.flush());
    await Promise.all(work);
    // A late write lands within 8 steps: sometimes after the reconciler's first count of the key's
    // copies (3 steps after the write), always before its second (45 steps): the ledger's assumption
    // that a write in flight lands within 15 × LEDGER_VERIFY_DELAY_SECONDS.
    const pendingIds = new Set(world.sandbox.lateCommits.pending.map((c) => c.id));
    for (const id of heldSince.keys()) if (!pendingIds.has(id)) heldSince.delete(id);
    for (const id of pendingIds) if (!heldSince.has(id)) heldSince.set(id, step);
    if ([...heldSince.values()].some((since) => step - since >= 8)) {
      await world.sandbox.lateCommits.flush();
      heldSince.clear();
    }
  }
  if (queue.length > 0 || http.some((c) => !c.done))
    result.errors.push(`did not drain in ${MAX_STEPS} steps`);

  if (!(await settle(world, ddb))) result.errors.push('the reconciler did not finish its checks');
  check(world, orders, parked, overReceived, result);
  ddb.destroy();
  partneroHttp.destroy();
  return result;
}

/**
 * Faults stop; writes in flight land; the reconciler sweeps until no entry waits for a check, due now
 * or later (a second count of copies comes 15 verify delays after the first).
 */
async function settle(world: OrdersWorld, ddb: DynamoDBClient): Promise<boolean> {
  world.sandbox.faults.clear();
  world.dynamo.db.faults.clear();
  for (let round = 0; round < 20; round++) {
    await world.sandbox.lateCommits.flush();
    world.advance(10 * 60_000);
    const ledger = world.ledger({ leaseMs: LEASE_MS, verifyDelayMs: 3 * STEP_MS }, ddb);
    await reconcile({ partnero: world.partnero(), ledger });
    const waiting = world.dynamo.ledgerItems().some((i) => i.sweepAt !== undefined);
    if (world.sandbox.lateCommits.pending.length === 0 && !waiting) return true;
  }
  return false;
}

function check(
  world: OrdersWorld,
  orders: PlannedOrder[],
  parked: { body: string; code: string }[],
  overReceived: Message[],
  result: ScheduleResult,
) {
  const fail = (message: string) => result.errors.push(message);
  // Every planned sale is placed, by an event or an HTTP client; refunds likewise. What is paid is the
  // amount less every partial refund (each once); nothing once refunded, or refunded in parts to the whole.
  const expected = new Map<string, number>();
  for (const order of orders) {
    const referrer = BUYER_REFERRER[order.buyer];
    const refundedParts = order.parts.reduce((sum, p) => sum + p.amount, 0);
    const paid = order.refunded || referrer === null ? 0 : Math.max(0, order.amount - refundedParts);
    const live = world.versionsOf(order.orderId);
    const label = `order ${order.orderId} (${order.buyer}${order.refunded ? ', refunded' : ''}${
      order.parts.length ? `, parts ${order.parts.map((p) => p.amount).join('+')} of ${order.amount}` : ''
    })`;
    if (live.length !== (paid > 0 ? 1 : 0) || (paid > 0 && live[0]?.amount !== paid)) {
      const found = live.map((t) => `${t.key}=${t.amount}`).join(', ') || 'none';
      fail(`${label} has transactions [${found}], expected ${paid > 0 ? `one of ${paid}` : 'none'}`);
    }
    if (paid > 0 && referrer) expected.set(referrer, (expected.get(referrer) ?? 0) + paid / 10);
  }
  for (const referrer of [REFERRER, SECOND_REFERRER]) {
    const want = Math.round((expected.get(referrer) ?? 0) * 100) / 100;
    const got = world.rewards(referrer);
    if (got !== want) fail(`referrer ${referrer} has rewards ${got}, expected ${want}`);
  }
  for (const p of parked) {
    const detail = (JSON.parse(p.body) as { detail: { customerId?: string } }).detail;
    if (!(p.code === 'unknown_customer' && detail.customerId === NEVER_BUYER))
      fail(`parked ${p.code}: ${p.body}`);
  }
  for (const m of overReceived) fail(`message still failing after ${SQS_MAX_RECEIVES} receives: ${m.body}`);
  const stuck = world.dynamo.ledgerItems().filter((i) => i.state?.S === 'claimed');
  if (stuck.length) fail(`${stuck.length} ledger entries still claimed after the sweep`);
}

/** Runs `count` schedules from `firstSeed`; resolves with every result. */
export async function runSchedules(
  world: OrdersWorld,
  firstSeed: number,
  count: number,
  onResult?: (r: ScheduleResult) => void,
) {
  const results: ScheduleResult[] = [];
  for (let i = 0; i < count; i++) {
    const r = await runSchedule(world, firstSeed + i);
    results.push(r);
    onResult?.(r);
  }
  return results;
}
