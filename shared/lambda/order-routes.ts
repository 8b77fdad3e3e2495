import { orderLedgerFromEnv } from '#shared/orders/ledger-env.js';
import type { OrderRouteDeps } from '#shared/orders/order-deps.js';
import { logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { partneroFromEnv } from './partnero.js';

/** What `POST /transactions` and `DELETE /transactions/{key}` need, from their environment. */
export function orderRouteDepsFromEnv(env: NodeJS.ProcessEnv = process.env): OrderRouteDeps {
  const metrics = createMetrics(env);
  return {
    partnero: partneroFromEnv(env).partnero,
    ledger: orderLedgerFromEnv(env),
    logger,
    metrics,
    onParked: () => metrics.addMetric('LedgerEntriesParked', 'Count', 1),
  };
}
