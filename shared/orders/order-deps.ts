import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { PublishableMetrics } from '#shared/lambda/runtime.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import type { OrderLedger } from './ledger.js';

/** What the order paths need, as injected dependencies. */
export interface OrderDeps {
  partnero: PartneroClient;
  ledger: OrderLedger;
  /** A new claim token per call. @default crypto.randomUUID */
  newOwner?: () => string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Told when an order the ledger owes Partnero is parked (retryable answers, e.g. an unknown customer,
   * for hours): the caller counts it (`LedgerEntriesParked`), which an alarm watches.
   */
  onParked?: (orderId: string, reason: string) => void;
}

/** An HTTP route's order dependencies: the same, plus the metrics it publishes per request. */
export interface OrderRouteDeps extends OrderDeps {
  metrics?: Pick<Metrics, 'addMetric'> & PublishableMetrics;
}
