/**
 * Seeded randomized schedules of the real money path — `processOrderBatch`, `recordOrders`,
 * `refundOrder`, `refundPart`, `reconcile`, the Partnero client and the DynamoDB ledger — against the
 * sandbox behind an adversarial Partnero (test/chaos/adversary.ts: lagging, reordering and stale
 * look-ups, DELETE of the newest or the oldest copy, writes that fail before or after they apply, late
 * writes up to the ledger's horizon in any order, 429 storms) and the local DynamoDB, with:
 * - an SQS queue as SQS runs it: at-least-once, any order, a visibility timeout, `maxReceiveCount` into
 *   a DLQ that an operator redrives, ChangeMessageVisibility with stale receipt handles, delayed
 *   re-enqueues of rate-limited events;
 * - invocations that stop at any external call (Partnero, DynamoDB, SQS), before it or after it;
 * - reconciler runs that overlap, and read the sweep index as it was a few steps ago;
 * - HTTP clients of the shop that stop at a 202 (the ledger settles it), retry 5xx, and give up on 4xx;
 * - order ids reused for another amount, partial refunds that add up, repeat, overtake their sale or
 *   reach the whole, and a sign-up that completes after its customer's first orders arrived.
 *
 * After the queue drains and the reconciler has swept, the Partnero state is compared with a model:
 * every referrer's balance, one transaction per paid order (of what is left after partial refunds),
 * none for a refunded or unreferred one, and every order recorded or visibly parked. A schedule counts
 * only if a fault fired in it. Every choice comes from the seed (concurrent invocations draw from their
 * own seeded PRNGs), so a failing seed replays its faults; how concurrent calls interleave may differ.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { orderEvent, sqsRecord } from '#bench/lib/events.js';
import { seededRandom } from '#local/random.js';
import { processOrderBatch } from '#shared/order-events/process-batch.js';
import { requeueInput } from '#shared/order-events/send-back.js';
import type { OrderDeps } from '#shared/orders/order-deps.js';
import type { OrderOutcome } from '#shared/orders/order-outcomes.js';
import { reconcile } from '#shared/orders/reconcile.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { refundOrder, refundPart } from '#shared/orders/refund-orders.js';
import { nodeHttpTransport, partneroHttpHandler } from '#shared/partnero/index.js';
import { type OrdersWorld, REFERRER } from '#test/support/orders-world.js';
import { AdversarialPartnero, NO_FAULTS } from './adversary.js';
import { type Profile, profileOf } from './profiles.js';

/** A stop: the invocation ends at a call, so nothing after it happens. */
class Stop extends Error {
  override readonly name = 'Stop';
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => p > 0 && random() < p;
const shuffle = <T>(random: Random, items: T[]) => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
};

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
const HTTP_MAX_TRIES = 12;
const STEP_MS = 1_000;
const MAX_STEPS = 900;
/**
 * The ledger's timings here: 20 times faster than the defaults (a 3 s verify delay and look-up lag,
 * so a 45 s write horizon), and SQS delays scaled the same way.
 */
export const TIMINGS = { leaseMs: 5_000, verifyDelayMs: 3_000, lookupLagMs: 3_000, parkAfterFailures: 8 };
export const TIME_SCALE = 20;
const HORIZON_MS = TIMINGS.verifyDelayMs * 15;
const VISIBILITY_MS = 2 * STEP_MS;
const REDRIVE_EVERY = 40;

interface PlannedPart {
  refundId: string;
  amount: number;
}

interface PlannedOrder {
  orderId: string;
  buyer: string;
  amount: number;
  /** A second order under the same id with this amount (the first to be claimed stands). */
  reusedAmount?: number;
  refunded: boolean;
  /** Partial refunds, each applied once whatever happens. */
  parts: PlannedPart[];
}

interface Message {
  messageId: string;
  body: string;
  receives: number;
  visibleAt: number;
  requeues: number;
}

interface HttpClient {
  kind: 'record' | 'refund' | 'part';
  order: PlannedOrder;
  amount: number;
  part?: PlannedPart;
  tries: number;
  done: boolean;
  /** What the client was last told (for the model: a 409 key_reused is a visible refusal). */
  last?: string;
}

