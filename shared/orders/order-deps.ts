import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { PublishableMetrics } from '#shared/lambda/metrics.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import type { OrderLedger } from './ledger.js';
import type { Order } from './order.js';

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

/** What one POST did to one order. */
export type Sent =
  | { kind: 'created'; reward: number }
  /** The answer was lost (5xx, timeout, unreadable 2xx): it may or may not have been recorded. */
  | { kind: 'unknown' }
  /** A strict Partnero said the key exists. */
  | { kind: 'exists' }
  | { kind: 'not_referred'; reason: string }
  | { kind: 'unknown_customer'; reason: string }
  /** Definitely not recorded. */
  | { kind: 'refused'; error: unknown };

/** An order this call holds the claim of, with how to settle it. */
export interface Held {
  order: Order;
  /** An earlier holder may have sent it: verify copies later. */
  doubt: boolean;
  /** Retryable answers in a row before this attempt (a deferred order's backoff). */
  failures?: number;
}

export type SentOrder = { held: Held; result: Sent };
