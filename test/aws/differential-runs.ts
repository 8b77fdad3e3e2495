/**
 * The sequences the DynamoDB differential runs: each a fast-check arbitrary of steps and how to carry
 * them out with the project's own code (the ledger, the idempotent credit, the webhook dedup) on a
 * client. Nothing here builds an expression: every request is the one production code sends.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import type { TableNames } from '#local/project-tables.js';
import { createIdempotentCredit } from '#shared/credits/idempotent-credit.js';
import { DynamoOrderLedger } from '#shared/orders/dynamo-ledger.js';
import type { LedgerEntry, Settlement } from '#shared/orders/ledger.js';
import { entryOf } from '#shared/orders/ledger-store.js';
import { type PartneroClient, PartneroError } from '#shared/partnero/index.js';
import { createPublishOnce } from '#shared/webhooks/publish-once.js';
import { scanAll } from './dynamo-tee.js';

export interface RunContext {
  client: DynamoDBClient;
  names: TableNames;
}
/** Called after every step with its label: compares the tables and the answers so far. */
export type Check = (label: string) => Promise<void>;

export interface DifferentialRun<Step> {
  /** Short, table-name safe. */
  slug: string;
  /** The table the run writes (compared after every step). */
  table: keyof TableNames;
  /** Sequences per `npm test` (DIFFERENTIAL_RUNS overrides). */
  runs: number;
  steps: fc.Arbitrary<Step[]>;
  execute(steps: Step[], ctx: RunContext, check: Check): Promise<void>;
}

/** A step's own failure (a ValidationException both endpoints answer, say) is part of what is compared. */
const settled = (work: Promise<unknown>) => work.catch(() => undefined);

// ---------------------------------------------------------------------------------------------- ledger

const ORDER_IDS = ['o1', 'o2', 'o3', 'o4', 'o5'];
const OWNERS = ['w1', 'w2'];
const order = fc.constantFrom(...ORDER_IDS);
const owner = fc.constantFrom(...OWNERS);
const pick = fc.nat({ max: 5 });

const settlement = fc.oneof(
  fc.record({ state: fc.constant('recorded' as const), reward: fc.nat({ max: 50 }), verify: fc.boolean() }),
  fc.record({ state: fc.constant('not_referred' as const), reason: fc.constantFrom('not referred') }),
);

const ledgerStep = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('claim' as const),
      o: order,
      w: owner,
      amount: fc.constantFrom(50, 80),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('finish' as const), o: order, w: owner, s: settlement }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('finishAll' as const),
      w: owner,
      orders: fc.array(order, { minLength: 2, maxLength: 3 }),
      s: settlement,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), o: order, w: owner }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('reject' as const), o: order, w: owner, doubt: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('requestRefund' as const), o: order }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('partial' as const),
      o: order,
      refundId: fc.constantFrom('r1', 'r2'),
      amount: fc.constantFrom(10, 5.5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('settleVersions' as const),
      o: order,
      version: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('completeRefund' as const),
      o: order,
      w: fc.option(owner, { nil: undefined }),
      reversed: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('due' as const), limit: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('settleSweep' as const), pick, again: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('postpone' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('markTrimming' as const),
      pick,
      trimmer: fc.constantFrom('t1', 't2'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('holdsTrim' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('adoptLateWrite' as const), pick, reward: fc.nat({ max: 9 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 7, 31_000, 61_000, 3_600_000),
    }),
  },
);
export type LedgerStep = typeof ledgerStep extends fc.Arbitrary<infer S> ? S : never;

const TIMINGS = { leaseMs: 60_000, verifyDelayMs: 30_000 };

const ledgerRun: DifferentialRun<LedgerStep> = {
  slug: 'ledger',
  table: 'orderLedger',
  runs: 8,
  steps: fc.array(ledgerStep, { minLength: 12, maxLength: 30 }),
  async execute(steps, { client, names }, check) {
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const ledger = new DynamoOrderLedger({
      client,
      tableName: names.orderLedger,
      timings: TIMINGS,
      now: () => clock,
    });
    let seen: LedgerEntry[] = [];
    /** An entry as the reconciler would hold it: from the last sweep, else as stored now. */
    const entry = async (index: number): Promise<LedgerEntry | undefined> => {
      if (seen.length > 0) return seen[index % seen.length];
      const items = await scanAll(client, names.orderLedger);
      const item = items[index % Math.max(1, items.length)];
      return item ? entryOf(item) : undefined;
    };
    for (const [i, step] of steps.entries()) {
      const sale = (o: string, amount = 50) => ({
        orderId: o,
        customerKey: 'bob',
        amount,
        currency: 'usd',
        action: 'sale',
      });
      switch (step.op) {
        case 'claim':
          await settled(ledger.claim(sale(step.o, step.amount), step.w));
          break;
        case 'finish':
          await settled(ledger.finish(step.o, step.w, step.s as Settlement));
          break;
        case 'finishAll':
          await settled(
            ledger.finishAll(
              step.w,
              step.orders.map((orderId) => ({ orderId, settlement: step.s as Settlement })),
            ),
          );
          break;
        case 'release':
          await settled(ledger.release(step.o, step.w));
          break;
        case 'reject':
          await settled(ledger.reject(step.o, step.w, { reason: 'refused', doubt: step.doubt }));
          break;
        case 'requestRefund':
          await settled(ledger.requestRefund(step.o));
          break;
        case 'partial':
          await settled(ledger.registerPartialRefund(step.o, step.refundId, step.amount));
          break;
        case 'settleVersions':
          await settled(ledger.settleVersions(step.o, step.version));
          break;
        case 'completeRefund':
          await settled(ledger.completeRefund(step.o, step.w, step.reversed));
          break;
        case 'due':
          seen = await ledger.due(step.limit).catch(() => seen);
          break;
        case 'advance':
          clock += step.ms;
          break;
        default: {
          const target = await entry(step.pick);
          if (!target) break;
          if (step.op === 'settleSweep') await settled(ledger.settleSweep(target, { again: step.again }));
          if (step.op === 'postpone') await settled(ledger.postpone(target));
          if (step.op === 'markTrimming') {
            const marked = await ledger.markTrimming(target, step.trimmer).catch(() => undefined);
            if (marked) seen = [marked, ...seen.filter((e) => e.orderId !== marked.orderId)];
          }
          if (step.op === 'holdsTrim') await settled(ledger.holdsTrim(target));
          if (step.op === 'adoptLateWrite') await settled(ledger.adoptLateWrite(target, step.reward));
        }
      }
      await check(`step ${i + 1} ${JSON.stringify(step)}`);
    }
  },
};

// ------------------------------------------------------------------------- held calls (credit, webhook)

/** A call that waits, once it got past its in-progress record, until the run releases it. */
class Gates {
  private readonly waiting: (() => void)[] = [];
  private readonly running: Promise<unknown>[] = [];

  /** Starts `call`; resolves once it either reached `hold()` or finished. */
  async start(call: (hold: () => Promise<void>) => Promise<unknown>): Promise<void> {
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const hold = () =>
      new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        reached();
      });
    const done = settled(call(hold));
    this.running.push(done);
    await Promise.race([atGate, done]);
  }

  async releaseAll(): Promise<void> {
    for (const open of this.waiting.splice(0)) open();
    await Promise.all(this.running.splice(0));
  }

  /**
   * Runs a sequence: a `release` step lets every held call finish, any other step starts `call` (which
   * may hold); both tables are compared after each step and once everything is released.
   */
  static async run<S extends { op: string }>(
    steps: S[],
    call: (step: Exclude<S, { op: 'release' }>, hold: () => Promise<void>) => Promise<unknown>,
    check: (after: string) => Promise<void>,
  ): Promise<void> {
    const gates = new Gates();
    for (const [i, step] of steps.entries()) {
      if (step.op === 'release') await gates.releaseAll();
      else await gates.start((hold) => call(step as Exclude<S, { op: 'release' }>, hold));
      await check(`step ${i + 1} ${JSON.stringify(step)}`);
    }
    await gates.releaseAll();
    await check('all released');
  }
}

