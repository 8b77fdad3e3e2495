/**
 * One row of the throughput table from what a cell's drain measured, with the model beside it and
 * what saturated: Partnero's rate limit (it answered 429), the bench machine's CPU (not a property of
 * Lambda, where every container has its own), or concurrency × batch against Partnero's latency. Pure.
 */
import type { PooledDrainResult } from './pooled-drain.js';
import { round, type Summary, summarize } from './stats.js';
import type { ThroughputCell } from './throughput-cells.js';
import { type ModelPrediction, perDay, type WorkloadShape } from './throughput-model.js';

/** Above this share of the machine's CPU busy (11+ processes on few cores queue for CPU well before 100%), a
 * row below the model measured the bench machine, not the pipeline. */
export const CPU_BOUND_SHARE = 0.75;

export type Saturation =
  | 'Partnero rate limit'
  | 'concurrency × batch'
  | 'bench machine CPU'
  | 'below the model, cause unknown';

/** A row within this share of the model's consumer rate is latency-bound, as the model says. */
export const AS_MODELLED = 0.8;

export interface ThroughputRow {
  concurrency: number;
  batchSize: number;
  rateLimit: number | null;
  messages: number;
  wallSeconds: number;
  /** Messages done (dead letters left out) ÷ wall time from the first receive to the queue drained. */
  eventsPerSecond: number;
  /** Between 10% and 90% of the messages done. */
  steadyEventsPerSecond: number;
  eventsPerDay: number;
  /** Partnero requests answered (429s left out), per second and per message. */
  partneroCalls: number;
  partneroCallsPerSecond: number;
  partneroCallsPerEvent: number;
  /** Partnero's 429 answers. */
  throttled: number;
  batchMs: Summary;
  invocations: number;
  redeliveries: number;
  /** Messages that failed `maxReceives` times (throttled): in the DLQ, redriven before the check. */
  deadLettered: number;
  /** The consumer's CPU per batch (all containers' invocations ÷ invocations). */
  cpuMsPerBatch: number;
  /** Share of the machine's CPU busy during the drain: every process, other tenants' too. */
  machineBusy: number;
  /** The bench's own share: containers + harness (sandbox and local DynamoDB) ÷ (wall × cores). */
  benchCpu: number;
  /** The harness process alone (sandbox + DynamoDB on one event loop), share of one core. */
  harnessCpu: number;
  model: {
    localBatchMs: number;
    roundsPerBatch: number;
    callsPerEvent: number;
    batchMs: number;
    consumerEventsPerSecond: number;
    rateCapEventsPerSecond: number | null;
    eventsPerSecond: number;
    bottleneck: string;
  };
  measuredVsModel: number;
  saturatedBy: Saturation;
  correct: boolean;
  problems: string[];
  lost: number;
  duplicated: number;
}

export interface RowInput {
  cell: ThroughputCell;
  messages: number;
  drained: PooledDrainResult;
  /** Partnero requests during the drain, 429s included (the sandbox counts every request). */
  requests: number;
  throttled: number;
  harnessCpuMicros: number;
  machineBusy: number;
  cores: number;
  model: ModelPrediction & { shape: WorkloadShape; localBatchMs: number };
  check: { problems: string[]; lost: number; duplicated: number };
}

/** What held a row back: 429s, else the model's own bound when it came close, else the bench machine. */
export function saturationOf(throttled: number, measuredVsModel: number, machineBusy: number): Saturation {
  if (throttled > 0) return 'Partnero rate limit';
  if (measuredVsModel >= AS_MODELLED) return 'concurrency × batch';
  if (machineBusy >= CPU_BOUND_SHARE) return 'bench machine CPU';
  return 'below the model, cause unknown';
}

export function throughputRow(input: RowInput): ThroughputRow {
  const { cell, drained, model } = input;
  const seconds = drained.wallMs / 1000;
  const rate = drained.done / seconds;
  const cpuSeconds = (drained.cpuMicros + input.harnessCpuMicros) / 1e6;
  const answered = input.requests - input.throttled;
  const vsModel = rate / model.eventsPerSecond;
  return {
    concurrency: cell.concurrency,
    batchSize: cell.batchSize,
    rateLimit: cell.rateLimit ?? null,
    messages: input.messages,
    wallSeconds: round(seconds, 2),
    eventsPerSecond: round(rate, 1),
    steadyEventsPerSecond: round(drained.steadyEventsPerSecond, 1),
    eventsPerDay: Math.round(perDay(rate)),
    partneroCalls: answered,
    partneroCallsPerSecond: round(answered / seconds, 1),
    partneroCallsPerEvent: round(answered / input.messages, 3),
    throttled: input.throttled,
    batchMs: summarize(drained.batchMs),
    invocations: drained.invocations,
    redeliveries: drained.redeliveries,
    deadLettered: drained.deadLetters.length,
    cpuMsPerBatch: round(drained.cpuMicros / 1000 / Math.max(1, drained.invocations), 1),
    machineBusy: round(input.machineBusy, 2),
    benchCpu: round(cpuSeconds / (seconds * input.cores), 2),
    harnessCpu: round(input.harnessCpuMicros / 1e6 / seconds, 2),
    model: {
      localBatchMs: round(model.localBatchMs, 1),
      roundsPerBatch: round(model.shape.roundsPerBatch, 2),
      callsPerEvent: round(model.shape.callsPerEvent, 3),
      batchMs: round(model.batchMs, 1),
      consumerEventsPerSecond: round(model.consumerEventsPerSecond, 1),
      rateCapEventsPerSecond: Number.isFinite(model.rateCapEventsPerSecond)
        ? round(model.rateCapEventsPerSecond, 1)
        : null,
      eventsPerSecond: round(model.eventsPerSecond, 1),
      bottleneck: model.bottleneck,
    },
    measuredVsModel: round(vsModel, 2),
    saturatedBy: saturationOf(input.throttled, vsModel, input.machineBusy),
    correct: input.check.problems.length === 0,
    ...input.check,
  };
}
