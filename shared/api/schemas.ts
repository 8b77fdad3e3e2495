import { z } from 'zod';
import { customerKeySchema } from '../referrals/customer-key.js';

/**
 * Request and response schemas of the HTTP API. The handlers validate with them and
 * `npm run openapi` generates docs/openapi.json from them, so the two cannot disagree.
 */

export const signupBody = z
  .strictObject({
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    surname: z.string().trim().min(1).max(100).optional(),
    referral_key: z
      .string()
      .max(256)
      .optional()
      .describe('Referrer key, when the partnero_referral cookie cannot reach the API (another domain)'),
  })
  .optional();

export const meQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

const currency = z.string().regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code');
const amount = z.number().positive('must be greater than 0').max(1e9);

const transactionItem = {
  key: customerKeySchema.describe(
    'Unique transaction id: use the order or invoice id (refunds find it by this key)',
  ),
  amount,
  currency,
  action: z.string().trim().min(1).max(64).default('sale'),
  product_id: z.string().trim().min(1).max(128).optional(),
  product_type: z.string().trim().min(1).max(64).optional(),
};

export const MAX_TRANSACTIONS_PER_BATCH = 100;

export const singleTransactionBody = z.strictObject({ customer_key: customerKeySchema, ...transactionItem });
export const batchTransactionBody = z.strictObject({
  customer_key: customerKeySchema,
  transactions: z.array(z.strictObject(transactionItem)).min(1).max(MAX_TRANSACTIONS_PER_BATCH),
});
export const transactionsBody = z.union([batchTransactionBody, singleTransactionBody]);

export const transactionKeyPath = z.object({ key: customerKeySchema });

export const creditBody = z.strictObject({
  amount,
  currency,
  is_currency: z.boolean().describe('true: amount is money in `currency`; false: amount is points'),
});
export const customerKeyPath = z.object({ key: customerKeySchema });
export const idempotencyKeyHeader = z
  .string()
  .trim()
  .min(8, 'must be at least 8 characters (use a UUID)')
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

// Response shapes (documentation only: handlers build these objects, tests check them).

export const errorResponse = z.object({
  error: z.object({
    code: z
      .string()
      .describe('Stable machine-readable code, e.g. validation, not_enrolled, partnero_unavailable'),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional().describe('Reasons per invalid field'),
  }),
});

export const customerResponse = z.object({
  key: z.string(),
  referral_link: z.string(),
  referral_links: z.array(z.string()),
  referred_by: z.string().nullable(),
  referrals_count: z.number().int(),
});

export const signupResponse = z.object({
  customer: customerResponse,
  referral_dropped: z.enum(['self_referral', 'unknown_referrer', 'already_enrolled']).optional(),
});

export const dashboardResponse = z.object({
  customer: customerResponse,
  stats: z.object({
    clicks: z.number(),
    signups: z.number(),
    referrals: z.number(),
    paid_referrals: z.number(),
  }),
  balance: z.object({ amount: z.number(), currency: z.string().nullable() }),
  referrals: z.object({
    data: z.array(
      z.object({
        name: z.string().nullable(),
        email: z.string().nullable(),
        joined_at: z.string().nullable(),
      }),
    ),
    page: z.number().int(),
    last_page: z.number().int(),
    total: z.number().int(),
  }),
});

export const transactionsResponse = z.object({
  transactions: z.array(
    z.object({
      key: z.string(),
      status: z
        .enum(['recorded', 'duplicate', 'already_refunded', 'not_referred'])
        .describe('duplicate: recorded before; already_refunded: refunded before, not recorded again'),
      reward: z.number().optional().describe('Reward earned by the referrer for this transaction'),
    }),
  ),
});

export const refundResponse = z.object({ key: z.string(), status: z.literal('refunded') });

export const creditResponse = z.object({
  customer_key: z.string(),
  credited: z.object({ amount: z.number(), currency: z.string(), is_currency: z.boolean() }),
  balance: z.object({ amount: z.number().nullable(), currency: z.string().nullable() }),
});
