import * as z from 'zod/mini';
import { customerKeySchema } from '#shared/schemas/keys.js';
import {
  action,
  amount,
  amountInUnits,
  currency,
  productId,
  productType,
} from '#shared/schemas/order-fields.js';

/** One order as this project understands it, whatever shape the order system sent. */
export const orderSchema = z
  .object({
    orderId: customerKeySchema,
    customerKey: customerKeySchema,
    amount,
    currency: currency.check(z.toLowerCase()),
    action,
    productId,
    productType,
  })
  .check(amountInUnits);

export type Order = z.output<typeof orderSchema>;

const FIELDS = ['customerKey', 'amount', 'currency', 'action', 'productId', 'productType'] as const;

/** The fields in which `next` differs from `first` (an absent optional field equals an absent one). */
export function changedFields(first: Order, next: Order): string[] {
  const norm = (o: Order, f: (typeof FIELDS)[number]) =>
    f === 'currency' ? o.currency.toLowerCase() : (o[f] ?? undefined);
  return FIELDS.filter((f) => norm(first, f) !== norm(next, f));
}

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
