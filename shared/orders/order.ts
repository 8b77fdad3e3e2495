import * as z from 'zod/mini';
import { customerKeySchema } from '#shared/referrals/customer-key.js';
import { text } from '#shared/schema/z.js';

/** One order as this project understands it, whatever shape the order system sent. */
export const orderSchema = z.object({
  orderId: customerKeySchema,
  customerKey: customerKeySchema,
  amount: z.number().check(z.positive(), z.maximum(1e9)),
  currency: z
    .string()
    .check(z.regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code'), z.toLowerCase()),
  action: z._default(text(1, 64), 'sale'),
  productId: z.optional(text(1, 128)),
  productType: z.optional(text(1, 64)),
});

export type Order = z.output<typeof orderSchema>;

/** What happened to one order. `failed` carries the error; its `retryable` decides redelivery. */
export type OrderOutcome =
  | { orderId: string; status: 'recorded'; reward: number }
  | { orderId: string; status: 'duplicate' }
  /** The order was refunded before (its transaction deleted); recording it again would pay twice. */
  | { orderId: string; status: 'already_refunded' }
  | { orderId: string; status: 'not_referred'; reason: string }
  | { orderId: string; status: 'failed'; error: unknown };

export type RefundOutcome = { orderId: string; status: 'refunded' | 'nothing_to_reverse' };
