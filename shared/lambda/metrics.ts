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

/** What publishing needs of a Metrics instance (tests pass a recording stand-in). */
export type PublishableMetrics = Pick<
  Metrics,
  'hasStoredMetrics' | 'publishStoredMetrics' | 'clearDimensions'
>;

/**
 * Writes what this invocation counted as one EMF record. An invocation that counted nothing (a route
 * answering 4xx) writes nothing: Powertools would log "No application metrics to publish" each time.
 * Its dimensions are dropped all the same, so none carries over to the next invocation.
 */
export function publishMetrics(metrics: PublishableMetrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  else metrics.clearDimensions();
}
