/**
 * `npm run bench` — measures this project against the floor (the least code doing the same work) and
 * the peer (the seed-guide Express app), side by side in one run on one machine, and marks every
 * budget of design.md met or missed. `npm run bench -- --quick` does the same with fewer runs (CI).
 *
 * Exit code: non-zero on a crashed run, a failed correctness check or a bundle over its size budget;
 * never because of a timing (timings on shared machines are noise; ratios are the claim).
 *
 * Options: --quick, --cold-runs=N, --warm=N, --events=N, --throughput-seconds=N,
 * --flows=signup,dashboard,orders,credit,throughput (a subset), --no-write (keep bench/results untouched).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '#local/sandbox/index.js';
import { BENCH_DIR, type BundleInfo, buildAll, OUT_DIR } from './build.js';
import { killAllChildren, SECRET_PREFIX } from './lib/children.js';
import { seedFixture } from './lib/fixture.js';
import { flows } from './lib/flows.js';
import { startLocalAws } from './lib/local-aws.js';
import { machine } from './lib/machine.js';
import { measureCold } from './lib/measure-cold.js';
import { type Context, log } from './lib/measure-context.js';
import { measureOrders } from './lib/measure-orders.js';
import { measureThroughput } from './lib/measure-throughput.js';
import { measureWarm } from './lib/measure-warm.js';
import { budgetsOf } from './lib/report/budgets.js';
import { bundleRows } from './lib/report/bundle-rows.js';
import { renderMarkdown } from './lib/report/markdown.js';
import type { BenchResults } from './lib/report/results.js';
import { type Settings, settingsFrom } from './lib/settings.js';
import { round } from './lib/stats.js';

/** Every measurement of the selected flows, against one sandbox and one local AWS endpoint. */
async function measureAll(settings: Settings) {
  const sandbox = await startSandbox({ port: 0 });
  const secret = JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_benchmark' });
  const aws = await startLocalAws({ secretFor: (id) => (id.startsWith(SECRET_PREFIX) ? secret : undefined) });
  const failures: string[] = [];
  let cold: Awaited<ReturnType<typeof measureCold>> | undefined;
  let warm: Awaited<ReturnType<typeof measureWarm>> | undefined;
  let orders: Awaited<ReturnType<typeof measureOrders>> | undefined;
  let throughput: Awaited<ReturnType<typeof measureThroughput>> | undefined;
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
    const selected = (id: string) => settings.flows.length === 0 || settings.flows.includes(id);
    const all = flows().filter((f) => selected(f.id));
    if (all.length > 0) {
      cold = await measureCold(ctx, all);
      warm = await measureWarm(ctx, all);
    }
    const ordersFlow = all.find((f) => f.id === 'orders');
    if (ordersFlow) orders = await measureOrders(ctx, ordersFlow);
    // The throughput ceiling runs the project's consumer only (`--flows=throughput`).
    const consumer = flows().find((f) => f.id === 'orders');
    if (selected('throughput') && consumer) throughput = await measureThroughput(ctx, consumer);
  } catch (error) {
    failures.push(`harness crashed: ${(error as Error).stack ?? error}`);
  } finally {
    killAllChildren();
    await sandbox.close();
    await aws.close();
  }
  return { cold, warm, orders, throughput, failures };
}

function writeResults(results: BenchResults, markdown: string) {
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const name = results.mode === 'full' ? 'latest' : 'latest-quick';
  writeFileSync(join(BENCH_DIR, 'results', `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'results', `${name}.md`), `${markdown}\n`);
  log(`wrote bench/results/${name}.json and .md`);
}

async function main(): Promise<number> {
  const { write, ...settings } = settingsFrom(process.argv.slice(2));
  const started = Date.now();
  const environment = machine();
  log(`${settings.mode} run on ${environment.cpu} ×${environment.cores}, Node ${environment.node}`);

  log('bundling with infra/bundling.ts…');
  const bundles: BundleInfo[] = await buildAll();
  mkdirSync(join(OUT_DIR, 'events'), { recursive: true });
  log(`${bundles.length} bundles built`);

  const { cold, warm, orders, throughput, failures } = await measureAll(settings);
  const results: BenchResults = {
    machine: { ...environment, loadAverage1mAtEnd: machine().loadAverage1m },
    mode: settings.mode,
    settings,
    durationSeconds: round((Date.now() - started) / 1000, 1),
    bundles: bundleRows(bundles),
    coldStart: cold,
    warm,
    orders,
    throughput,
    budgets: [],
    failures,
  };
  results.budgets = budgetsOf(results);
  const markdown = renderMarkdown(results);
  process.stdout.write(`${markdown}\n`);
  if (write) writeResults(results, markdown);

  const oversized = results.bundles.filter((b) => b.verdict === 'missed');
  for (const b of oversized) log(`FAIL bundle ${b.name}: ${b.ratio}× the floor (budget 1.5×)`);
  for (const f of failures) log(`FAIL ${f}`);
  log(`done in ${results.durationSeconds} s`);
  return failures.length > 0 || oversized.length > 0 ? 1 : 0;
}

// Exit explicitly: nothing the harness started may keep it alive (CI must never hang on it).
process.exit(await main());
