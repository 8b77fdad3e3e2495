import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { lazy } from '#shared/lambda/lazy.js';
import { logger } from '#shared/lambda/logger.js';
import { createMetrics, publishMetrics } from '#shared/lambda/metrics.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { orderLedgerFromEnv } from '#shared/orders/ledger-env.js';
import {
  type ReconcileDeps,
  type ReconcileResult,
  type RepairReason,
  reconcile,
} from '#shared/orders/reconcile.js';

/**
 * Scheduled (EventBridge Scheduler, `reconcilerIntervalMinutes`) — sweeps the order ledger: finishes
 * claims whose holder vanished, retries orders Partnero deferred (429, unknown customer), completes
 * refunds, deletes transactions that landed after a refund and extra copies of a key. Each repair is
 * logged and counted as `LedgerRepairs` with a `reason` dimension; an order given up on after hours of
 * retryable answers as `LedgerEntriesParked`. Overlapping runs are safe (every write is conditional on
 * what its run read), so no reserved concurrency is needed.
 */
export type ReconcilerDeps = Omit<ReconcileDeps, 'onRepair' | 'onParked'> & { metrics: Metrics };

/** Entries per sweep; sweeps repeat while entries are due and time is left. */
const SWEEP_LIMIT = 100;
const STOP_BEFORE_MS = 5_000;

export const createHandler = (deps: () => ReconcilerDeps) =>
  middy<unknown, ReconcileResult>()
    .use(injectLambdaContext(logger))
    .handler(async (_event, context) => {
      const { metrics, ...rest } = deps();
      const total: ReconcileResult = { checked: 0, repairs: {}, failed: 0 };
      const onRepair = (reason: RepairReason) => {
        const metric = metrics.singleMetric();
        metric.addDimension('reason', reason);
        metric.addMetric('LedgerRepairs', 'Count', 1);
        // The same count without `reason`: the series the "repairs keep happening" alarm watches.
        metrics.addMetric('LedgerRepairs', 'Count', 1);
      };
      const deadline = deadlineOf(context);
      try {
        for (;;) {
          const sweep = await reconcile(
            { ...rest, onRepair, onParked: () => metrics.addMetric('LedgerEntriesParked', 'Count', 1) },
            { limit: SWEEP_LIMIT, call: { deadline } },
          );
          total.checked += sweep.checked;
          total.failed += sweep.failed;
          for (const [reason, n] of Object.entries(sweep.repairs) as [RepairReason, number][]) {
            total.repairs[reason] = (total.repairs[reason] ?? 0) + n;
          }
          // Stop when nothing more is due, when only failing entries are left, or when time runs short.
          if (sweep.checked < SWEEP_LIMIT || sweep.failed === sweep.checked) break;
          if (context.getRemainingTimeInMillis() < STOP_BEFORE_MS) break;
        }
        metrics.addMetric('LedgerEntriesChecked', 'Count', total.checked);
        if (total.failed > 0) metrics.addMetric('LedgerEntriesUnsettled', 'Count', total.failed);
        logger.info('ledger reconciled', { ...total });
        return total;
      } finally {
        publishMetrics(metrics);
      }
    });

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): ReconcilerDeps => ({
  partnero: partneroFromEnv(env).partnero,
  ledger: orderLedgerFromEnv(env),
  metrics: createMetrics(env),
  logger,
});

export const handler = createHandler(lazy(() => fromEnv()));
