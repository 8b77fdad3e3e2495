/**
 * The order pipeline's throughput ceiling: the project's consumer bundle in N warm
 * containers draining ONE shared simulated queue (`pooled-drain.ts`, batch item failures
 * redelivered), Partnero (the sandbox) answering every call in 100 ms, with and without its rate
 * limit, the order ledger in the local DynamoDB. Each cell of the grid (`throughput-cells.ts`) is
 * checked as the orders measurement is (every expected transaction exactly once), and set beside the
 * simple model (`throughput-model.ts`). Reported only: no timing here fails the run.
 */
import { cpus } from 'node:os';
import type { BatchResult, RunResult } from '#bench/child/warm.js';
import { BENCH_TABLES, lambdaEnv, SECRET_PREFIX, WarmChild } from './children.js';
import { BUYERS, REFERRERS } from './fixture.js';
import type { Flow } from './flows.js';
import { bundlePath, type Context, functionNameOf, log } from './measure-context.js';
import { observePartnero } from './measure-orders.js';
import { checkState, generateWorkload, type WorkloadMessage } from './orders-workload.js';
import { pooledDrain } from './pooled-drain.js';
import { round, summarize } from './stats.js';
import {
  CONSUMER_TIMEOUT_MS,
  cellLabel,
  MAX_RECEIVES,
  messagesFor,
  THROUGHPUT_LATENCY_MS,
  type ThroughputCell,
  throughputGrid,
} from './throughput-cells.js';
import { type ModelPrediction, predict, type WorkloadShape, workloadShape } from './throughput-model.js';
import { throughputRow } from './throughput-row.js';

/** N warm containers of the project's consumer, each with its own SecretId, warmed by two batches. */
async function startPool(ctx: Context, flow: Flow, size: number): Promise<WarmChild[]> {
  const functionName = functionNameOf(flow, 'project');
  const children = Array.from({ length: size }, (_, i) => {
    const secretId = `${SECRET_PREFIX}throughput/${i}`;
    return new WarmChild(`throughput ${i}`, secretId, lambdaEnv(ctx.endpoints, functionName, secretId));
  });
  const bundle = bundlePath('project', flow.bundles.project);
  await Promise.all(children.map((c) => c.request({ cmd: 'load', bundle, functionName })));
  await Promise.all(
    children.map(async (c, i) => {
      const warm = await c.request<RunResult>({
        cmd: 'run',
        template: flow.template,
        n: 2,
        idPrefix: `tp-warm-${i}-`,
        kind: 'sqs',
      });
      if (warm.failures) throw new Error(`throughput container ${i} warm-up failed: ${warm.firstFailure}`);
    }),
  );
  return children;
}

/** Partnero as the cell wants it: seeded state, empty ledger, latency, rate limit (or none). */
async function prepare(ctx: Context, latencyMs: number, rateLimit?: number) {
  ctx.fixture.restore();
  ctx.aws.dynamodb.table(BENCH_TABLES.orderLedger).clear();
  await ctx.fixture.control('DELETE', '/faults');
  await ctx.fixture.control('POST', '/latency', { ms: latencyMs });
  if (rateLimit === undefined) await ctx.fixture.control('DELETE', '/rate-limit');
  else await ctx.fixture.control('PUT', '/rate-limit', { requestsPerSecond: rateLimit });
}

/** Partnero's 429s so far, then latency and rate limit off again. */
async function unprepare(ctx: Context): Promise<number> {
  const { limited } = (await ctx.fixture.control('GET', '/rate-limit')) as { limited: number };
  await ctx.fixture.control('DELETE', '/rate-limit');
  await ctx.fixture.control('POST', '/latency', { ms: 0 });
  return limited;
}

function drainWith(
  children: readonly WarmChild[],
  cell: ThroughputCell,
  messages: Parameters<typeof pooledDrain>[0]['messages'],
) {
  return pooledDrain({
    messages,
    workers: cell.concurrency,
    batchSize: cell.batchSize,
    maxReceives: MAX_RECEIVES,
    invoke: (worker, batch) =>
      (children[worker] as WarmChild).request<BatchResult>({
        cmd: 'batch',
        messages: batch,
        timeoutMs: CONSUMER_TIMEOUT_MS,
      }),
  });
}

/** Mean batch time of one container with Partnero answering at once: the model's local work. */
async function calibrate(ctx: Context, children: readonly WarmChild[], batchSize: number) {
  const batches = ctx.settings.mode === 'full' ? 40 : 15;
  const workload = generateWorkload({ messages: batches * batchSize, buyers: BUYERS });
  await prepare(ctx, 0);
  const drained = await drainWith(children, { concurrency: 1, batchSize }, workload.messages);
  await unprepare(ctx);
  const mean = drained.batchMs.reduce((a, b) => a + b, 0) / drained.batchMs.length;
  return {
    batchSize,
    batches: drained.invocations,
    meanMs: round(mean),
    medianMs: round(summarize(drained.batchMs).median),
  };
}

interface CellContext {
  ctx: Context;
  children: readonly WarmChild[];
  localBatchMs: Map<number, number>;
  referenceShapes: Map<number, WorkloadShape>;
}

