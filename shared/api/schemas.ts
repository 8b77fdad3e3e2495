import * as z from 'zod/mini';
import { customerKeySchema } from '#shared/referrals/customer-key.js';
import { text } from '#shared/schema/z.js';

/**
 * Request and response schemas of the HTTP API. The handlers validate with them and
 * `npm run openapi` generates docs/openapi.json from them, so the two cannot disagree.
 */

const describe = <T extends z.ZodMiniType>(schema: T, description: string) =>
  schema.check(z.describe(description));

export const signupBody = z.optional(
  z.strictObject({
    email: z.optional(z.email().check(z.maxLength(254))),
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

/** ISO 4217 codes as the runtime's Intl knows them (Node 20 and 22 ship the full list); built on first use. */
let currencies: ReadonlySet<string> | undefined;
function isCurrency(code: string): boolean {
  if (!currencies) currencies = new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}
const currency = z.string().check(
  z.regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code'),
  z.refine((c) => isCurrency(c.toUpperCase()), 'is not an ISO 4217 currency code'),
);
const amount = z.number().check(z.positive('must be greater than 0'), z.maximum(1e9));

const transactionItem = {
  key: describe(
    customerKeySchema,
    'Unique transaction id: use the order or invoice id (refunds find it by this key)',
  ),
  amount,
  currency,
  action: z._default(text(1, 64), 'sale'),
  product_id: z.optional(text(1, 128)),
  product_type: z.optional(text(1, 64)),
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
