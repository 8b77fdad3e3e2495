/**
 * Pure statistics and budget verdicts of the benchmark (no I/O, unit-tested in test/unit/bench).
 * Percentiles use linear interpolation between closest ranks (R-7, the default of R, NumPy and Excel),
 * so the median of an even-sized sample is the mean of the two middle values.
 */

/** The q-quantile (0 ≤ q ≤ 1) of `values`; NaN for an empty sample. */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const p90 = (values: readonly number[]): number => quantile(values, 0.9);
export const p99 = (values: readonly number[]): number => quantile(values, 0.99);

/** Median, p90, p99, min, max and count of one sample. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    p90: p90(values),
    p99: p99(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** `value / reference`; NaN when either is not a finite number or the reference is not positive. */
export function ratio(value: number, reference: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return Number.NaN;
  return value / reference;
}

export type Verdict = 'met' | 'missed' | 'n/a';

/**
 * A budget of the form `value ≤ limit` (or `value < limit` when `strict`). A value that could not be
 * measured (NaN) is `n/a`, never `met`.
 */
export function atMost(value: number, limit: number, strict = false): Verdict {
  if (Number.isNaN(value) || Number.isNaN(limit)) return 'n/a';
  return (strict ? value < limit : value <= limit) ? 'met' : 'missed';
}

/** Every verdict met → met; any missed → missed; otherwise (some n/a) n/a. */
export function allOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('missed')) return 'missed';
  if (verdicts.length === 0 || verdicts.includes('n/a')) return 'n/a';
  return 'met';
}

/** Rounds for display and JSON: milliseconds to 0.01 ms, ratios to 0.01. */
export const round = (value: number, digits = 2): number =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value;

/** A ratio as shown in tables: `1.23×`, or `–` when it could not be computed. */
export const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

/** Bytes as KiB with one decimal. */
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