export interface ScheduleResult {
  seed: number;
  profile: string;
  orders: number;
  /** Partial refunds planned (by event or HTTP), each to be applied once. */
  partialRefunds: number;
  messages: number;
  invocations: number;
  stops: number;
  steps: number;
  /** Faults that fired, by kind (the schedule counts only if one did). */
  faults: Record<string, number>;
  /** The longest time (world ms) a key held a second copy: a referrer paid twice meanwhile. */
  longestDuplicateMs: number;
  /** What went wrong with the money (the target is none). */
  errors: string[];
  /**
   * When something went wrong: for each order named in `errors`, its ledger item, its transactions at
   * Partnero (live and deleted, with times) and every call any invocation made about it, in order.
   */
  details?: string;
}

export const faultsFired = (r: ScheduleResult) => Object.values(r.faults).reduce((a, b) => a + b, 0);

function plan(random: Random, seed: number) {
  let ids = 0;
  const id = (prefix: string) => `${prefix}-${seed}-${++ids}`;
  const orders: PlannedOrder[] = Array.from({ length: 4 + Math.floor(random() * 8) }, (_, i) => ({
    orderId: `s${seed}-o${i}`,
    buyer: pick(random, ['bob', 'bob', 'dave', 'ivy', 'ivy', LATE_BUYER, 'carol', NEVER_BUYER]),
    amount: 10 * (1 + Math.floor(random() * 50)),
    refunded: chance(random, 0.3),
    parts: [] as PlannedPart[],
  }));
  const messages: Message[] = [];
  const http: HttpClient[] = [];
  const send = (body: string) => {
    // At-least-once: a third of the events arrive twice or three times.
    const copies = chance(random, 0.3) ? 2 + Math.floor(random() * 2) : 1;
    for (let c = 0; c < copies; c++)
      messages.push({ messageId: id('m'), body, receives: 0, visibleAt: 0, requeues: 0 });
  };
  const placed = (order: PlannedOrder, amount: number) =>
    JSON.stringify(
      orderEvent(
        'Order Placed',
        { orderId: order.orderId, customerId: order.buyer, amount, currency: 'USD' },
        { id: id('e'), time: '2026-06-01T00:00:00Z' },
      ),
    );
  for (const order of orders) {
    if (chance(random, 0.8)) send(placed(order, order.amount));
    else http.push({ kind: 'record', order, amount: order.amount, tries: 0, done: false });
    if (chance(random, 0.15))
      http.push({ kind: 'record', order, amount: order.amount, tries: 0, done: false });
    // Another order under the same id, for another amount (only by event: it must end visibly parked).
    if (order.buyer !== NEVER_BUYER && chance(random, 0.1)) {
      order.reusedAmount = order.amount + 10 * (1 + Math.floor(random() * 5));
      send(placed(order, order.reusedAmount));
    }
    if (order.refunded) {
      const refund = orderEvent('Order Refunded', { orderId: order.orderId }, { id: id('e') });
      if (chance(random, 0.8)) send(JSON.stringify(refund));
      else http.push({ kind: 'refund', order, amount: order.amount, tries: 0, done: false });
    }
    // Partial refunds (never of an order whose sale can never be recorded, nor of a reused id).
    const partials =
      order.buyer === NEVER_BUYER || order.reusedAmount || !chance(random, 0.3)
        ? 0
        : 1 + Math.floor(random() * 3);
    for (let k = 0; k < partials; k++) {
      // Some parts in cents (halves add up exactly), so the refund's check of its order's units runs too.
      const cents = chance(random, 0.3) ? 0.5 : 0;
      const amount = 10 * (1 + Math.floor(random() * Math.max(1, order.amount / 20))) + cents;
      const viaEvent = chance(random, 0.75);
      // An event's refund id is the shop's own, or else the event's id (the same on every redelivery).
      const shopId = chance(random, 0.5) ? `${order.orderId}-refund-${k}` : undefined;
      const event = orderEvent(
        'Order Refunded',
        { orderId: order.orderId, amount, ...(shopId ? { refundId: shopId } : {}) },
        { id: id('e') },
      );
      const part = { refundId: viaEvent ? (shopId ?? event.id) : `${order.orderId}-http-${k}`, amount };
      order.parts.push(part);
      if (viaEvent) send(JSON.stringify(event));
      else http.push({ kind: 'part', order, amount: order.amount, part, tries: 0, done: false });
    }
  }
  // Reordering: the queue hands messages out in any order (a refund may come before its sale).
  shuffle(random, messages);
  return { orders, messages, http, id };
}

