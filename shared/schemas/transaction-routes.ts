import * as z from 'zod/mini';
import {
  action,
  amount,
  amountInUnits,
  currency,
  customerKeySchema,
  productId,
  productType,
} from './fields.js';
import { describe, text } from './z.js';

/** Bodies and paths of `POST /transactions` and `DELETE /transactions/{key}`. */

const transactionItem = {
  key: describe(
    customerKeySchema,
    'Unique transaction id: use the order or invoice id (refunds find it by this key)',
  ),
  amount,
  currency,
  action,
  product_id: productId,
  product_type: productType,
};

export const MAX_TRANSACTIONS_PER_BATCH = 100;

/**
 * The buyer, by the private id Partnero knows them by (the account id). `customer_key` is its older name,
 * still accepted; exactly one of the two.
 */
const buyer = {
  customer_id: z.optional(
    describe(customerKeySchema, "The buyer's account id (Partnero's private customer id)"),
  ),
  customer_key: z.optional(describe(customerKeySchema, 'Older name of customer_id, still accepted')),
};
type Buyer = { customer_id?: string | undefined; customer_key?: string | undefined };
const oneBuyer = z.refine<Buyer>((b) => (b.customer_id === undefined) !== (b.customer_key === undefined), {
  message: 'give customer_id (or its older name customer_key), not both',
  path: ['customer_id'],
});

export const singleTransactionBody = z
  .strictObject({ ...buyer, ...transactionItem })
  .check(oneBuyer, amountInUnits);
export const batchTransactionBody = z
  .strictObject({
    ...buyer,
    transactions: z.array(z.strictObject(transactionItem).check(amountInUnits)).check(
      z.minLength(1),
      z.maxLength(MAX_TRANSACTIONS_PER_BATCH),
      z.refine((items) => new Set(items.map((t) => t.key)).size === items.length, 'keys must be unique'),
    ),
  })
  .check(oneBuyer);

/** The buyer's account id, whichever name the body used. */
export const buyerOf = (body: Buyer) => (body.customer_id ?? body.customer_key) as string;

export const transactionKeyPath = z.object({ key: customerKeySchema });

/** Optional body of `DELETE /transactions/{key}`: without one, the whole order is refunded. */
export const refundBody = z.optional(
  z.strictObject({
    amount: describe(amount, 'How much of the order is refunded; the reward follows what is left'),
    refund_id: describe(
      text(1, 256),
      'Id of this refund (e.g. the payment provider refund id): the same id is applied once, however often it is sent',
    ),
  }),
);
