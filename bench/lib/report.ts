/**
 * Turns the measurements into budget verdicts (design.md, "Performance budgets") and the Markdown
 * table printed on stdout and written to bench/results/latest.md. Pure: no I/O.
 */
import type { BundleInfo, InputSize, Variant } from '#bench/build.js';
import { FLOOR_OF_ENTRY } from '#bench/build.js';
import { allOf, atMost, kib, ratio, round, type Summary, times, type Verdict } from './stats.js';

/** The budgets, as design.md states them. */
export const LIMITS = {
  coldStartVsFloor: 1.3,
  warmVsFloor: 1.2,
  dashboardVsOneCall: 1.3,
  bundleVsFloor: 1.5,
  partneroCallsPerEvent: 1,
  dynamoCallsPerEvent: 2,
} as const;

export interface BundleRow extends Omit<BundleInfo, 'outfile'> {
  /** The floor bundle it is compared with (same work, same AWS clients). */
  floor?: string;
  ratio?: number;
  gzipRatio?: number;
  sameAwsClients?: boolean;
  verdict?: Verdict;
}

type PerVariant<T> = Record<Variant, T>;

export interface ColdFlow {
  importMs: Summary;
  firstInvokeMs: Summary;
  totalMs: Summary;
  maxRssMb: Summary;
}

export interface WarmFlow extends Summary {
  /** Mean CPU (all threads) per invocation: the overhead without the sandbox's round trip. */
  cpuMsPerInvocation: number;
  logBytesPerInvocation: number;
  /** Partnero and AWS calls (by X-Amz-Target) per invocation. */
  callsPerInvocation: Record<string, number>;
}

export interface SecretReads {
  calls: number;
  lifetimeSeconds: number;
  cachePeriods: number;
  invocations: number;
}

export interface OrdersVariant {
  correct: boolean;
  problems: string[];
  eventsPerSecond: number;
  wallEventsPerSecond: number;
  batchMs: Summary;
  invocations: number;
  partneroCalls: number;
  partneroCallsPerEvent: number;
  partneroCallsByRoute: Record<string, number>;
  dynamoCalls: number;
  dynamoCallsPerEvent: number;
  secretsManagerCalls: number;
  redeliveries: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  wrongBalances: number;
}

export interface Budget {
  budget: string;
  subject: string;
  value: number;
  display: string;
  limit: string;
  verdict: Verdict;
  note?: string;
}

export interface BenchResults {
  machine: Record<string, unknown>;
  mode: 'full' | 'quick';
  settings: Record<string, unknown>;
  durationSeconds: number;
  bundles: BundleRow[];
  coldStart?: {
    runsPerVariant: number;
    recordedRuns: number;
    flows: Record<string, unknown>;
    samples?: Record<string, number[][]>;
  };
  warm?: {
    invocationsPerRoute: number;
    warmup: number;
    flows: Record<string, unknown>;
    secretReads: Record<string, unknown>;
    fanout?: Record<string, unknown>;
  };
  orders?: Record<string, unknown> & { messages: number; variants: Record<string, unknown> };
  budgets: Budget[];
  failures: string[];
}

/** Each bundle with its floor and size ratio; project bundles get the 1.5× verdict. */
export function bundleRows(bundles: readonly BundleInfo[]): BundleRow[] {
  const floors = new Map(bundles.filter((b) => b.variant === 'floor').map((b) => [b.name, b]));
  return bundles.map(({ outfile: _outfile, ...b }) => {
    const floorName =
      b.variant === 'project' ? FLOOR_OF_ENTRY[b.name] : b.variant === 'peer' ? b.name : undefined;
    const floor = floorName ? floors.get(floorName) : undefined;
    if (!floor) return b;
    const r = ratio(b.bytes, floor.bytes);
    return {
      ...b,
      floor: floor.name,
      ratio: round(r),
      gzipRatio: round(ratio(b.gzipBytes, floor.gzipBytes)),
      sameAwsClients: b.awsClients.join() === floor.awsClients.join(),
      ...(b.variant === 'project' ? { verdict: atMost(r, LIMITS.bundleVsFloor) } : {}),
    };
  });
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value >= 100 ? 0 : 1) : '–');

