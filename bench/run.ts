/**
 * `npm run bench` — measures this project against the floor (the least code doing the same work) and
 * the peer (the seed-guide Express app), side by side in one run on one machine, and marks every
 * budget of design.md met or missed. `npm run bench -- --quick` does the same with fewer runs (CI).
 *
 * Exit code: non-zero on a crashed run, a failed correctness check or a bundle over its size budget;
 * never because of a timing (timings on shared machines are noise; ratios are the claim).
 *
 * Options: --quick, --cold-runs=N, --warm=N, --events=N, --flows=signup,dashboard,orders,credit (a subset),
 * --no-write (keep bench/results untouched).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '#local/sandbox/index.js';
import { BENCH_DIR, type BundleInfo, buildAll, OUT_DIR, type Variant } from './build.js';
import {
  BENCH_TABLES,
  type ColdResult,
  coldStart,
  type Endpoints,
  killAllChildren,
  lambdaEnv,
  SECRET_PREFIX,
  SECRET_TTL_SECONDS,
  WarmChild,
} from './lib/children.js';
import { BUYERS, DASHBOARD_USER, type Fixture, REFERRERS, seedFixture } from './lib/fixture.js';
import { type Flow, flows } from './lib/flows.js';
import { startLocalAws } from './lib/local-aws.js';
import { machine } from './lib/machine.js';
import { checkState, generateWorkload } from './lib/orders-workload.js';
import { type BenchResults, budgetsOf, bundleRows, renderMarkdown } from './lib/report.js';
import { round, type Summary, summarize } from './lib/stats.js';

const VARIANTS: readonly Variant[] = ['project', 'floor', 'peer'];

interface Settings {
  mode: 'full' | 'quick';
  /** Only these flows (`--flows=credit,signup`); all when empty. */
  flows: string[];
  coldRuns: number;
  coldWarmup: boolean;
  warmInvocations: number;
  warmup: number;
  chunk: number;
  fanout: number;
  orderMessages: number;
}

function settingsFrom(argv: readonly string[]): Settings & { write: boolean } {
  const quick = argv.includes('--quick');
  const number = (name: string, fallback: number) => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    mode: quick ? 'quick' : 'full',
    coldRuns: number('cold-runs', quick ? 3 : 20),
    warmInvocations: number('warm', quick ? 150 : 2000),
    warmup: quick ? 20 : 100,
    // One unrecorded start per bundle first (file into the page cache); CI's quick run skips it.
    coldWarmup: !quick,
    chunk: quick ? 50 : 250,
    fanout: quick ? 8 : 30,
    orderMessages: number('events', quick ? 1000 : 10_000),
    flows:
      argv
        .find((a) => a.startsWith('--flows='))
        ?.slice('--flows='.length)
        .split(',') ?? [],
    write: !argv.includes('--no-write'),
  };
}

/** [a, b, c] rotated by n: interleaving order changes every round, so no variant always goes first. */
const rotated = <T>(list: readonly T[], n: number): T[] =>
  list.map((_, i) => list[(i + n) % list.length] as T);

const bundlePath = (variant: Variant, name: string) => join(OUT_DIR, 'bundles', variant, `${name}.mjs`);
const functionNameOf = (flow: Flow, variant: Variant) => `bench-${variant}-${flow.bundles[variant]}`;

const startedAt = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

interface Context {
  settings: Settings;
  endpoints: Endpoints;
  fixture: Fixture;
  aws: Awaited<ReturnType<typeof startLocalAws>>;
  sandboxApiKey: string;
  failures: string[];
}

// ---------------------------------------------------------------------------------------------- cold

type ColdSample = Pick<ColdResult, 'importMs' | 'firstInvokeMs' | 'totalMs' | 'maxRssKb'>;