/** One schedule's world: the adversary in front of the sandbox, its queue, and its invocations. */
class Schedule {
  readonly random: Random;
  readonly profile: Profile;
  readonly result: ScheduleResult;
  readonly queue: Message[] = [];
  /** Messages SQS moved to the DLQ after maxReceiveCount; the operator redrives them. */
  readonly exhausted: Message[] = [];
  /** What the consumer parked, with its reason. */
  readonly parked: { body: string; code: string }[] = [];
  /** Snapshots of the ledger, step by step, for reconciler runs that read a stale sweep index. */
  readonly snapshots: Record<string, unknown>[][] = [];
  private readonly fired: Record<string, number>;
  private nextId: (prefix: string) => string;
  /** Every DynamoDB and Partnero call of every invocation, in the order they answered (see `details`). */
  readonly trace: string[] = [];
  private invocationCount = 0;
  readonly startedAt: number;

  constructor(
    readonly world: OrdersWorld,
    readonly adversary: AdversarialPartnero,
    readonly ddb: DynamoDBClient,
    seed: number,
    plan: ReturnType<typeof planFor>,
  ) {
    this.random = plan.random;
    this.profile = profileOf(seed);
    this.nextId = plan.id;
    this.fired = {};
    this.result = {
      seed,
      profile: this.profile.name,
      orders: plan.orders.length,
      partialRefunds: plan.orders.reduce((n, o) => n + o.parts.length, 0),
      messages: plan.messages.length,
      invocations: 0,
      stops: 0,
      steps: 0,
      faults: this.fired,
      longestDuplicateMs: 0,
      errors: [],
    };
    this.queue.push(...plan.messages);
    this.startedAt = world.now();
  }

  fire(kind: string, n = 1) {
    this.fired[kind] = (this.fired[kind] ?? 0) + n;
  }

  /**
   * Fresh clients for one invocation, with its own PRNG: it stops at an external call as often as the
   * profile says (before the call, or after it with the answer lost).
   */
  container(options: { staleIndex?: boolean; label?: string } = {}) {
    const random = seededRandom(Math.floor(this.random() * 2 ** 32));
    const who = `${options.label ?? 'call'}#${++this.invocationCount}`;
    const note = (line: string) => this.trace.push(`t+${this.world.now() - this.startedAt} ${who} ${line}`);
    let dead = false;
    const guard = async <T>(call: () => Promise<T>): Promise<T> => {
      if (dead) throw new Stop('the invocation has stopped');
      const stop = chance(random, this.profile.stopPerCall);
      const after = stop && random() < 0.5;
      if (stop && !after) {
        dead = true;
        this.fire('stop-before-call');
        note('STOPS before its next call');
        throw new Stop('stopped before a call');
      }
      const result = await call();
      if (stop) {
        dead = true;
        this.fire('stop-after-call');
        note('STOPS after that call (answer lost)');
        throw new Stop('stopped after a call');
      }
      return result;
    };
    const fetch = this.adversary.fetchFor(random);
    const traced: typeof fetch = async (url, init) => {
      const { pathname, search } = new URL(url);
      const keys = [...String(init.body ?? '').matchAll(/"key":"([^"]+)"/g)].map((m) => m[1]);
      const what = `${init.method.toUpperCase()} ${decodeURIComponent(pathname + search)}${
        keys.length ? ` [${keys.join(', ')}]` : ''
      }`;
      try {
        const res = await fetch(url, init);
        note(`partnero ${what} -> ${res.status}`);
        return res;
      } catch (error) {
        note(`partnero ${what} -> thrown ${String((error as Error)?.message ?? error)}`);
        throw error;
      }
    };
    const partnero = this.world.partnero({
      fetch: (url, init) => guard(() => traced(url, init)),
      attemptTimeoutMs: 1_000,
      maxAttempts: 2,
    });
    const staleAt = options.staleIndex ? this.staleSnapshot(random) : undefined;
    const send = ((command: never, sendOptions: never) =>
      guard(async () => {
        if (staleAt && (command as unknown) instanceof QueryCommand) {
          const out = this.staleQuery(command as unknown as QueryCommand, staleAt);
          note(`dynamo ${describeCommand(command)} (stale index) -> ok${describeOutput(out)}`);
          return out;
        }
        const what = describeCommand(command);
        try {
          const out = await this.ddb.send(command, sendOptions);
          note(`dynamo ${what} -> ok${describeOutput(out)}`);
          return out;
        } catch (error) {
          this.fire('dynamodb-fault');
          note(`dynamo ${what} -> ${describeError(error)}`);
          throw error;
        }
      })) as DynamoDBClient['send'];
    const ledger = this.world.ledger(TIMINGS, { send });
    const deps: OrderDeps = { partnero, ledger };
    return { deps, random, guard, stopped: () => dead, fetch: traced };
  }

