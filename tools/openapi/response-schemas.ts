import * as z from 'zod/mini';
import '#shared/schemas/z.js';

const describe = <T extends z.ZodMiniType>(schema: T, description: string) =>
  schema.check(z.describe(description));

/**
 * Response shapes of the HTTP API, for the OpenAPI document only: handlers build these objects and
 * tests check them. Kept apart from the request schemas so no Lambda bundle constructs them at import.
 */

export const errorResponse = z.object({
  error: z.object({
    code: describe(
      z.string(),
      'Stable machine-readable code, e.g. validation, not_enrolled, partnero_unavailable',
    ),
    message: z.string(),
    fields: z.optional(describe(z.record(z.string(), z.array(z.string())), 'Reasons per invalid field')),
  }),
});

export const customerResponse = z.object({
  key: describe(
    z.string(),
    'Public key, the one in the referral link; never the account id for new customers',
  ),
  key_type: describe(
    z.enum(['random', 'account_id']),
    'random: a key of ours; account_id: a customer enrolled before public keys, whose key is its account id',
  ),
  referral_link: z.nullable(z.string()),
  referral_links: z.array(z.string()),
  referred_by: describe(
    z.nullable(z.object({ key: z.nullable(z.string()), name: z.nullable(z.string()) })),
    "Who referred the customer: the public key of their link and their first name when Partnero's answer has it",
  ),
  referrals_count: describe(z.nullable(z.int()), "null when Partnero's answer does not say"),
});

const balanceUnit = z.object({
  amount: z.number(),
  unit: describe(z.nullable(z.string()), 'Currency code (e.g. USD) or another unit (e.g. points)'),
  is_currency: describe(z.nullable(z.boolean()), 'true for money, false for points and other rewards'),
});

/** A count Partnero publishes no field name for: null when the program's answer does not carry it. */
const count = describe(z.nullable(z.number()), "null (unknown) when Partnero's answer does not carry it");

export const signupResponse = z.object({
  customer: customerResponse,
  referral_dropped: z.optional(z.enum(['self_referral', 'unknown_referrer', 'already_enrolled'])),
});

export const dashboardResponse = z.object({
  customer: customerResponse,
  stats: z.object({ clicks: count, signups: count, referrals: count, paid_referrals: count }),
  balances: describe(
    z.array(balanceUnit),
    'Every unit Partnero holds for the customer: money in each currency, and points; empty when none',
  ),
  referrals: z.object({
    data: z.array(
      z.object({
        name: z.nullable(z.string()),
        email: z.nullable(z.string()),
        joined_at: z.nullable(z.string()),
      }),
    ),
    page: z.int(),
    last_page: describe(z.nullable(z.int()), "null when Partnero's list does not say"),
    total: describe(z.nullable(z.int()), "null when Partnero's list does not say"),
  }),
});

export const transactionsResponse = z.object({
  transactions: z.array(
    z.object({
      key: z.string(),
      status: describe(
        z.enum([
          'recorded',
          'duplicate',
          'key_reused',
          'already_refunded',
          'not_referred',
          'pending',
          'in_progress',
        ]),
        'duplicate: recorded before (nothing sent again); key_reused: the key was settled before for another ' +
          'order (other customer, amount, currency, action or product): nothing sent, the first stands; ' +
          'already_refunded: refunded, never recorded again; ' +
          "pending: sent, but Partnero's answer was lost and the key is not there yet: the order ledger holds it " +
          'and settles it (resending is safe); in_progress: another request is recording it right now',
      ),
    }),
  ),
});

export const refundResponse = z.object({
  key: z.string(),
  status: describe(
    z.enum(['refunded', 'already_refunded', 'partially_refunded', 'duplicate_refund', 'refund_pending']),
    'already_refunded: this order was refunded before (a resend; nothing changed); ' +
      'partially_refunded: the reward now follows `remaining`; duplicate_refund: this refund_id was applied before ' +
      '(nothing changed); refund_pending: the order is being recorded right now; the ledger reverses it as soon as ' +
      'that finishes',
  ),
  remaining: z.optional(describe(z.number(), 'What is left of the order after a partial refund')),
});

export const creditResponse = z.object({
  customer_id: describe(z.string(), "The customer's private id (account id), as in the path"),
  credited: z.object({ amount: z.number(), currency: z.string(), is_currency: z.boolean() }),
  balances: describe(
    z.nullable(z.array(balanceUnit)),
    "The balance after the credit when Partnero's answer carries it (it publishes none): else null",
  ),
});