async function measureCold(ctx: Context, all: Flow[]) {
  const samples = new Map<string, ColdSample[]>();
  let runs = 0;
  const once = async (flow: Flow, variant: Variant, id: string, record: boolean) => {
    ctx.fixture.restore();
    const eventFile = join(OUT_DIR, 'events', `cold-${flow.id}-${variant}.json`);
    writeFileSync(eventFile, flow.template.replaceAll('__SEQ__', id));
    const functionName = functionNameOf(flow, variant);
    const secretId = `${SECRET_PREFIX}cold/${flow.id}/${variant}/${id}`;
    const spec = {
      bundle: bundlePath(variant, flow.bundles[variant]),
      eventFile,
      functionName,
      requestId: `cold-${id}`,
      kind: flow.kind,
    };
    let result: ColdResult;
    try {
      result = await coldStart(spec, lambdaEnv(ctx.endpoints, functionName, secretId));
    } catch (error) {
      ctx.failures.push(`cold start ${variant} ${flow.id} crashed: ${(error as Error).message}`);
      return;
    }
    if (!result.ok) {
      ctx.failures.push(
        `cold start ${variant} ${flow.id} failed (${String(result.status)}): ${result.body ?? ''} ${result.stderr ?? ''}`.slice(
          0,
          2000,
        ),
      );
      return;
    }
    if (!record) return;
    runs += 1;
    const key = `${flow.id}/${variant}`;
    samples.set(key, [...(samples.get(key) ?? []), result]);
  };

  // One unrecorded start per bundle first, so no variant pays for reading its file from disk.
  for (const flow of all)
    for (const variant of VARIANTS) await once(flow, variant, `warmup-${variant[0]}`, false);
  for (let round = 0; round < ctx.settings.coldRuns; round++) {
    for (const flow of all) {
      for (const variant of rotated(VARIANTS, round + all.indexOf(flow))) {
        await once(flow, variant, `c${round}${variant[0]}`, true);
      }
    }
    log(`cold start: round ${round + 1}/${ctx.settings.coldRuns}`);
  }

  const summaries: Record<string, Record<string, Record<string, Summary>>> = {};
  for (const flow of all) {
    summaries[flow.id] = {};
    for (const variant of VARIANTS) {
      const list = samples.get(`${flow.id}/${variant}`) ?? [];
      (summaries[flow.id] as Record<string, Record<string, Summary>>)[variant] = {
        importMs: summarize(list.map((s) => s.importMs)),
        firstInvokeMs: summarize(list.map((s) => s.firstInvokeMs)),
        totalMs: summarize(list.map((s) => s.totalMs)),
        maxRssMb: summarize(list.map((s) => s.maxRssKb / 1024)),
      };
    }
  }
  // Every sample in run order (import ms, first-invocation ms), for auditing a surprising median.
  const raw = Object.fromEntries(
    [...samples].map(([key, list]) => [
      key,
      list.map((x) => [round(x.importMs, 1), round(x.firstInvokeMs, 1)]),
    ]),
  );
  return { runsPerVariant: ctx.settings.coldRuns, recordedRuns: runs, flows: summaries, samples: raw };
}

// ---------------------------------------------------------------------------------------------- warm

interface RunResult {
  timings: number[];
  failures: number;
  firstFailure?: string;
  cpuMicros: number;
}

async function startContainers(ctx: Context, flow: Flow, tag: string) {
  const children = new Map<Variant, WarmChild>();
  for (const variant of VARIANTS) {
    const functionName = functionNameOf(flow, variant);
    const secretId = `${SECRET_PREFIX}${tag}/${flow.id}/${variant}`;
    const child = new WarmChild(
      `${tag} ${variant} ${flow.id}`,
      secretId,
      lambdaEnv(ctx.endpoints, functionName, secretId),
    );
    children.set(variant, child);
    await child.request({ cmd: 'load', bundle: bundlePath(variant, flow.bundles[variant]), functionName });
  }
  return children;
}