  /** A ledger snapshot a few steps old, if one differs from now. */
  private staleSnapshot(random: Random) {
    if (this.snapshots.length < 2) return undefined;
    const back = 1 + Math.floor(random() * Math.min(5, this.snapshots.length - 1));
    return this.snapshots[this.snapshots.length - 1 - back];
  }

  /** The sweep index as it was: the entries of `items` due now in the queried shard. */
  private staleQuery(command: QueryCommand, items: Record<string, unknown>[]): QueryCommandOutput {
    this.fire('stale-sweep-index');
    const values = command.input.ExpressionAttributeValues ?? {};
    const shard = values[':shard']?.S;
    const now = Number(values[':now']?.N);
    type Item = Record<string, { S?: string; N?: string }>;
    const due = (items as Item[])
      .filter((i) => i.sweepShard?.S === shard && Number(i.sweepAt?.N) <= now)
      .sort((a, b) => Number(a.sweepAt?.N) - Number(b.sweepAt?.N))
      .slice(0, command.input.Limit ?? 100);
    return { Items: structuredClone(due) as QueryCommandOutput['Items'], $metadata: {} };
  }

  snapshot() {
    this.snapshots.push(structuredClone(this.world.dynamo.ledgerItems()) as Record<string, unknown>[]);
    if (this.snapshots.length > 6) this.snapshots.shift();
  }

  /** SQS delays (seconds) on the world's clock, scaled like the ledger's timings. */
  private delayMs(seconds: number) {
    return Math.max(STEP_MS, Math.round((seconds * 1000) / TIME_SCALE));
  }

  /** One consumer invocation: a batch of visible messages, as SQS hands it out. */
  async consume() {
    const now = this.world.now();
    const visible = this.queue.filter((m) => m.visibleAt <= now);
    if (visible.length === 0) return;
    const batch: Message[] = [];
    for (const m of visible.slice(0, 1 + Math.floor(this.random() * 4))) {
      this.queue.splice(this.queue.indexOf(m), 1);
      // SQS moves a message received maxReceiveCount times to the DLQ instead of handing it out.
      if (m.receives >= this.profile.maxReceiveCount) {
        this.exhausted.push(m);
        this.fire('max-receive-count');
      } else batch.push(m);
    }
    if (batch.length === 0) return;
    for (const m of batch) m.receives += 1;
    const { deps, random, guard, stopped } = this.container({ label: 'consumer' });
    this.result.invocations += 1;
    const records: SQSRecord[] = batch.map((m) => {
      const record = sqsRecord(m.messageId, m.body, m.receives);
      if (m.requeues)
        record.messageAttributes = { requeues: { dataType: 'Number', stringValue: String(m.requeues) } };
      return record;
    });
    const byId = new Map(batch.map((m) => [m.messageId, m]));
    const delayed = new Map<string, number>();
    const out = await processOrderBatch(records, {
      ...deps,
      parkInDlq: (record, reason) =>
        guard(async () => {
          // A partial refund that overtook its sale for too long: the operator redrives it from the DLQ.
          if (reason.code === 'order_not_recorded') {
            this.queue.push({ ...this.fresh(record.body), visibleAt: this.world.now() + 10 * STEP_MS });
            return;
          }
          this.parked.push({ body: record.body, code: reason.code });
        }),
      delayRetry: (record, seconds) =>
        guard(async () => {
          if (chance(random, this.profile.staleReceipt)) {
            this.fire('stale-receipt-handle');
            throw new Error('ReceiptHandleIsInvalid');
          }
          delayed.set(record.messageId, this.world.now() + this.delayMs(seconds));
        }),
      requeue: (record, seconds) =>
        guard(async () => {
          const input = requeueInput('https://sqs.local/orders', record, seconds);
          this.fire('requeued');
          this.queue.push({
            ...this.fresh(input.MessageBody),
            visibleAt: this.world.now() + this.delayMs(input.DelaySeconds),
            requeues: Number(input.MessageAttributes.requeues?.StringValue ?? 1),
          });
        }),
      // Parked before SQS would move it to the DLQ (the stack sets maxReceiveCount − 1 likewise).
      unknownCustomerMaxReceives: Math.min(UNKNOWN_CUSTOMER_MAX_RECEIVES, this.profile.maxReceiveCount - 1),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    }).catch(() => undefined);
    const failed = new Set(out?.batchItemFailures.map((f) => f.itemIdentifier));
    if (stopped() || !out) this.result.stops += 1;
    for (const m of batch) {
      const back = stopped() || !out || failed.has(m.messageId);
      if (!back) continue;
      const at = (byId.get(m.messageId) && delayed.get(m.messageId)) ?? this.world.now() + VISIBILITY_MS;
      m.visibleAt = at;
      this.queue.push(m);
    }
  }