const creditStep = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('credit' as const),
      customer: fc.constantFrom('bob', 'dave'),
      key: fc.constantFrom('k1', 'k2'),
      amount: fc.constantFrom(5, 7),
      partnero: fc.constantFrom('ok', 'ok', 'unknown', 'refused', 'hold'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const) }) },
);
export type CreditStep = typeof creditStep extends fc.Arbitrary<infer S> ? S : never;

const refused = () =>
  new PartneroError({
    code: 'validation',
    message: 'refused',
    retryable: false,
    method: 'POST',
    path: '/customers/x/balance/credit',
    status: 422,
  });
const unknownOutcome = () =>
  new PartneroError({
    code: 'unknown_outcome',
    message: 'no answer',
    retryable: false,
    method: 'POST',
    path: '/customers/x/balance/credit',
  });

const creditRun: DifferentialRun<CreditStep> = {
  slug: 'credit',
  table: 'idempotency',
  runs: 6,
  steps: fc.array(creditStep, { minLength: 4, maxLength: 16 }),
  async execute(steps, { client, names }, check) {
    const store = new DynamoDBPersistenceLayer({ tableName: names.idempotency, awsSdkV3Client: client });
    await Gates.run(
      steps,
      async (step, hold) => {
        const partnero = {
          customers: {
            creditBalance: async () => {
              if (step.partnero === 'hold') await hold();
              if (step.partnero === 'unknown') throw unknownOutcome();
              if (step.partnero === 'refused') throw refused();
              return { balance: step.amount, currency: 'usd' };
            },
          },
        } as unknown as PartneroClient;
        const credit = createIdempotentCredit(store, () => partnero);
        await credit(
          {
            customerKey: step.customer,
            idempotencyKey: step.key,
            body: { amount: step.amount, currency: 'USD', is_currency: true },
          },
          {},
        );
      },
      check,
    );
  },
};

const webhookStep = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('deliver' as const),
      delivery: fc.constantFrom('d1', 'd2', 'd3'),
      publish: fc.constantFrom('ok', 'ok', 'fail', 'hold'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const) }) },
);
export type WebhookStep = typeof webhookStep extends fc.Arbitrary<infer S> ? S : never;

const lambdaContext = { getRemainingTimeInMillis: () => 5_000 } as Context;

const webhookRun: DifferentialRun<WebhookStep> = {
  slug: 'webhook',
  table: 'idempotency',
  runs: 6,
  steps: fc.array(webhookStep, { minLength: 4, maxLength: 16 }),
  async execute(steps, { client, names }, check) {
    const store = new DynamoDBPersistenceLayer({ tableName: names.idempotency, awsSdkV3Client: client });
    await Gates.run(
      steps,
      async (step, hold) => {
        const once = createPublishOnce(store, async () => {
          if (step.publish === 'hold') await hold();
          if (step.publish === 'fail') throw new Error('EventBridge is down');
          return { eventId: `event-${step.delivery}` };
        });
        await once(
          step.delivery,
          { Source: 'partnero', DetailType: 'x', Detail: '{}' },
          lambdaContext,
          Date.now() + 5_000,
        );
      },
      check,
    );
  },
};

/** Every kind of sequence, by name. */
export const differentialRuns = {
  'order-ledger transitions': ledgerRun,
  'idempotent credits': creditRun,
  'webhook deliveries': webhookRun,
} as Record<string, DifferentialRun<unknown>>;
