import type { Metrics } from '@aws-lambda-powertools/metrics';
import { lambdaHandler, lazy } from '#lambda';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { createMetrics, logger } from '#shared/lambda/runtime.js';
import { orderLedgerFromEnv } from '#shared/orders/dynamo-ledger.js';
import { countParked, LEDGER_METRICS } from '#shared/orders/order-outcomes.js';
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
  lambdaHandler(deps, async (_event: unknown, { metrics, ...rest }, { context, deadline }) => {
    const total: ReconcileResult = { checked: 0, repairs: {}, failed: 0 };
    const onRepair = (reason: RepairReason) => {
      const metric = metrics.singleMetric();
      metric.addDimension('reason', reason);
      metric.addMetric(LEDGER_METRICS.repairs, 'Count', 1);
      // The same count without `reason`: the series the "repairs keep happening" alarm watches.
      metrics.addMetric(LEDGER_METRICS.repairs, 'Count', 1);
    };
    for (;;) {
      const sweep = await reconcile(
        { ...rest, onRepair, onParked: countParked(metrics) },
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
    metrics.addMetric(LEDGER_METRICS.checked, 'Count', total.checked);
    if (total.failed > 0) metrics.addMetric(LEDGER_METRICS.unsettled, 'Count', total.failed);
    logger.info('ledger reconciled', { ...total });
    return total;
  });

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): ReconcilerDeps => ({
  partnero: partneroFromEnv(env).partnero,
  ledger: orderLedgerFromEnv(env),
  metrics: createMetrics(env),
  logger,
});

export const handler = createHandler(lazy(() => fromEnv()));
