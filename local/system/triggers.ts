import type { SQSBatchResponse } from 'aws-lambda';
import type { ActivityLog } from '#local/bus/activity-log.js';
import { EventSourceMapping } from '#local/bus/event-source-mapping.js';
import type { LocalQueue } from '#local/bus/queue.js';
import { STACK_DEFAULTS } from '#local/config.js';
import { invokeFunction } from '#local/functions.js';
import { startReconcilerTimer } from '#local/reconciler-timer.js';
import type { LocalSystemOptions } from './options.js';

/** The event source mapping: the order queue → the consumer, with partial batch responses. */
export function startOrderConsumer(
  orderQueue: LocalQueue,
  options: Pick<LocalSystemOptions, 'orderPipeline' | 'onInvoke'>,
  { region, activity }: { region: string; activity: ActivityLog },
): EventSourceMapping {
  const pipeline = options.orderPipeline ?? {};
  const orderDefaults = STACK_DEFAULTS.orderEvents;
  return new EventSourceMapping({
    queue: orderQueue,
    region,
    invoke: async (event) => {
      options.onInvoke?.('orderConsumer', event);
      return (await invokeFunction('orderConsumer', event, region)) as SQSBatchResponse;
    },
    batchSize: pipeline.batchSize ?? orderDefaults.batchSize,
    maxBatchingWindowMs: pipeline.maxBatchingWindowMs ?? orderDefaults.maxBatchingWindowSeconds * 1000,
    maxConcurrency: pipeline.maxConcurrency ?? orderDefaults.maxConcurrency,
    retryDelayMs: pipeline.retryDelayMs ?? 3_000,
    log: activity,
  });
}

export type ScheduledReconciler = ReturnType<typeof startReconcilerTimer>;

/** The ledger reconciler on a timer, as EventBridge Scheduler runs it for the stack. */
export function startScheduledReconciler(region: string, intervalMs = 30_000): ScheduledReconciler {
  return startReconcilerTimer({
    intervalMs,
    invoke: () =>
      invokeFunction('reconciler', { source: 'local.scheduler', 'detail-type': 'Scheduled Event' }, region),
    onError: (error) => console.error('[local] reconciler run failed', error),
  });
}
