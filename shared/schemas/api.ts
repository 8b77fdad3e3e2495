import * as z from 'zod/mini';
import { customerKeySchema } from './keys.js';
import { action, amount, currency, productId, productType } from './order-fields.js';
import { text } from './z.js';

/**
 * Request and response schemas of the HTTP API. The handlers validate with them and
 * `npm run openapi` generates docs/openapi.json from them, so the two cannot disagree.
 */

const describe = <T extends z.ZodMiniType>(schema: T, description: string) =>
  schema.check(z.describe(description));

export const signupBody = z.optional(
  z.strictObject({
    email: z.optional(
      describe(
        z.string().check(z.maxLength(254)),
        'Ignored (kept so older frontends keep working): the email comes only from a verified token claim',
      ),
    ),
    name: z.optional(text(1, 100)),
    surname: z.optional(text(1, 100)),
    referral_key: z.optional(
      describe(
        z.string().check(z.maxLength(256)),
        'Referrer key, when the partnero_referral cookie cannot reach the API (another domain)',
      ),
    ),
  }),
);

export const meQuery = z.object({
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 1),
});

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

export const creditBody = z.strictObject({
  amount,
  currency,
  is_currency: describe(z.boolean(), 'true: amount is money in `currency`; false: amount is points'),
});
export const customerKeyPath = z.object({ key: customerKeySchema });
export const idempotencyKeyHeader = z
  .string()
  .check(
    z.trim(),
    z.minLength(8, 'must be at least 8 characters (use a UUID)'),
    z.maxLength(255),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  );