  private fresh(body: string): Message {
    return { messageId: this.nextId('m'), body, receives: 0, visibleAt: 0, requeues: 0 };
  }

  /** The operator redrives the DLQ (the messages SQS moved there after maxReceiveCount). */
  redrive() {
    for (const m of this.exhausted.splice(0)) this.queue.push({ ...m, receives: 0, visibleAt: 0 });
  }

  /** One try of a shop's HTTP client; it stops at a 202 or a 4xx, and retries a 5xx. */
  async callHttp(client: HttpClient) {
    client.tries += 1;
    const { deps, stopped } = this.container({ label: `http-${client.kind}` });
    const order = {
      orderId: client.order.orderId,
      customerKey: client.order.buyer,
      amount: client.amount,
      currency: 'usd',
      action: 'sale',
    };
    try {
      if (client.kind === 'record') {
        const [outcome] = await recordOrders(deps, [order]);
        client.last = outcome?.status;
        client.done = !stopped() && outcome !== undefined && STOPS_HTTP_CLIENT.includes(outcome.status);
      } else if (client.kind === 'part' && client.part) {
        const outcome = await refundPart(deps, order.orderId, client.part);
        client.last = outcome.status;
        // Not recorded yet (or being recorded): the client tries again later, as a shop's retry would.
        client.done = !stopped() && outcome.status !== 'not_recorded' && outcome.status !== 'in_progress';
      } else {
        const outcome = await refundOrder(deps, order.orderId);
        client.last = outcome.status;
        client.done = !stopped();
      }
    } catch {
      client.done = false;
    }
    // A client gives up on a customer that never appears (a partial refund waits for its sale).
    if (client.tries >= HTTP_MAX_TRIES && client.kind !== 'part') client.done = true;
  }

  /** A reconciler run, as the schedule fires it (sometimes reading a stale sweep index). */
  reconcileRun() {
    const staleIndex = chance(this.random, this.profile.staleIndex);
    const { deps } = this.container({ staleIndex, label: staleIndex ? 'reconciler(stale)' : 'reconciler' });
    return reconcile(deps).catch(() => undefined);
  }
}

/** What the shop's HTTP client takes as final: 2xx answers (a 202 included) and 4xx ones. */
const STOPS_HTTP_CLIENT: OrderOutcome['status'][] = [
  'recorded',
  'duplicate',
  'already_refunded',
  'not_referred',
  'pending',
  'in_progress',
  'unknown_customer',
  'key_reused',
];

type Attr = { S?: string; N?: string; BOOL?: boolean; SS?: string[] };
const attrText = (v: Attr | undefined) =>
  v === undefined ? '?' : (v.S ?? v.N ?? (v.BOOL !== undefined ? String(v.BOOL) : JSON.stringify(v)));
const itemText = (item: Record<string, Attr> | undefined) =>
  item
    ? Object.entries(item)
        .filter(([k]) => !['expiration', 'customerKey', 'currency', 'action'].includes(k))
        .map(([k, v]) => `${k}=${attrText(v)}`)
        .join(' ')
    : 'none';