async function measureWarm(ctx: Context, all: Flow[]) {
  const { warmInvocations, warmup, chunk } = ctx.settings;
  const perFlow: Record<string, Record<string, unknown>> = {};
  const secretReads: Record<string, Record<string, unknown>> = {};
  let fanout: Record<string, unknown> | undefined;

  for (const flow of all) {
    const children = await startContainers(ctx, flow, 'warm');
    const timings = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
    const cpuMicros = new Map<Variant, number>(VARIANTS.map((v) => [v, 0]));
    /** AWS calls (by X-Amz-Target) and Partnero calls made by the recorded invocations, per variant. */
    const calls = new Map<Variant, Map<string, number>>(VARIANTS.map((v) => [v, new Map()]));
    let invocations = 0;
    const run = async (variant: Variant, n: number, prefix: string, record: boolean) => {
      ctx.fixture.restore();
      const child = children.get(variant) as WarmChild;
      const awsBefore = { ...ctx.aws.calls };
      const result = await child.request<RunResult>({
        cmd: 'run',
        template: flow.template,
        n,
        idPrefix: prefix,
        kind: flow.kind,
      });
      if (record) {
        const counted = calls.get(variant) as Map<string, number>;
        counted.set('Partnero', (counted.get('Partnero') ?? 0) + ctx.fixture.partneroRequests());
        for (const [target, count] of Object.entries(ctx.aws.calls)) {
          const delta = count - (awsBefore[target] ?? 0);
          if (delta > 0) counted.set(target, (counted.get(target) ?? 0) + delta);
        }
      }
      invocations += n;
      if (result.failures > 0) {
        ctx.failures.push(
          `warm ${variant} ${flow.id}: ${result.failures}/${n} invocations failed: ${result.firstFailure ?? ''}`.slice(
            0,
            2000,
          ),
        );
      }
      if (record) {
        timings.get(variant)?.push(...result.timings);
        cpuMicros.set(variant, (cpuMicros.get(variant) ?? 0) + result.cpuMicros);
      }
    };
    for (const variant of VARIANTS) await run(variant, warmup, `wu-${variant[0]}-`, false);
    const chunks = Math.ceil(warmInvocations / chunk);
    for (let c = 0; c < chunks; c++) {
      const n = Math.min(chunk, warmInvocations - c * chunk);
      for (const variant of rotated(VARIANTS, c)) await run(variant, n, `w${c}-${variant[0]}-`, true);
    }
    perFlow[flow.id] = Object.fromEntries(
      VARIANTS.map((v) => {
        const child = children.get(v) as WarmChild;
        const logBytes = child.logBytes / (invocations / VARIANTS.length);
        const recorded = timings.get(v)?.length ?? 0;
        const callsPerInvocation = Object.fromEntries(
          [...(calls.get(v) ?? [])].map(([target, count]) => [
            target,
            round(count / Math.max(1, recorded), 2),
          ]),
        );
        return [
          v,
          {
            ...summarize(timings.get(v) ?? []),
            cpuMsPerInvocation: round((cpuMicros.get(v) ?? 0) / 1000 / Math.max(1, recorded), 3),
            logBytesPerInvocation: Math.round(logBytes),
            callsPerInvocation,
          },
        ];
      }),
    );
    log(`warm: ${flow.id} done`);

    if (flow.id === 'dashboard') fanout = await measureFanout(ctx, flow, children);

    secretReads[flow.id] = {};
    for (const variant of VARIANTS) {
      const child = children.get(variant) as WarmChild;
      const lifetimeSeconds = (Date.now() - child.startedAt) / 1000;
      (secretReads[flow.id] as Record<string, unknown>)[variant] = {
        calls: ctx.aws.secretReads.get(child.secretId) ?? 0,
        lifetimeSeconds: round(lifetimeSeconds, 1),
        cachePeriods: Math.max(1, Math.ceil(lifetimeSeconds / SECRET_TTL_SECONDS)),
        invocations: invocations / VARIANTS.length,
      };
      await child.close();
    }
  }
  return { invocationsPerRoute: warmInvocations, warmup, flows: perFlow, secretReads, fanout };
}