/** Every budget with its measured value and verdict. Timing verdicts are reported, never enforced. */
export function budgetsOf(results: BenchResults): Budget[] {
  const budgets: Budget[] = [];
  const add = (b: Budget) => budgets.push(b);

  for (const b of results.bundles.filter((row) => row.variant === 'project' && row.ratio !== undefined)) {
    add({
      budget: 'Bundle ≤ 1.5× the floor with the same AWS clients',
      subject: `functions/${b.name}.ts`,
      value: b.ratio as number,
      display: `${kib(b.bytes)} = ${times(b.ratio as number)} ${b.floor}`,
      limit: '≤ 1.50×',
      verdict: b.verdict ?? 'n/a',
      ...(b.sameAwsClients ? {} : { note: 'AWS clients differ from the floor' }),
    });
  }

  const cold = results.coldStart?.flows as Record<string, PerVariant<ColdFlow>> | undefined;
  for (const [flow, v] of Object.entries(cold ?? {})) {
    const project = v.project.totalMs.median;
    const vsFloor = ratio(project, v.floor.totalMs.median);
    const vsPeer = ratio(project, v.peer.totalMs.median);
    add({
      budget: 'Cold start (import + first invocation) ≤ 1.3× the floor',
      subject: flow,
      value: round(vsFloor),
      display: `${ms(project)} ms = ${times(vsFloor)} floor`,
      limit: '≤ 1.30×',
      verdict: atMost(vsFloor, LIMITS.coldStartVsFloor),
    });
    add({
      budget: 'Cold start below the peer (Express + serverless-http)',
      subject: flow,
      value: round(vsPeer),
      display: `${ms(project)} ms = ${times(vsPeer)} peer`,
      limit: '< 1.00×',
      verdict: atMost(vsPeer, 1, true),
    });
  }

  const warm = results.warm?.flows as Record<string, PerVariant<WarmFlow>> | undefined;
  for (const [flow, v] of Object.entries(warm ?? {})) {
    const r = ratio(v.project.median, v.floor.median);
    add({
      budget: 'Warm overhead per invocation ≤ 1.2× the floor (median)',
      subject: flow,
      value: round(r),
      display: `${ms(v.project.median)} ms = ${times(r)} floor`,
      limit: '≤ 1.20×',
      verdict: atMost(r, LIMITS.warmVsFloor),
    });
  }

  const fanout = results.warm?.fanout as
    | { oneCall: Summary; dashboard: PerVariant<Summary>; latencyMs: number }
    | undefined;
  if (fanout) {
    const r = ratio(fanout.dashboard.project.median, fanout.oneCall.median);
    add({
      budget: `Dashboard ≤ 1.3× one Partnero call (${fanout.latencyMs} ms each)`,
      subject: 'GET /referrals/me',
      value: round(r),
      display: `${ms(fanout.dashboard.project.median)} ms ÷ ${ms(fanout.oneCall.median)} ms = ${times(r)}`,
      limit: '≤ 1.30×',
      verdict: atMost(r, LIMITS.dashboardVsOneCall),
    });
  }

  const reads = results.warm?.secretReads as Record<string, PerVariant<SecretReads>> | undefined;
  for (const [flow, v] of Object.entries(reads ?? {})) {
    add({
      budget: 'Secrets Manager ≤ 1 call per warm container per cache period',
      subject: flow,
      value: v.project.calls,
      display: `${v.project.calls} call(s) in ${v.project.invocations} invocations, ${v.project.cachePeriods} period(s)`,
      limit: `≤ ${v.project.cachePeriods}`,
      verdict: atMost(v.project.calls, v.project.cachePeriods),
    });
  }

  const project = results.orders?.variants.project as OrdersVariant | undefined;
  if (project) {
    add({
      budget: 'Order events: Partnero calls per event < 1 when customers repeat',
      subject: `${results.orders?.messages} events`,
      value: project.partneroCallsPerEvent,
      display: `${project.partneroCalls} calls = ${project.partneroCallsPerEvent.toFixed(3)} per event`,
      limit: '< 1',
      verdict: atMost(project.partneroCallsPerEvent, LIMITS.partneroCallsPerEvent, true),
    });
    add({
      budget: 'Order events: DynamoDB calls per event ≤ 2 (the ledger)',
      subject: `${results.orders?.messages} events`,
      value: project.dynamoCallsPerEvent,
      display: `${project.dynamoCalls} calls = ${project.dynamoCallsPerEvent.toFixed(3)} per event`,
      limit: '≤ 2',
      verdict: atMost(project.dynamoCallsPerEvent, LIMITS.dynamoCallsPerEvent),
    });
    add({
      budget: 'Order events: zero lost, zero duplicated, balances exact',
      subject: `${results.orders?.messages} events`,
      value: project.lost + project.duplicated + project.unexpected + project.wrongBalances,
      display: `lost ${project.lost}, duplicated ${project.duplicated}, unexpected ${project.unexpected}, wrong balances ${project.wrongBalances}`,
      limit: '0',
      verdict: project.correct ? 'met' : 'missed',
    });
  }
  return budgets;
}