/** A DynamoDB command as one trace line: its operation, key(s), expressions and values. */
function describeCommand(command: unknown): string {
  const c = command as { constructor: { name: string }; input: Record<string, unknown> };
  const input = c.input as {
    Key?: Record<string, Attr>;
    Item?: Record<string, Attr>;
    UpdateExpression?: string;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Record<string, Attr>;
    TransactItems?: { Update?: { Key?: Record<string, Attr>; UpdateExpression?: string } }[];
  };
  const name = c.constructor.name.replace(/Command$/, '');
  const values = input.ExpressionAttributeValues
    ? ` {${Object.entries(input.ExpressionAttributeValues)
        .map(([k, v]) => `${k}=${attrText(v)}`)
        .join(' ')}}`
    : '';
  if (input.TransactItems)
    return `${name} [${input.TransactItems.map((t) => `${attrText(t.Update?.Key?.id)}: ${t.Update?.UpdateExpression}`).join('; ')}]`;
  const key = attrText(input.Key?.id ?? input.Item?.id);
  const expr = input.UpdateExpression
    ? ` ${input.UpdateExpression}`
    : input.Item
      ? ` ${itemText(input.Item)}`
      : '';
  const cond = input.ConditionExpression ? ` IF ${input.ConditionExpression}` : '';
  return `${name} ${key}${expr}${cond}${values}`;
}
function describeOutput(out: unknown): string {
  const o = out as { Items?: Record<string, Attr>[]; Attributes?: Record<string, Attr> };
  if (o?.Items)
    return ` items [${o.Items.map((i) => `${attrText(i.id)} at ${attrText(i.sweepAt)}`).join(', ')}]`;
  if (o?.Attributes) return ` old {${itemText(o.Attributes)}}`;
  return '';
}
function describeError(error: unknown): string {
  const e = error as {
    name?: string;
    Item?: Record<string, Attr>;
    CancellationReasons?: { Code?: string }[];
  };
  if (e?.Item) return `${e.name} current {${itemText(e.Item)}}`;
  if (e?.CancellationReasons) return `${e.name} [${e.CancellationReasons.map((r) => r.Code).join(', ')}]`;
  return String(e?.name ?? error);
}

/** For each order an error names: its ledger item, its rows at Partnero, and every call about it. */
function detailsOf(world: OrdersWorld, s: Schedule, errors: string[]): string {
  const ids = [...new Set(errors.flatMap((e) => e.match(/s\d+-o\d+/g) ?? []))];
  const out: string[] = [];
  for (const id of ids) {
    const pattern = new RegExp(`${id}(?![0-9])`);
    out.push(`=== ${id}`);
    out.push(
      `ledger: ${
        world
          .ledgerItemsFor(id)
          .map((i) => itemText(i as Record<string, Attr>))
          .join(' | ') || 'none'
      }`,
    );
    out.push(`partnero rows: ${s.adversary.history(id, s.startedAt).join('; ') || 'none'}`);
    out.push(...s.trace.filter((line) => pattern.test(line)));
  }
  return out.join('\n');
}

const planFor = (seed: number) => {
  const random = seededRandom(seed);
  return { random, ...plan(random, seed) };
};

/** The world's shared pieces for many schedules: the adversary and the clients. */
export function chaosRig(world: OrdersWorld) {
  const handler = partneroHttpHandler();
  const adversary = new AdversarialPartnero({
    inner: nodeHttpTransport(handler),
    store: world.sandbox.store as never,
    now: world.now,
    horizonMs: HORIZON_MS,
    lagMs: TIMINGS.lookupLagMs,
  });
  const ddb = world.dynamo.client(2);
  return {
    adversary,
    ddb,
    close: () => {
      ddb.destroy();
      handler.destroy();
    },
  };
}
export type ChaosRig = ReturnType<typeof chaosRig>;

