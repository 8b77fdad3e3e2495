import autocannon from 'autocannon';
import { quantile, round } from '#bench/lib/stats.js';

/** One route under load: a fixed number of requests, each built by `requestFor(i)` (its own user). */
export interface RouteLoadSpec {
  /** As the table shows it, e.g. `POST /referrals/signup`. */
  route: string;
  method: 'GET' | 'POST';
  path: string;
  requests: number;
  connections: number;
  /** Headers and body of the `i`-th request sent (0-based, in the order autocannon sends them). */
  requestFor(i: number): { headers: Record<string, string>; body?: string };
}

export interface Answer {
  status: number;
  body: string;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RouteLoadResult {
  route: string;
  /** Requests asked for (autocannon's `amount`). */
  requests: number;
  connections: number;
  /** Requests written to the socket (more than `requests` only after timeouts or dropped connections). */
  sent: number;
  /** Responses received. */
  answered: number;
  /** From the first request to the last response, seconds. */
  seconds: number;
  /** `answered / seconds`. */
  throughputRps: number;
  /** Per-response wall time (request written → response parsed), ms, from every response. */
  latencyMs: LatencySummary;
  /** Responses per status code. */
  statuses: Record<string, number>;
  non2xx: { '4xx': number; '5xx': number; other: number };
  /** Connection errors and timeouts as autocannon counts them (a timeout is also an error there). */
  errors: number;
  timeouts: number;
  /** The first few error messages, for the report. */
  errorSamples: string[];
  /** Partnero (sandbox) API calls per answered request, by the handlers, during this route's run. */
  partneroCallsPerRequest?: number;
  /** autocannon's own summary, for cross-checking (latency in whole ms, from its histogram). */
  autocannon: {
    latencyMs: { p50: number; p90: number; p99: number; max: number };
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    sent: number;
  };
}

export interface RouteLoadRun {
  result: RouteLoadResult;
  /** Every response with its body, in arrival order (for the correctness checks). */
  answers: Answer[];
}

const summarizeLatency = (values: number[]): LatencySummary => ({
  p50: round(quantile(values, 0.5)),
  p90: round(quantile(values, 0.9)),
  p99: round(quantile(values, 0.99)),
  max: round(values.length ? Math.max(...values) : Number.NaN),
  mean: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN),
});

/**
 * Runs autocannon against `baseUrl` with exactly `spec.requests` requests over `spec.connections`
 * keep-alive connections, in this process (so `setupRequest` can hand each request its own user).
 */
export async function loadRoute(baseUrl: string, spec: RouteLoadSpec): Promise<RouteLoadRun> {
  if (spec.connections > spec.requests) throw new Error('connections cannot exceed requests');
  const answers: Answer[] = [];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let sent = 0;
  let lastResponseAt = 0;

  const started = performance.now();
  const instance = autocannon({
    url: baseUrl,
    connections: spec.connections,
    amount: spec.requests,
    timeout: 10,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        setupRequest: (request) => {
          const { headers, body } = spec.requestFor(sent++);
          return { ...request, headers: { ...request.headers, ...headers }, ...(body ? { body } : {}) };
        },
        onResponse: (status, body) => {
          answers.push({ status, body });
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
    lastResponseAt = performance.now();
  });
  instance.on('reqError', (error: Error) => {
    if (errorSamples.length < 5) errorSamples.push(error.message);
  });
  const summary = await instance;

  const seconds = ((lastResponseAt || performance.now()) - started) / 1000;
  const classOf = (c: string) => Math.floor(Number(c) / 100);
  const count = (pick: (cls: number) => boolean) =>
    Object.entries(statuses)
      .filter(([code]) => pick(classOf(code)))
      .reduce((n, [, k]) => n + k, 0);
  const result: RouteLoadResult = {
    route: spec.route,
    requests: spec.requests,
    connections: spec.connections,
    sent,
    answered: latencies.length,
    seconds: round(seconds, 3),
    throughputRps: round(latencies.length / seconds, 1),
    latencyMs: summarizeLatency(latencies),
    statuses,
    non2xx: {
      '4xx': count((c) => c === 4),
      '5xx': count((c) => c === 5),
      other: count((c) => c !== 2 && c !== 4 && c !== 5),
    },
    errors: summary.errors,
    timeouts: summary.timeouts,
    errorSamples,
    autocannon: {
      latencyMs: {
        p50: summary.latency.p50,
        p90: summary.latency.p90,
        p99: summary.latency.p99,
        max: summary.latency.max,
      },
      '2xx': summary['2xx'],
      non2xx: summary.non2xx,
      errors: summary.errors,
      timeouts: summary.timeouts,
      sent: summary.requests.sent,
    },
  };
  return { result, answers };
}
