import type { Metrics } from '@aws-lambda-powertools/metrics';
import { isAppError } from '#shared/errors.js';
import type { DeliveryOutcome } from './accept-delivery.js';

export type DeliveryMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/** The webhook function's metrics; the dashboard and the alarms read these names. */
export const WEBHOOK_METRICS = {
  deliveries: 'WebhookDeliveries',
  /** A bad signature (answered 401). */
  unauthorized: 'WebhooksUnauthorized',
  /** In total and by `event` (the Partnero event name). */
  published: 'WebhooksPublished',
  duplicate: 'WebhooksDuplicate',
  stale: 'WebhooksStale',
} as const;

/**
 * Counts one delivery: `WebhookDeliveries` always, then what became of it: `WebhooksPublished` (in total
 * and by `event`), `WebhooksDuplicate`, `WebhooksStale`, or `WebhooksUnauthorized` (a bad signature; its
 * rate against deliveries is what the stack's alarm watches).
 */
export function countDelivery(metrics: DeliveryMetrics, result: DeliveryOutcome | { error: unknown }) {
  metrics.addMetric(WEBHOOK_METRICS.deliveries, 'Count', 1);
  if ('error' in result) {
    if (isAppError(result.error) && result.error.code === 'unauthorized')
      metrics.addMetric(WEBHOOK_METRICS.unauthorized, 'Count', 1);
    return;
  }
  if (result.status === 'published') {
    metrics.addMetric(WEBHOOK_METRICS.published, 'Count', 1);
    const byEvent = metrics.singleMetric();
    byEvent.addDimension('event', result.event);
    byEvent.addMetric(WEBHOOK_METRICS.published, 'Count', 1);
  } else if (result.status === 'duplicate') {
    metrics.addMetric(WEBHOOK_METRICS.duplicate, 'Count', 1);
  } else {
    metrics.addMetric(WEBHOOK_METRICS.stale, 'Count', 1);
  }
}
