/** The shape of a run's results (bench/results/latest.json), as the report reads them. */
import type { BundleInfo, Variant } from '#bench/build.js';
import type { Summary, Verdict } from '../stats.js';
import type { ThroughputRow } from '../throughput-row.js';

export interface BundleRow extends Omit<BundleInfo, 'outfile'> {
  /** The floor bundle it is compared with (same work, same AWS clients). */
  floor?: string;
  ratio?: number;
  gzipRatio?: number;
  sameAwsClients?: boolean;
  verdict?: Verdict;
}

export type PerVariant<T> = Record<Variant, T>;

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

export interface Fanout {
  latencyMs: number;
  samples: number;
  oneCall: Summary;
  dashboard: PerVariant<Summary>;
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

export interface ThroughputResults {
  latencyMs: number;
  maxReceives: number;
  consumerTimeoutMs: number;
  secondsPerCell: number;
  cores: number;
  /** One container, Partnero answering at once: the model's local work per batch. */
  calibration: { batchSize: number; batches: number; meanMs: number; medianMs: number }[];
  rows: ThroughputRow[];
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
  throughput?: ThroughputResults;
  budgets: Budget[];
  failures: string[];
}

/** The sections of the results typed as the report reads them (JSON leaves them loosely typed). */
export const coldFlowsOf = (r: BenchResults) =>
  r.coldStart?.flows as Record<string, PerVariant<ColdFlow>> | undefined;
export const warmFlowsOf = (r: BenchResults) =>
  r.warm?.flows as Record<string, PerVariant<WarmFlow>> | undefined;
export const fanoutOf = (r: BenchResults) => r.warm?.fanout as Fanout | undefined;
export const secretReadsOf = (r: BenchResults) =>
  r.warm?.secretReads as Record<string, PerVariant<SecretReads>> | undefined;
export const ordersVariantsOf = (r: BenchResults) =>
  r.orders?.variants as Partial<PerVariant<OrdersVariant>> | undefined;