/** Partnero answers every call after 50 ms: the dashboard should take one call's time, not four. */
async function measureFanout(ctx: Context, flow: Flow, children: Map<Variant, WarmChild>) {
  const LATENCY_MS = 50;
  await ctx.fixture.control('POST', '/latency', { ms: LATENCY_MS });
  const probe: number[] = [];
  const dashboards = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const floor = children.get('floor') as WarmChild;
  try {
    for (let i = 0; i < ctx.settings.fanout; i++) {
      const single = await floor.request<{ timings: number[] }>({
        cmd: 'probe',
        url: `${ctx.endpoints.partneroApiUrl}/customers/${DASHBOARD_USER}`,
        authorization: `Bearer ${ctx.sandboxApiKey}`,
        n: 1,
      });
      probe.push(...single.timings);
      for (const variant of rotated(VARIANTS, i)) {
        const child = children.get(variant) as WarmChild;
        const result = await child.request<RunResult>({
          cmd: 'run',
          template: flow.template,
          n: 1,
          idPrefix: `fan${i}-`,
          kind: 'http',
        });
        if (result.failures) ctx.failures.push(`fan-out ${variant}: ${result.firstFailure ?? 'failed'}`);
        dashboards.get(variant)?.push(...result.timings);
      }
    }
  } finally {
    await ctx.fixture.control('POST', '/latency', { ms: 0 });
  }
  log('fan-out done');
  return {
    latencyMs: LATENCY_MS,
    samples: ctx.settings.fanout,
    oneCall: summarize(probe),
    dashboard: Object.fromEntries(VARIANTS.map((v) => [v, summarize(dashboards.get(v) ?? [])])),
  };
}

// -------------------------------------------------------------------------------------------- orders

/** The faults of the order-events run: writes that land although the answer says otherwise. */
const ORDER_FAULTS = {
  rules: [{ match: 'POST /v1/transactions', rate: 0.03, kinds: ['commit-500', 'commit-drop'] }],
};

const dynamoCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .filter(([target]) => target.startsWith('DynamoDB_20120810.'))
    .reduce((sum, [, n]) => sum + n, 0);

