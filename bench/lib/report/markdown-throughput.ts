import type { ThroughputRow } from '../throughput-row.js';
import { ms, table } from './format.js';
import type { BenchResults } from './results.js';

const setting = (r: ThroughputRow) => `${r.concurrency} × ${r.batchSize}`;
const limit = (r: ThroughputRow) => (r.rateLimit === null ? 'none' : `${r.rateLimit} req/s`);
const perDay = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${Math.round(n / 1e3)} k` : String(n);

const MEASURED_HEAD = [
  'Concurrency × batch',
  'Partnero limit',
  'Events',
  'Events/s (steady)',
  'Events/day',
  'Partnero calls/s answered (per event)',
  '429s',
  'Redelivered (dead-lettered)',
  'Batch ms p50 / p99',
  'Consumer CPU ms / batch',
  'Machine CPU busy (bench)',
  'Saturates on',
  'Correct',
];

const measuredRow = (r: ThroughputRow) => [
  setting(r),
  limit(r),
  String(r.messages),
  `${r.eventsPerSecond} (${r.steadyEventsPerSecond})`,
  perDay(r.eventsPerDay),
  `${r.partneroCallsPerSecond} (${r.partneroCallsPerEvent.toFixed(2)})`,
  String(r.throttled),
  `${r.redeliveries} (${r.deadLettered})`,
  `${ms(r.batchMs.median)} / ${ms(r.batchMs.p99)}`,
  ms(r.cpuMsPerBatch),
  `${Math.round(r.machineBusy * 100)}% (${Math.round(r.benchCpu * 100)}%)`,
  r.saturatedBy,
  r.correct ? '✅' : `❌ ${r.problems.join('; ')}`,
];

const MODEL_HEAD = [
  'Concurrency × batch',
  'Partnero limit',
  'Batch ms: local + rounds × latency',
  'Consumer events/s',
  'Rate cap events/s',
  'Model events/s (bottleneck)',
  'Measured events/s',
  'Measured ÷ model',
];

const modelRow = (latencyMs: number) => (r: ThroughputRow) => [
  setting(r),
  limit(r),
  `${ms(r.model.localBatchMs)} + ${r.model.roundsPerBatch} × ${latencyMs} = ${ms(r.model.batchMs)}`,
  String(r.model.consumerEventsPerSecond),
  r.model.rateCapEventsPerSecond === null
    ? '–'
    : `${r.model.rateCapEventsPerSecond} (= ${r.rateLimit} ÷ ${r.model.callsPerEvent})`,
  `${r.model.eventsPerSecond} (${r.model.bottleneck})`,
  String(r.eventsPerSecond),
  `${r.measuredVsModel.toFixed(2)}×`,
];

export function throughputSection(r: BenchResults): string[] | undefined {
  const t = r.throughput;
  if (!t || t.rows.length === 0) return undefined;
  const calibration = t.calibration
    .map((c) => `${ms(c.meanMs)} ms for ${c.batchSize} (median ${ms(c.medianMs)})`)
    .join(', ');
  return [
    `## Throughput ceiling (project consumer; Partnero answers every call in ${t.latencyMs} ms; ` +
      `N containers draining one queue, failures redelivered at once, dead-lettered after ${t.maxReceives} receives)`,
    '',
    'Events/s = messages done ÷ wall time from the first receive to the queue drained (steady: between 10% and 90% done). ' +
      'Concurrency × batch = `orderEvents.maxConcurrency` × `orderEvents.batchSize`. Redelivered = batch item failures ' +
      '(a copy of an order claimed by another container meanwhile, a call still throttled after the client’s retries); ' +
      `dead-lettered = failed ${t.maxReceives} times, redriven (Partnero unthrottled) before the check, which every row must pass. ` +
      `Machine CPU busy = all ${t.cores} cores, every process (bench = containers + harness, where sandbox and local ` +
      'DynamoDB share one event loop): a row saturated on the bench machine’s CPU says nothing about Lambda, where every ' +
      'container has its own CPU.',
    '',
    table(MEASURED_HEAD, t.rows.map(measuredRow)),
    '',
    `Model: batch time ≈ local work (one container, Partnero answering at once: ${calibration}) + serial Partnero ` +
      'round trips per batch (1 for the sales, +1 when the batch has refunds) × latency; events/s ≈ ' +
      'min(concurrency × batch ÷ batch time, rate limit ÷ Partnero calls per event).',
    '',
    table(MODEL_HEAD, t.rows.map(modelRow(t.latencyMs))),
  ];
}
