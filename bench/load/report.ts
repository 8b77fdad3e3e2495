import type { machine } from '#bench/lib/machine.js';
import type { RouteLoadResult } from './route-load.js';
import type { LoadCheck, LoadRun } from './run-load.js';

export interface LoadResults {
  kind: 'load';
  settings: { requests: number; connections: number };
  machine: ReturnType<typeof machine> & { loadAverage1mAtEnd: number };
  /** What the numbers are, and are not. */
  notes: string[];
  referrer: string;
  prepareSeconds: number;
  routes: RouteLoadResult[];
  checks: LoadCheck[];
  failures: string[];
  passed: boolean;
  durationSeconds: number;
}

export const NOTES = [
  'Loopback only: the load generator (autocannon, in-process so every request carries its own user) shares one Node process and event loop with the whole local system (gateway, JWT verification, handlers, Partnero sandbox, local AWS endpoint).',
  'The figures are the local emulation’s, not API Gateway’s or Lambda’s; on a shared 2-core machine they move between runs. Only 5xx, errors, timeouts, missing responses and failed checks fail the run, never latency.',
  'The sandbox scans its customers linearly, so its answers slow down as the run enrols more users.',
];

const HEADER = [
  'route',
  'requests',
  'connections',
  'answered',
  'req/s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  '4xx',
  '5xx',
  'errors/timeouts',
  'Partnero calls/req',
];

function cells(r: RouteLoadResult): string[] {
  const l = r.latencyMs;
  return [
    r.route,
    String(r.requests),
    String(r.connections),
    String(r.answered),
    r.throughputRps.toFixed(0),
    l.p50.toFixed(1),
    l.p90.toFixed(1),
    l.p99.toFixed(1),
    l.max.toFixed(1),
    String(r.non2xx['4xx']),
    String(r.non2xx['5xx']),
    `${r.errors}/${r.timeouts}`,
    r.partneroCallsPerRequest === undefined ? '–' : r.partneroCallsPerRequest.toFixed(1),
  ];
}

/** A plain-text table for the terminal, columns aligned. */
export function textTable(routes: RouteLoadResult[]): string {
  const rows = [HEADER, ...routes.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(routes: RouteLoadResult[]): string {
  const row = (c: string[]) => `| ${c.join(' | ')} |`;
  return [
    row(HEADER),
    row(HEADER.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...routes.map((r) => row(cells(r))),
  ].join('\n');
}

export function checksText(checks: LoadCheck[]): string {
  return checks.map((c) => `${c.ok ? '✅' : '❌'} ${c.name}: ${c.detail}`).join('\n');
}

export function renderMarkdown(results: LoadResults): string {
  const m = results.machine;
  return [
    '# Load test of the local gateway',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (shared), ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}. Date: ${m.date}. Load average (1 min) ${m.loadAverage1m} at start, ${m.loadAverage1mAtEnd} at end. Run took ${results.durationSeconds} s (preparing users ${results.prepareSeconds} s).`,
    '',
    `Reproduce: \`npm run bench:load -- --requests=${results.settings.requests} --connections=${results.settings.connections}\`. Each route gets a fixed number of requests (autocannon \`amount\`), each sign-up a new user with its own token and the referrer's \`partnero_referral\` cookie; the dashboard is read by the users just enrolled. Latency is per response (request written → response parsed).`,
    '',
    markdownTable(results.routes),
    '',
    '## Checks',
    '',
    ...results.checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.name}: ${c.detail}`),
    '',
    `Overall: ${results.passed ? '✅ passed' : `❌ failed — ${results.failures.join('; ')}`}.`,
    '',
    '## Notes',
    '',
    ...results.notes.map((n) => `- ${n}`),
  ].join('\n');
}

export function toResults(
  run: LoadRun,
  settings: { requests: number; connections: number },
  environment: ReturnType<typeof machine>,
  loadAverage1mAtEnd: number,
  durationSeconds: number,
): LoadResults {
  return {
    kind: 'load',
    settings,
    machine: { ...environment, loadAverage1mAtEnd },
    notes: NOTES,
    referrer: run.referrer,
    prepareSeconds: run.prepareSeconds,
    routes: run.routes,
    checks: run.checks,
    failures: run.failures,
    passed: run.failures.length === 0,
    durationSeconds,
  };
}
