/**
 * `npm run bench:load` — the local gateway under a bounded load test: the whole local system on
 * loopback (ephemeral ports), a fixed number of requests per route with autocannon, every sign-up a
 * new user (own JWT from the local issuer) with the referrer's `partnero_referral` cookie, then the
 * dashboard read by the users just enrolled. Prints route, requests, connections, throughput,
 * latency p50/p90/p99/max, 4xx/5xx and errors/timeouts; checks every enrolment in the sandbox; writes
 * bench/results/load.{json,md}.
 *
 * Exit code: non-zero on any 5xx, error or timeout, fewer responses than requested or a failed check;
 * never because of latency.
 *
 * Options: --requests=N (per route, default 2000), --connections=C (default 10), --no-write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from '#bench/lib/machine.js';
import { startLocalSystem } from '#local/system.js';
import { checksText, renderMarkdown, textTable, toResults } from './load/report.js';
import { runLoad } from './load/run-load.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const USAGE = 'Usage: tsx bench/load.ts [--requests=N] [--connections=C] [--no-write]';

interface Cli {
  requests: number;
  connections: number;
  write: boolean;
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { requests: 2000, connections: 10, write: true };
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=', 2);
    if (flag === '--requests') cli.requests = positiveInt('requests', value);
    else if (flag === '--connections') cli.connections = positiveInt('connections', value);
    else if (arg === '--no-write') cli.write = false;
    else throw new Error(`unknown option ${arg}`);
  }
  if (cli.connections > cli.requests) throw new Error('--connections cannot exceed --requests');
  return cli;
}

const log = (line: string) => console.error(`[load] ${line}`);

async function main(): Promise<number> {
  let cli: Cli;
  try {
    if (process.argv.includes('--help')) {
      console.log(USAGE);
      return 0;
    }
    cli = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  // Quiet functions: only warnings and errors (the stack's default is INFO, one line per request).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const started = performance.now();
  const environment = machine();
  log(`${cli.requests} requests per route over ${cli.connections} connections`);
  log(
    `machine: ${environment.cpu} ×${environment.cores} (shared: figures move between runs), Node ${environment.node}, load ${environment.loadAverage1m}`,
  );
  const system = await startLocalSystem({
    host: '127.0.0.1',
    port: 0,
    sandboxPort: 0,
    awsPort: 0,
    reconcilerIntervalMs: 0,
  });
  log(`local system on ${system.urls.api}`);
  let run: Awaited<ReturnType<typeof runLoad>>;
  try {
    run = await runLoad(system, { requests: cli.requests, connections: cli.connections, log });
  } finally {
    await system.close();
  }

  const durationSeconds = Math.round((performance.now() - started) / 100) / 10;
  const results = toResults(
    run,
    { requests: cli.requests, connections: cli.connections },
    environment,
    Math.round((loadavg()[0] ?? 0) * 100) / 100,
    durationSeconds,
  );
  console.log(`\n${textTable(results.routes)}\n`);
  console.log(checksText(results.checks));
  console.log(
    `\n${environment.cores} cores, shared machine (load ${environment.loadAverage1m} → ${results.machine.loadAverage1mAtEnd}); generator and system share one process. Latency never fails the run.`,
  );
  if (cli.write) {
    const dir = join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'load.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, 'load.md'), `${renderMarkdown(results)}\n`);
    log('wrote bench/results/load.json and .md');
  }
  if (!results.passed) {
    console.error(`\nFAILED:\n${results.failures.map((f) => `- ${f}`).join('\n')}`);
    return 1;
  }
  console.log('\nPassed: every request answered, 0 5xx, 0 errors, every enrolment checked.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('The load test crashed:', e);
    process.exit(1);
  },
);
