import { orderLedgerFromEnv } from '#shared/orders/dynamo-ledger.js';
import type { OrderRouteDeps } from '#shared/orders/order-deps.js';
import { countParked } from '#shared/orders/order-outcomes.js';
import { partneroFromEnv } from './partnero.js';
import { createMetrics, logger } from './runtime.js';

/** What `POST /transactions` and `DELETE /transactions/{key}` need: the order ledger, Partnero, metrics. */
export type TransactionDeps = OrderRouteDeps;

/** The transaction routes' dependencies, from their environment. */
export function transactionDepsFromEnv(env: NodeJS.ProcessEnv = process.env): TransactionDeps {
  const metrics = createMetrics(env);
  return {
    partnero: partneroFromEnv(env).partnero,
    ledger: orderLedgerFromEnv(env),
    logger,
    metrics,
    onParked: countParked(metrics),
  };
}