async function measureOrders(ctx: Context, ordersFlow: Flow) {
  const workload = generateWorkload({ messages: ctx.settings.orderMessages, buyers: BUYERS });
  const file = join(OUT_DIR, 'events', 'order-messages.json');
  writeFileSync(file, JSON.stringify(workload.messages));
  const total = workload.messages.length;
  const results: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    ctx.fixture.restore();
    // Each variant starts from an empty ledger, as a fresh deployment would.
    ctx.aws.dynamodb.table(BENCH_TABLES.orderLedger).clear();
    const sentBefore = ctx.aws.sentMessages.length;
    const ddbBefore = dynamoCalls(ctx.aws.calls);
    const functionName = functionNameOf(ordersFlow, variant);
    const secretId = `${SECRET_PREFIX}orders/${variant}`;
    const child = new WarmChild(
      `orders ${variant}`,
      secretId,
      lambdaEnv(ctx.endpoints, functionName, secretId),
    );
    try {
      await child.request({
        cmd: 'load',
        bundle: bundlePath(variant, ordersFlow.bundles[variant]),
        functionName,
      });
      await ctx.fixture.control('POST', '/requests/reset');
      // Partnero as it really is: a repeated key is a second transaction, and some writes commit but
      // answer 500 or drop the connection (the consumer must look them up, never send them twice).
      await ctx.fixture.control('POST', '/faults', ORDER_FAULTS);
      const drained = await child.request<{
        timings: number[];
        wallMs: number;
        failedInvocations: number;
        firstFailure?: string;
        redeliveries: number;
        deadLetters: string[];
      }>({ cmd: 'drain', file, batchSize: 10, maxReceives: 5 });
      await ctx.fixture.control('DELETE', '/faults');
      const dynamoCallsUsed = dynamoCalls(ctx.aws.calls) - ddbBefore;
      const requests = (await ctx.fixture.control('GET', '/requests')) as {
        total: number;
        byRoute: Record<string, number>;
      };
      const state = (await ctx.fixture.control('GET', '/state')) as { transactions: { key: string }[] };
      const balances = new Map<string, number>();
      for (const referrer of REFERRERS) {
        const answer = await ctx.fixture.api('GET', `/customers/${referrer}/balance`);
        const balance = (answer.body as { data?: { balance?: number } })?.data?.balance;
        if (typeof balance === 'number') balances.set(referrer, balance);
      }
      const check = checkState(
        workload.expected,
        { transactionKeys: state.transactions.map((t) => t.key), balances },
        REFERRERS,
      );
      const parked = ctx.aws.sentMessages.length - sentBefore;
      const problems = [...check.problems];
      if (parked) problems.push(`${parked} messages parked in the DLQ`);
      if (drained.deadLetters.length)
        problems.push(`${drained.deadLetters.length} messages failed ${5} times (lost)`);
      const handlerSeconds = drained.timings.reduce((a, b) => a + b, 0) / 1000;
      results[variant] = {
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
    } finally {
      await child.close();
    }
  }
  return {
    messages: total,
    batchSize: 10,
    placed: workload.counts.placed,
    refunded: workload.counts.refunded,
    duplicates: workload.counts.duplicates,
    duplicateRate: round(workload.counts.duplicates / total, 4),
    duplicatesAfterRefund: workload.counts.duplicatesAfterRefund,
    distinctCustomersPerBatch: round(workload.counts.distinctCustomersPerBatch, 2),
    expectedTransactions: workload.expected.transactions.size,
    faults: ORDER_FAULTS.rules,
    variants: results,
  };
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  const { write, ...settings } = settingsFrom(process.argv.slice(2));
  const started = Date.now();
  const environment = machine();
  log(`${settings.mode} run on ${environment.cpu} ×${environment.cores}, Node ${environment.node}`);

  log('bundling with infra/bundling.ts…');
  const bundles: BundleInfo[] = await buildAll();
  mkdirSync(join(OUT_DIR, 'events'), { recursive: true });
  log(`${bundles.length} bundles built`);

  const sandbox = await startSandbox({ port: 0 });
  const secret = JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_benchmark' });
  const aws = await startLocalAws({ secretFor: (id) => (id.startsWith(SECRET_PREFIX) ? secret : undefined) });
  const failures: string[] = [];
  let cold: Awaited<ReturnType<typeof measureCold>> | undefined;
  let warm: Awaited<ReturnType<typeof measureWarm>> | undefined;
  let orders: Awaited<ReturnType<typeof measureOrders>> | undefined;
  try {
    const fixture = await seedFixture(sandbox);
    log('sandbox seeded');
    const ctx: Context = {
      settings,
      endpoints: { partneroApiUrl: sandbox.apiUrl, awsUrl: aws.url },
      fixture,
      aws,
      sandboxApiKey: sandbox.apiKey,
      failures,
    };
    const all = flows().filter((f) => settings.flows.length === 0 || settings.flows.includes(f.id));
    cold = await measureCold(ctx, all);
    warm = await measureWarm(ctx, all);
    const ordersFlow = all.find((f) => f.id === 'orders');
    if (ordersFlow) orders = await measureOrders(ctx, ordersFlow);
  } catch (error) {
    failures.push(`harness crashed: ${(error as Error).stack ?? error}`);
  } finally {
    killAllChildren();
    await sandbox.close();
    await aws.close();
  }

  const results: BenchResults = {
    machine: { ...environment, loadAverage1mAtEnd: machine().loadAverage1m },
    mode: settings.mode,
    settings,
    durationSeconds: round((Date.now() - started) / 1000, 1),
    bundles: bundleRows(bundles),
    coldStart: cold,
    warm,
    orders,
    budgets: [],
    failures,
  };
  results.budgets = budgetsOf(results);
  const markdown = renderMarkdown(results);
  process.stdout.write(`${markdown}\n`);
  if (write) {
    mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
    const name = settings.mode === 'full' ? 'latest' : 'latest-quick';
    writeFileSync(join(BENCH_DIR, 'results', `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(BENCH_DIR, 'results', `${name}.md`), `${markdown}\n`);
    log(`wrote bench/results/${name}.json and .md`);
  }

  const oversized = results.bundles.filter((b) => b.verdict === 'missed');
  for (const b of oversized) log(`FAIL bundle ${b.name}: ${b.ratio}× the floor (budget 1.5×)`);
  for (const f of failures) log(`FAIL ${f}`);
  log(`done in ${results.durationSeconds} s`);
  return failures.length > 0 || oversized.length > 0 ? 1 : 0;
}

// Exit explicitly: nothing the harness started may keep it alive (CI must never hang on it).
process.exit(await main());