const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const mark = (v: Verdict | undefined) => (v === 'met' ? '✅ met' : v === 'missed' ? '❌ missed' : (v ?? ''));
const list = (inputs: readonly InputSize[]) => inputs.map((i) => `${i.path} ${kib(i.bytes)}`).join('; ');

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# Benchmark results (${r.mode} run)`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}. Date: ${m.date}. ` +
      `Load average (1 min) ${m.loadAverage1m} at start, ${m.loadAverage1mAtEnd} at end. Run took ${r.durationSeconds} s.`,
  );
  out.push('');
  out.push(
    'Reproduce: `npm run bench` (full) or `npm run bench -- --quick`. Ratios compare variants measured in the same run, ' +
      'interleaved; absolute times depend on the machine and its load. Bundles are built with the stack’s own options ' +
      '(infra/bundling.ts).',
  );
  out.push('');
  out.push('## Budgets');
  out.push('');
  const overall = allOf(r.budgets.map((b) => b.verdict));
  out.push(
    table(
      ['Budget', 'Subject', 'Measured', 'Limit', 'Verdict'],
      r.budgets.map((b) => [
        b.budget,
        b.subject,
        b.display + (b.note ? ` (${b.note})` : ''),
        b.limit,
        mark(b.verdict),
      ]),
    ),
  );
  out.push('');
  out.push(
    `Overall: ${mark(overall)} (${r.budgets.filter((b) => b.verdict === 'met').length}/${r.budgets.length} met).`,
  );

  out.push('');
  out.push('## Bundles (minified ESM, the stack’s esbuild options)');
  out.push('');
  out.push(
    table(
      [
        'Variant',
        'Bundle',
        'Minified',
        'Gzip -9',
        'AWS clients',
        'Compared with',
        '× (minified)',
        '× (gzip)',
        'Verdict',
      ],
      r.bundles.map((b) => [
        b.variant,
        b.name,
        kib(b.bytes),
        kib(b.gzipBytes),
        b.awsClients.map((c) => c.replace('@aws-sdk/client-', '')).join(', '),
        b.floor ? `floor/${b.floor}` : '',
        b.ratio === undefined ? '' : times(b.ratio),
        b.gzipRatio === undefined ? '' : times(b.gzipRatio),
        mark(b.verdict),
      ]),
    ),
  );
  out.push('');
  out.push(
    'Largest packages and inputs per bundle (bytes in the minified output, from the esbuild metafile):',
  );
  out.push('');
  for (const b of r.bundles) {
    out.push(`- **${b.variant}/${b.name}** — packages: ${list(b.largestPackages)}`);
    out.push(`  - inputs: ${list(b.largestInputs)}`);
  }

  const cold = r.coldStart?.flows as Record<string, PerVariant<ColdFlow>> | undefined;
  if (cold) {
    out.push('');
    out.push(
      `## Cold start (fresh \`node\` process per run, ${r.coldStart?.runsPerVariant} runs per variant, interleaved; median / p90)`,
    );
    out.push('');
    const rows: string[][] = [];
    for (const [flow, v] of Object.entries(cold)) {
      for (const variant of ['project', 'floor', 'peer'] as const) {
        const s = v[variant];
        rows.push([
          flow,
          variant,
          `${ms(s.importMs.median)} / ${ms(s.importMs.p90)}`,
          `${ms(s.firstInvokeMs.median)} / ${ms(s.firstInvokeMs.p90)}`,
          `${ms(s.totalMs.median)} / ${ms(s.totalMs.p90)}`,
          times(ratio(s.importMs.median, v.floor.importMs.median)),
          times(ratio(s.totalMs.median, v.floor.totalMs.median)),
          times(ratio(s.totalMs.p90, v.floor.totalMs.p90)),
          s.maxRssMb.median.toFixed(1),
        ]);
      }
    }
    out.push(
      table(
        [
          'Flow',
          'Variant',
          'Import ms',
          'First invocation ms',
          'Import + first ms',
          'Import ÷ floor',
          'Total ÷ floor (median)',
          'Total ÷ floor (p90)',
          'Peak RSS MB',
        ],
        rows,
      ),
    );
  }

  const warm = r.warm?.flows as Record<string, PerVariant<WarmFlow>> | undefined;
  if (warm) {
    out.push('');
    out.push(
      `## Warm overhead (one container per variant, ${r.warm?.warmup} warm-up then ${r.warm?.invocationsPerRoute} invocations per route, interleaved; sandbox answering at once)`,
    );
    out.push('');
    const rows: string[][] = [];
    for (const [flow, v] of Object.entries(warm)) {
      for (const variant of ['project', 'floor', 'peer'] as const) {
        const s = v[variant];
        rows.push([
          flow,
          variant,
          ms(s.median),
          ms(s.p90),
          ms(s.p99),
          times(ratio(s.median, v.floor.median)),
          times(ratio(s.p99, v.floor.p99)),
          `${s.cpuMsPerInvocation.toFixed(2)} (${times(ratio(s.cpuMsPerInvocation, v.floor.cpuMsPerInvocation))})`,
          Object.entries(s.callsPerInvocation ?? {})
            .map(([target, n]) => `${target.replace(/^(DynamoDB_20120810|secretsmanager)\./, '')} ${n}`)
            .join(', '),
          String(s.logBytesPerInvocation),
        ]);
      }
    }
    out.push(
      table(
        [
          'Flow',
          'Variant',
          'Median ms',
          'p90 ms',
          'p99 ms',
          'Median ÷ floor',
          'p99 ÷ floor',
          'CPU ms / invocation, mean (÷ floor)',
          'Calls / invocation',
          'Log bytes / invocation',
        ],
        rows,
      ),
    );
  }

  const fanout = r.warm?.fanout as
    | { oneCall: Summary; dashboard: PerVariant<Summary>; latencyMs: number; samples: number }
    | undefined;
  if (fanout) {
    out.push('');
    out.push(
      `## Dashboard fan-out (sandbox delays every call by ${fanout.latencyMs} ms; ${fanout.samples} samples; median / p90)`,
    );
    out.push('');
    out.push(
      table(
        ['Variant', 'GET /referrals/me ms', 'One Partnero call ms', 'Ratio (median)'],
        (['project', 'floor', 'peer'] as const).map((v) => [
          v,
          `${ms(fanout.dashboard[v].median)} / ${ms(fanout.dashboard[v].p90)}`,
          `${ms(fanout.oneCall.median)} / ${ms(fanout.oneCall.p90)}`,
          times(ratio(fanout.dashboard[v].median, fanout.oneCall.median)),
        ]),
      ),
    );
  }

  const reads = r.warm?.secretReads as Record<string, PerVariant<SecretReads>> | undefined;
  if (reads) {
    out.push('');
    out.push('## Secrets Manager calls per warm container');
    out.push('');
    const rows: string[][] = [];
    for (const [flow, v] of Object.entries(reads)) {
      for (const variant of ['project', 'floor', 'peer'] as const) {
        const s = v[variant];
        rows.push([
          flow,
          variant,
          String(s.calls),
          String(s.invocations),
          `${s.lifetimeSeconds} s`,
          String(s.cachePeriods),
        ]);
      }
    }
    out.push(
      table(
        [
          'Flow',
          'Variant',
          'GetSecretValue calls',
          'Invocations',
          'Container lifetime',
          'Cache periods (300 s)',
        ],
        rows,
      ),
    );
  }

  const orders = r.orders;
  if (orders) {
    out.push('');
    out.push(
      `## Order events (${orders.messages} SQS messages in batches of ${orders.batchSize}: ${orders.placed} sales, ${orders.refunded} refunds, ` +
        `${orders.duplicates} duplicates = ${((orders.duplicateRate as number) * 100).toFixed(1)}% ` +
        `(${orders.duplicatesAfterRefund} of them copies of a sale arriving after its refund), ` +
        `${orders.distinctCustomersPerBatch} distinct customers per batch)`,
    );
    out.push('');
    const variants = orders.variants as PerVariant<OrdersVariant>;
    out.push(
      table(
        [
          'Variant',
          'Events/s (handler time)',
          '÷ floor',
          'Batch ms median / p99',
          'Partnero calls / event',
          'Secrets Manager calls',
          'Lost',
          'Duplicated',
          'Wrong balances',
          'Correct',
        ],
        (['project', 'floor', 'peer'] as const)
          .filter((v) => variants[v])
          .map((v) => {
            const o = variants[v];
            return [
              v,
              String(o.eventsPerSecond),
              times(ratio(o.eventsPerSecond, variants.floor?.eventsPerSecond ?? Number.NaN)),
              `${ms(o.batchMs.median)} / ${ms(o.batchMs.p99)}`,
              o.partneroCallsPerEvent.toFixed(3),
              String(o.secretsManagerCalls),
              String(o.lost),
              String(o.duplicated + o.unexpected),
              String(o.wrongBalances),
              o.correct ? '✅' : `❌ ${o.problems.join('; ')}`,
            ];
          }),
      ),
    );
  }

  out.push('');
  out.push('## Failures');
  out.push('');
  const oversized = r.bundles.filter((b) => b.verdict === 'missed');
  if (r.failures.length === 0 && oversized.length === 0)
    out.push('None: no crashed run, every correctness check passed.');
  for (const b of oversized)
    out.push(`- bundle functions/${b.name}.ts is ${times(b.ratio as number)} its floor (budget 1.5×)`);
  for (const f of r.failures) out.push(`- ${f.replaceAll('\n', ' ')}`);
  return out.join('\n');
}
