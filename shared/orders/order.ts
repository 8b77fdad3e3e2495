import { z } from 'zod';
import { customerKeySchema } from '../referrals/customer-key.js';

/** One order as this project understands it, whatever shape the order system sent. */
export const orderSchema = z.object({
  orderId: customerKeySchema,
  customerKey: customerKeySchema,
  amount: z.number().positive().max(1e9),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code')
    .transform((c) => c.toLowerCase()),
  action: z.string().trim().min(1).max(64).default('sale'),
  productId: z.string().trim().min(1).max(128).optional(),
  productType: z.string().trim().min(1).max(64).optional(),
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
