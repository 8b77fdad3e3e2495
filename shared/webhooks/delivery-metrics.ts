import type { Metrics } from '@aws-lambda-powertools/metrics';
import { isAppError } from '#shared/errors.js';
import type { DeliveryOutcome } from './accept-delivery.js';

export type DeliveryMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/**
 * Counts one delivery: `WebhookDeliveries` always, then what became of it: `WebhooksPublished` (in total
 * and by `event`), `WebhooksDuplicate`, `WebhooksStale`, or `WebhooksUnauthorized` (a bad signature; its
 * rate against deliveries is what the stack's alarm watches).
 */
export function countDelivery(metrics: DeliveryMetrics, result: DeliveryOutcome | { error: unknown }) {
  metrics.addMetric('WebhookDeliveries', 'Count', 1);
  if ('error' in result) {
    if (isAppError(result.error) && result.error.code === 'unauthorized')
      metrics.addMetric('WebhooksUnauthorized', 'Count', 1);
    return;
  }
  if (result.status === 'published') {
    metrics.addMetric('WebhooksPublished', 'Count', 1);
    const byEvent = metrics.singleMetric();
    byEvent.addDimension('event', result.event);
    byEvent.addMetric('WebhooksPublished', 'Count', 1);
  } else if (result.status === 'duplicate') {
    metrics.addMetric('WebhooksDuplicate', 'Count', 1);
  } else {
    metrics.addMetric('WebhooksStale', 'Count', 1);
  }
}
