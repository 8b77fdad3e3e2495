import * as z from 'zod/mini';
import { customerKeySchema } from './keys.js';
import { action, amount, currency, productId, productType } from './order-fields.js';
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

export const singleTransactionBody = z.strictObject({ customer_key: customerKeySchema, ...transactionItem });
export const batchTransactionBody = z.strictObject({
  customer_key: customerKeySchema,
  transactions: z.array(z.strictObject(transactionItem)).check(
    z.minLength(1),
    z.maxLength(MAX_TRANSACTIONS_PER_BATCH),
    z.refine((items) => new Set(items.map((t) => t.key)).size === items.length, 'keys must be unique'),
  ),
});
export const transactionsBody = z.union([batchTransactionBody, singleTransactionBody]);

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