/** Runs one seeded schedule and checks the money. */
export async function runSchedule(world: OrdersWorld, rig: ChaosRig, seed: number): Promise<ScheduleResult> {
  await world.reset();
  world.dynamo.db.faults.reseed(seed + 1);
  await world.createCustomer(SECOND_REFERRER);
  await world.createCustomer('ivy', SECOND_REFERRER);
  const planned = planFor(seed);
  const { random, orders, http } = planned;
  const { adversary } = rig;
  const s = new Schedule(world, adversary, rig.ddb, seed, planned);
  adversary.onLate = (line) => s.trace.push(`t+${world.now() - s.startedAt} adversary ${line}`);
  const { profile, result } = s;
  adversary.reset(profile.partnero, seededRandom(seed + 2));
  adversary.observe();
  if (profile.dynamoFaults > 0)
    world.dynamo.db.faults.set({
      rate: profile.dynamoFaults,
      kinds: ['throttle', 'internal', 'commit-then-fail'],
    });
  let storm = false;

  for (let step = 0; step < MAX_STEPS; step++) {
    result.steps = step + 1;
    world.advance(STEP_MS);
    await adversary.land();
    if (step === SIGN_UP_STEP) await world.createCustomer(LATE_BUYER, SECOND_REFERRER);
    if (profile.storms && chance(random, profile.storms.toggle)) storm = !storm;
    if (storm) s.fire('429-storm-step');
    adversary.rates =
      storm && profile.storms ? { ...profile.partnero, rateLimited: profile.storms.rate } : profile.partnero;
    s.snapshot();
    const pendingHttp = http.filter((c) => !c.done);
    if (step % REDRIVE_EVERY === REDRIVE_EVERY - 1 || (s.queue.length === 0 && s.exhausted.length > 0))
      s.redrive();
    // Not before the late sign-up: the model's erin always signs up, however fast the rest drains.
    const drained = s.queue.length === 0 && s.exhausted.length === 0 && pendingHttp.length === 0;
    if (drained && step >= SIGN_UP_STEP) break;
    const work: Promise<unknown>[] = [s.consume()];
    if (chance(random, 0.3)) work.push(s.consume());
    const client = pendingHttp.length && chance(random, 0.5) ? pick(random, pendingHttp) : undefined;
    if (client) work.push(s.callHttp(client));
    if (chance(random, 0.1)) work.push(s.reconcileRun());
    if (chance(random, profile.overlap)) {
      s.fire('overlapping-reconcilers');
      work.push(s.reconcileRun(), s.reconcileRun());
    }
    await Promise.all(work);
    adversary.observe();
  }
  if (s.queue.length > 0 || s.exhausted.length > 0 || http.some((c) => !c.done)) {
    const left = [...s.queue, ...s.exhausted].map((m) => `${m.body.slice(0, 160)} (${m.receives} receives)`);
    const clients = http.filter((c) => !c.done).map((c) => `${c.kind} ${c.order.orderId}: ${c.last}`);
    result.errors.push(`did not drain in ${MAX_STEPS} steps: ${[...left, ...clients].join('; ')}`);
  }

  if (!(await settle(world, s))) result.errors.push('the reconciler did not finish its checks');
  adversary.closeWindows();
  result.longestDuplicateMs = adversary.longestDuplicateMs;
  for (const [kind, n] of Object.entries(adversary.fired)) s.fire(kind, n);
  check(world, orders, http, s, result);
  // CHAOS_TRACE=s113-o2,…: the same details for these orders even when nothing failed.
  const traced = process.env.CHAOS_TRACE?.split(',').filter(Boolean) ?? [];
  if (result.errors.length > 0 || traced.length > 0)
    result.details = detailsOf(world, s, [...result.errors, ...traced]);
  return result;
}

/**
 * Faults stop (Partnero's look-up still lags); the clock moves from one due event to the next (a late
 * write landing, an entry due in the sweep), and the reconciler sweeps, until nothing waits.
 */
