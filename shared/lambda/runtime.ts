import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * What the Lambda runtime gives every function: its environment, and the Powertools logger and metrics
 * configured from it (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE`,
 * which the stack sets).
 */

/** One structured (JSON) logger per container. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'partnero-referrals',
});

/** One Powertools Metrics instance per container; the handler wrapper publishes it once per invocation. */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'PartneroReferrals',
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'partnero-referrals',
  });
}

/** What publishing needs of a Metrics instance (tests pass a recording stand-in). */
export type PublishableMetrics = Pick<
  Metrics,
  'hasStoredMetrics' | 'publishStoredMetrics' | 'clearDimensions'
>;

/** A variable the function cannot run without: its absence is a deployment mistake, not a user error. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}

/** A number ≥ 0 from the environment, `fallback` when the variable is unset or blank. */
export function numberEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`Environment variable ${name} must be a number ≥ 0`);
  return value;
}

/** Milliseconds left before `deadline` (an absolute epoch-ms time), at least 1 so timers still fire. */
export const msUntil = (deadline: number, now = Date.now()) => Math.max(1, deadline - now);

/**
 * Waits for `work` until `deadline`; after that rejects with `onTimeout()`. The work itself carries on
 * (e.g. a secret read whose result is cached for the next call); its outcome is then ignored.
 */
export async function beforeDeadline<T>(
  work: Promise<T>,
  deadline: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), msUntil(deadline));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
