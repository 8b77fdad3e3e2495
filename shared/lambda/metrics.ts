import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Powertools Metrics instance per container, namespace and service from the stack's variables.
 * A flow publishes what an invocation added at its end (`logMetrics` middleware, or `publishStoredMetrics`).
 */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'PartneroReferrals',
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'partnero-referrals',
  });
}