/** Busy and total CPU time of the whole machine (every process, other tenants' too), in ms. */
function machineCpu() {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

/**
 * The timed drain of one cell, then an operator's redrive of what it dead-lettered (Partnero
 * unthrottled), so the state checked afterwards must be exact whatever the throttling did.
 */
async function drainCell(cc: CellContext, cell: ThroughputCell, messages: WorkloadMessage[]) {
  const { ctx, children } = cc;
  await prepare(ctx, THROUGHPUT_LATENCY_MS, cell.rateLimit);
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const drained = await drainWith(children, cell, messages);
  const harness = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpu();
  const throttled = await unprepare(ctx);
  const requests = ctx.fixture.partneroRequests();
  const dead = new Set(drained.deadLetters);
  const redrive = await drainWith(
    children,
    cell,
    messages.filter((m) => dead.has(m.messageId)),
  );
  return {
    drained,
    redriveLost: redrive.deadLetters.length,
    throttled,
    requests,
    harnessCpuMicros: harness.user + harness.system,
    machineBusy:
      (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

function problemsOf(
  cell: ThroughputCell,
  run: Awaited<ReturnType<typeof drainCell>>,
  check: ReturnType<typeof checkState>,
  parked: number,
) {
  const problems = [...check.problems];
  if (parked) problems.push(`${parked} messages parked in the DLQ`);
  if (run.redriveLost)
    problems.push(`${run.redriveLost} messages failed ${MAX_RECEIVES} times again after a redrive (lost)`);
  // Without a rate limit nothing has a reason to fail five times.
  if (cell.rateLimit === undefined && run.drained.deadLetters.length)
    problems.push(`${run.drained.deadLetters.length} messages dead-lettered without a rate limit`);
  return problems;
}

async function measureCell(cc: CellContext, cell: ThroughputCell) {
  const { ctx } = cc;
  const localBatchMs = cc.localBatchMs.get(cell.batchSize) as number;
  const modelOf = (shape: WorkloadShape): ModelPrediction =>
    predict({ ...cell, localBatchMs, latencyMs: THROUGHPUT_LATENCY_MS, shape });
  const planned = modelOf(cc.referenceShapes.get(cell.batchSize) as WorkloadShape);
  const bounds = ctx.settings.mode === 'full' ? { min: 200, max: 8000 } : { min: 100, max: 2000 };
  const total = messagesFor(cell, planned.eventsPerSecond, ctx.settings.throughputSeconds, bounds);
  const workload = generateWorkload({ messages: total, buyers: BUYERS });
  const shape = workloadShape(workload.messages, cell.batchSize);

  const sentBefore = ctx.aws.sentMessages.length;
  const run = await drainCell(cc, cell, workload.messages);
  const check = checkState(workload.expected, await observePartnero(ctx), REFERRERS);
  const parked = ctx.aws.sentMessages.length - sentBefore;
  const problems = problemsOf(cell, run, check, parked);
  if (problems.length) ctx.failures.push(`throughput ${cellLabel(cell)} INCORRECT: ${problems.join('; ')}`);
  const row = throughputRow({
    ...run,
    cell,
    messages: total,
    cores: cpus().length,
    model: { ...modelOf(shape), shape, localBatchMs },
    check: {
      problems,
      lost: check.missing + parked + run.redriveLost,
      duplicated: check.duplicated + check.unexpected,
    },
  });
  log(
    `throughput ${cellLabel(cell)}: ${row.eventsPerSecond} events/s (model ${row.model.eventsPerSecond}), ` +
      `${run.throttled} × 429, ${row.deadLettered} dead-lettered, ${problems.length ? 'INCORRECT' : 'correct'}`,
  );
  return row;
}

export async function measureThroughput(ctx: Context, ordersFlow: Flow) {
  const grid = throughputGrid(ctx.settings.mode);
  const children = await startPool(ctx, ordersFlow, Math.max(...grid.map((c) => c.concurrency)));
  try {
    const batchSizes = [...new Set(grid.map((c) => c.batchSize))];
    const calibration = [];
    for (const batchSize of batchSizes) calibration.push(await calibrate(ctx, children, batchSize));
    log(
      `throughput: local batch time ${calibration.map((c) => `${c.batchSize}: ${c.meanMs} ms`).join(', ')}`,
    );
    const reference = generateWorkload({ messages: 2000, buyers: BUYERS }).messages;
    const cc: CellContext = {
      ctx,
      children,
      localBatchMs: new Map(calibration.map((c) => [c.batchSize, c.meanMs])),
      referenceShapes: new Map(batchSizes.map((b) => [b, workloadShape(reference, b)])),
    };
    const rows = [];
    for (const cell of grid) rows.push(await measureCell(cc, cell));
    return {
      latencyMs: THROUGHPUT_LATENCY_MS,
      maxReceives: MAX_RECEIVES,
      consumerTimeoutMs: CONSUMER_TIMEOUT_MS,
      secondsPerCell: ctx.settings.throughputSeconds,
      cores: cpus().length,
      calibration,
      rows,
    };
  } finally {
    await Promise.all(children.map((c) => c.close()));
  }
}