async function settle(world: OrdersWorld, s: Schedule): Promise<boolean> {
  s.adversary.rates = { ...NO_FAULTS, lagging: s.profile.partnero.lagging };
  world.dynamo.db.faults.clear();
  const sweepTimes = () =>
    world.dynamo
      .ledgerItems()
      .map((i) => Number(i.sweepAt?.N))
      .filter((t) => Number.isFinite(t));
  for (let round = 0; round < 400; round++) {
    const next = Math.min(...sweepTimes(), s.adversary.nextLanding ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return true;
    world.advance(Math.max(1, next - world.now()));
    await s.adversary.land();
    const { deps, fetch } = s.container({ label: 'settle-reconciler' });
    const quiet = { ...deps, partnero: world.partnero({ fetch }) };
    await reconcile(quiet).catch(() => undefined);
    s.adversary.observe();
  }
  return false;
}

function check(
  world: OrdersWorld,
  orders: PlannedOrder[],
  http: HttpClient[],
  s: Schedule,
  result: ScheduleResult,
) {
  const fail = (message: string) => result.errors.push(message);
  const entries = new Map(
    world.dynamo.ledgerItems().map((i) => [String(i.id?.S).slice('order#'.length), i] as const),
  );
  // Every planned sale is placed, by an event or an HTTP client; refunds likewise. What is paid is the
  // amount less every partial refund (each once); nothing once refunded, or refunded in parts to the whole.
  const expected = new Map<string, number>();
  for (const order of orders) {
    const referrer = BUYER_REFERRER[order.buyer];
    const entry = entries.get(order.orderId);
    // A reused id: whichever order was claimed first stands; the other must end visibly refused.
    const stood = order.reusedAmount && entry?.amount?.N ? Number(entry.amount.N) : order.amount;
    const refundedParts = order.parts.reduce((sum, p) => sum + p.amount, 0);
    const paid = order.refunded || referrer === null ? 0 : Math.max(0, stood - refundedParts);
    const live = world.versionsOf(order.orderId);
    const label = `order ${order.orderId} (${order.buyer}${order.refunded ? ', refunded' : ''}${
      order.reusedAmount ? `, reused for ${order.reusedAmount}` : ''
    }${order.parts.length ? `, parts ${order.parts.map((p) => p.amount).join('+')} of ${order.amount}` : ''})`;
    if (live.length !== (paid > 0 ? 1 : 0) || (paid > 0 && live[0]?.amount !== paid)) {
      const found = live.map((t) => `${t.key}=${t.amount}`).join(', ') || 'none';
      fail(`${label} has transactions [${found}], expected ${paid > 0 ? `one of ${paid}` : 'none'}`);
    }
    if (paid > 0 && referrer) expected.set(referrer, (expected.get(referrer) ?? 0) + paid / 10);
    if (order.reusedAmount && entry?.amount?.N) {
      const other = stood === order.amount ? order.reusedAmount : order.amount;
      // Parked as key_reused, or (refused before the other order took its place) as unknown_customer.
      const refused = s.parked.some(
        (p) => p.body.includes(`"orderId":"${order.orderId}"`) && p.body.includes(`"amount":${other},`),
      );
      // Or answered with a 4xx that says it was not recorded.
      const answered = http.some(
        (c) =>
          c.order === order &&
          c.amount === other &&
          (c.last === 'key_reused' || c.last === 'unknown_customer'),
      );
      if (!refused && !answered)
        fail(`${label}: the order for ${other} was neither recorded nor visibly refused`);
    }
    // Never recorded (not referred, or a buyer Partnero never knows): settled or visibly parked.
    const state = entry?.state?.S;
    if (order.buyer === NEVER_BUYER && !order.refunded && state !== 'parked' && state !== 'refunded')
      fail(`${label} ended ${state ?? 'unknown to the ledger'}, neither recorded nor visibly parked`);
  }
  for (const referrer of [REFERRER, SECOND_REFERRER]) {
    const want = Math.round((expected.get(referrer) ?? 0) * 100) / 100;
    const got = world.rewards(referrer);
    if (got !== want) fail(`referrer ${referrer} has rewards ${got}, expected ${want}`);
  }
  for (const p of s.parked) {
    const detail = (JSON.parse(p.body) as { detail: { customerId?: string; orderId?: string } }).detail;
    const order = orders.find((o) => o.orderId === detail.orderId);
    const allowed =
      // A buyer unknown for too many receives: parked visibly (the ledger still records a late sign-up's).
      (p.code === 'unknown_customer' &&
        (detail.customerId === NEVER_BUYER || detail.customerId === LATE_BUYER)) ||
      (p.code === 'order_key_reused' && order?.reusedAmount !== undefined);
    if (!allowed) fail(`parked ${p.code}: ${p.body}`);
  }
  const owed = world.dynamo
    .ledgerItems()
    .filter((i) => i.state?.S === 'claimed' || i.state?.S === 'deferred');
  if (owed.length)
    fail(`${owed.length} ledger entries still owed after the sweep: ${owed.map((i) => i.id?.S).join(', ')}`);
}

/** Runs `count` schedules from `firstSeed`; resolves with every result. */
export async function runSchedules(
  world: OrdersWorld,
  firstSeed: number,
  count: number,
  onResult?: (r: ScheduleResult) => void,
) {
  const rig = chaosRig(world);
  const results: ScheduleResult[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const r = await runSchedule(world, rig, firstSeed + i);
      results.push(r);
      onResult?.(r);
    }
  } finally {
    rig.close();
  }
  return results;
}
