import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { LedgerEntry } from './ledger.js';
import { changedFields, type Order } from './order.js';

/*
 * What became of an order or a refund, and the metric each outcome counts as: one table for the order
 * consumer and the transaction routes (and the names the dashboard and the alarms read).
 */

/** What happened to one order placed (an `Order Placed` event or an item of `POST /transactions`). */
export type OrderOutcome =
  | { orderId: string; status: 'recorded'; reward: number }
  /** Recorded before: nothing was sent again. */
  | { orderId: string; status: 'duplicate' }
  /**
   * The order id was settled before (recorded, refunded or not referred), or is being recorded (even
   * right now, by another worker), with other fields: this order is not sent, the first stands. Two
   * orders share an id, or a resend changed one after the fact.
   */
  | { orderId: string; status: 'key_reused'; reason: string }
  /** The order was refunded (before, or while it was being recorded): it pays no reward. */
  | { orderId: string; status: 'already_refunded' }
  | { orderId: string; status: 'not_referred'; reason: string }
  /** Partnero does not know the buyer (yet): try again later, e.g. once sign-up has run. */
  | { orderId: string; status: 'unknown_customer'; reason: string }
  /** Sent, but Partnero's answer was lost and the look-up found nothing yet: the ledger holds it for a retry. */
  | { orderId: string; status: 'pending' }
  /** Another worker is recording it right now. */
  | { orderId: string; status: 'in_progress' }
  | { orderId: string; status: 'failed'; error: unknown };

/** A `key_reused` answer: the order `seen` under this id had other fields. */
export const keyReused = (orderId: string, seen: string, changed: string[]): OrderOutcome => ({
  orderId,
  status: 'key_reused',
  reason: `order ${orderId} ${seen} with another ${changed.join(', ')}`,
});

/** The outcome of an order whose id the ledger holds already (settled, or being recorded elsewhere). */
export function settledBefore(order: Order, entry: LedgerEntry): OrderOutcome {
  const { orderId } = order;
  // Every order under an id that holds other fields is refused, even while the first is being recorded.
  const changed = entry.order ? changedFields(entry.order, order) : [];
  if (changed.length > 0) {
    const seen =
      entry.state === 'claimed' ? 'is being recorded' : `was ${entry.state.replace('_', ' ')} before`;
    return keyReused(orderId, seen, changed);
  }
  if (entry.state === 'recorded')
    return { orderId, status: entry.refundRequested ? 'already_refunded' : 'duplicate' };
  if (entry.state === 'refunded') return { orderId, status: 'already_refunded' };
  if (entry.state === 'not_referred')
    return { orderId, status: 'not_referred', reason: entry.reason ?? 'not referred' };
  return { orderId, status: 'in_progress' };
}

/**
 * What happened to one refund. `refunded`: the order's transactions were deleted (its reward reversed).
 * `partially_refunded`: the reward now follows `remaining`. `already_refunded`: a refund of this
 * recorded order went through before (a resend). `nothing_to_reverse`: nothing was recorded.
 * `refund_pending`: the order is being recorded right now; the ledger holds the refund and whoever
 * finishes recording reverses it. `duplicate_refund`: this partial refund was applied before.
 * `not_recorded`: a partial refund of an order the ledger has not recorded (its sale has not arrived
 * yet); `in_progress`: of one being recorded right now, or still owed after a retryable answer. Both are
 * worth retrying later. `order_refused`: of an order refused for good or parked: retrying cannot help.
 * `refund_id_reused`: this refund id was applied before with another amount: nothing changed.
 */
export type RefundOutcome =
  /** A partial refund of an order Partnero refused, or that was parked: final, it names why. */
  | { orderId: string; status: 'order_refused'; reason: string }
  | {
      orderId: string;
      status:
        | 'refunded'
        | 'already_refunded'
        | 'nothing_to_reverse'
        | 'refund_pending'
        | 'duplicate_refund'
        | 'refund_id_reused'
        | 'not_recorded'
        | 'in_progress';
    }
  | { orderId: string; status: 'partially_refunded'; remaining: number };

/**
 * The order metrics (namespace and `service` dimension come from the Metrics instance): a Count per
 * counter, under the same name whichever way the order came in (the order consumer's batches or the
 * transaction routes), so one dashboard serves both. The dashboard and the alarms read these names.
 */
