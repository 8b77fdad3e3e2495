/**
 * Order events: every variant drains the same workload through a simulated SQS queue, against a
 * Partnero that records a repeated key twice and sometimes commits a write but answers an error; then
 * what Partnero holds is checked against what the workload must produce.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR, VARIANTS, type Variant } from '#bench/build.js';
import type { DrainResult } from '#bench/child/warm.js';
import { BENCH_TABLES, lambdaEnv, SECRET_PREFIX, WarmChild } from './children.js';
import { BUYERS, REFERRERS } from './fixture.js';
import type { Flow } from './flows.js';
import { bundlePath, type Context, functionNameOf, log } from './measure-context.js';
import { checkState, generateWorkload, type Workload } from './orders-workload.js';
import { round, summarize } from './stats.js';

/** The faults of the order-events run: writes that land although the answer says otherwise. */
export const ORDER_FAULTS = {
  rules: [{ match: 'POST /v1/transactions', rate: 0.03, kinds: ['commit-500', 'commit-drop'] }],
};
const BATCH_SIZE = 10;
const MAX_RECEIVES = 5;

const dynamoCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .filter(([target]) => target.startsWith('DynamoDB_20120810.'))
    .reduce((sum, [, n]) => sum + n, 0);

/** What Partnero holds after a drain: its request counts, every transaction key, the referrers' balances. */
export async function observePartnero(ctx: Context) {
  const requests = (await ctx.fixture.control('GET', '/requests')) as {
    total: number;
    byRoute: Record<string, number>;
  };
  const state = (await ctx.fixture.control('GET', '/state')) as { transactions: { key: string }[] };
  const balances = new Map<string, number>();
  for (const referrer of REFERRERS) {
    const answer = await ctx.fixture.api('GET', `/customers/${referrer}/balance`);
    // Partnero's balance: one entry per unit (`balance.currency`); the bench pays in one currency.
    const units = (answer.body as { data?: { balance?: { currency?: { amount: number }[] } } })?.data?.balance
      ?.currency;
    if (Array.isArray(units)) {
      balances.set(referrer, Math.round(units.reduce((sum, u) => sum + u.amount, 0) * 100) / 100);
    }
  }
  return { requests, transactionKeys: state.transactions.map((t) => t.key), balances };
}

/** Drains the workload through one variant's container, faults on; what it did and what Partnero holds. */
async function drainVariant(ctx: Context, flow: Flow, variant: Variant, file: string) {
  const ddbBefore = dynamoCalls(ctx.aws.calls);
  const functionName = functionNameOf(flow, variant);
  const secretId = `${SECRET_PREFIX}orders/${variant}`;
  const child = new WarmChild(
    `orders ${variant}`,
    secretId,
    lambdaEnv(ctx.endpoints, functionName, secretId),
  );
  try {
    await child.request({ cmd: 'load', bundle: bundlePath(variant, flow.bundles[variant]), functionName });
    await ctx.fixture.control('POST', '/requests/reset');
    // Partnero as it really is: a repeated key is a second transaction, and some writes commit but
    // answer 500 or drop the connection (the consumer must look them up, never send them twice).
    await ctx.fixture.control('POST', '/faults', ORDER_FAULTS);
    const drained = await child.request<DrainResult>({
      cmd: 'drain',
      file,
      batchSize: BATCH_SIZE,
      maxReceives: MAX_RECEIVES,
    });
    await ctx.fixture.control('DELETE', '/faults');
    const dynamoCallsUsed = dynamoCalls(ctx.aws.calls) - ddbBefore;
    const observed = await observePartnero(ctx);
    return { drained, dynamoCallsUsed, observed, secretId };
  } finally {
    await child.close();
  }
}

async function measureOrdersVariant(
  ctx: Context,
  flow: Flow,
  variant: Variant,
  workload: Workload,
  file: string,
) {
  ctx.fixture.restore();
  // Each variant starts from an empty ledger, as a fresh deployment would.
  ctx.aws.dynamodb.table(BENCH_TABLES.orderLedger).clear();
  const sentBefore = ctx.aws.sentMessages.length;
  const { drained, dynamoCallsUsed, observed, secretId } = await drainVariant(ctx, flow, variant, file);
  const check = checkState(workload.expected, observed, REFERRERS);
  const parked = ctx.aws.sentMessages.length - sentBefore;
  const problems = [...check.problems];
  if (parked) problems.push(`${parked} messages parked in the DLQ`);
  if (drained.deadLetters.length)
    problems.push(`${drained.deadLetters.length} messages failed ${MAX_RECEIVES} times (lost)`);
  const total = workload.messages.length;
  const handlerSeconds = drained.timings.reduce((a, b) => a + b, 0) / 1000;
  const { requests } = observed;
  // The peer is the seed-guide code as written: its wrong result is a finding, not a harness failure.
  if (problems.length && variant !== 'peer') {
    ctx.failures.push(`order events (${variant}) INCORRECT: ${problems.join('; ')}`);
  }
  if (drained.failedInvocations) {
    log(
      `orders ${variant}: ${drained.failedInvocations} invocations had failures: ${drained.firstFailure ?? ''}`,
    );
  }
  log(`orders: ${variant} done (${problems.length ? 'INCORRECT' : 'correct'})`);
  return {
    correct: problems.length === 0,
    problems,
    eventsPerSecond: round(total / handlerSeconds, 1),
    wallEventsPerSecond: round(total / (drained.wallMs / 1000), 1),
    batchMs: summarize(drained.timings),
    invocations: drained.timings.length,
    partneroCalls: requests.total,
    partneroCallsPerEvent: round(requests.total / total, 3),
    partneroCallsByRoute: requests.byRoute,
    dynamoCalls: dynamoCallsUsed,
    dynamoCallsPerEvent: round(dynamoCallsUsed / total, 3),
    secretsManagerCalls: ctx.aws.secretReads.get(secretId) ?? 0,
    redeliveries: drained.redeliveries,
    lost: check.missing + parked + drained.deadLetters.length,
    duplicated: check.duplicated,
    unexpected: check.unexpected,
    wrongBalances: check.wrongBalances,
  };
}

export async function measureOrders(ctx: Context, ordersFlow: Flow) {
  const workload = generateWorkload({ messages: ctx.settings.orderMessages, buyers: BUYERS });
  const file = join(OUT_DIR, 'events', 'order-messages.json');
  writeFileSync(file, JSON.stringify(workload.messages));
  const total = workload.messages.length;
  const variants: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    variants[variant] = await measureOrdersVariant(ctx, ordersFlow, variant, workload, file);
  }
  return {
    messages: total,
    batchSize: BATCH_SIZE,
    placed: workload.counts.placed,
    refunded: workload.counts.refunded,
    duplicates: workload.counts.duplicates,
    duplicateRate: round(workload.counts.duplicates / total, 4),
    duplicatesAfterRefund: workload.counts.duplicatesAfterRefund,
    distinctCustomersPerBatch: round(workload.counts.distinctCustomersPerBatch, 2),
    expectedTransactions: workload.expected.transactions.size,
    faults: ORDER_FAULTS.rules,
    variants,
  };
}