export const ORDER_METRICS = {
  recorded: 'OrdersRecorded',
  /** Placed orders recorded before (redeliveries, replays, resends). */
  duplicates: 'OrdersDuplicate',
  /** An order id settled before with other fields (the routes' count; the consumer parks it). */
  keyReused: 'OrdersKeyReused',
  /** Placed orders refunded before (a replay, or a refund that overtook its order). */
  alreadyRefunded: 'OrdersAlreadyRefunded',
  refunded: 'OrdersRefunded',
  /** Refunds of part of an order: its reward now follows what is left. */
  partiallyRefunded: 'OrdersPartiallyRefunded',
  nothingToReverse: 'OrdersNothingToReverse',
  /** Refunds of orders being recorded right now: the ledger holds them for the recorder. */
  refundPending: 'OrdersRefundPending',
  /** Orders of customers Partnero knows as not referred. */
  skipped: 'OrdersSkippedNotReferred',
  /** Orders of customers Partnero does not know (yet): retried with backoff, then parked. */
  unknownCustomer: 'OrdersUnknownCustomer',
  /** Orders in doubt or in progress elsewhere, and partial refunds of orders not recorded yet. */
  pending: 'OrdersPending',
  /** Order events parked in the DLQ (consumer). */
  parked: 'OrdersParked',
  /** Order events returned for redelivery or re-enqueued with a delay (consumer). */
  retried: 'OrdersRetried',
} as const;

export type OrderCounter = keyof typeof ORDER_METRICS;

/** The reconciler's metrics, and the parked-order count every order path adds. */
export const LEDGER_METRICS = {
  /** Each repair, also by `reason`. */
  repairs: 'LedgerRepairs',
  checked: 'LedgerEntriesChecked',
  unsettled: 'LedgerEntriesUnsettled',
  /**
   * An order the ledger gave up on (its customer stayed unknown to Partnero through every retry): counted
   * by the consumer, the transaction routes and the reconciler; any one raises the parked-order alarm.
   */
  parked: 'LedgerEntriesParked',
} as const;

/** The counter of each placed order's outcome (`failed` counts nothing). */
export const PLACED_COUNTERS = {
  recorded: 'recorded',
  duplicate: 'duplicates',
  key_reused: 'keyReused',
  already_refunded: 'alreadyRefunded',
  not_referred: 'skipped',
  unknown_customer: 'unknownCustomer',
  pending: 'pending',
  in_progress: 'pending',
  failed: undefined,
} as const satisfies Record<OrderOutcome['status'], OrderCounter | undefined>;

/** The counter of each refund's outcome. */
export const REFUND_COUNTERS = {
  refunded: 'refunded',
  partially_refunded: 'partiallyRefunded',
  nothing_to_reverse: 'nothingToReverse',
  already_refunded: 'nothingToReverse',
  duplicate_refund: 'nothingToReverse',
  refund_id_reused: 'nothingToReverse',
  refund_pending: 'refundPending',
  not_recorded: 'pending',
  in_progress: 'pending',
  order_refused: 'nothingToReverse',
} as const satisfies Record<RefundOutcome['status'], OrderCounter>;

type OrderMetrics = Pick<Metrics, 'addMetric'>;

/** A route's placed orders: one Count per metric that moved. */
export function countOrderOutcomes(metrics: OrderMetrics | undefined, outcomes: readonly OrderOutcome[]) {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const counter = PLACED_COUNTERS[o.status];
    if (counter) counts.set(ORDER_METRICS[counter], (counts.get(ORDER_METRICS[counter]) ?? 0) + 1);
  }
  for (const [name, n] of counts) metrics?.addMetric(name, 'Count', n);
}

export const countRefundOutcome = (metrics: OrderMetrics | undefined, outcome: RefundOutcome) =>
  metrics?.addMetric(ORDER_METRICS[REFUND_COUNTERS[outcome.status]], 'Count', 1);

/** The `onParked` of every order path: counts `LedgerEntriesParked`. */
export const countParked = (metrics: OrderMetrics) => () =>
  metrics.addMetric(LEDGER_METRICS.parked, 'Count', 1);
