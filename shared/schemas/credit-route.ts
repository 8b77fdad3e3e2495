import * as z from 'zod/mini';
import { amount, amountInUnits, currency, customerKeySchema } from './fields.js';
import { describe } from './z.js';

/** Body, path and header of `POST /customers/{id}/credit`. */

export const creditBody = z
  .strictObject({
    amount,
    currency,
    is_currency: describe(z.boolean(), 'true: amount is money in `currency`; false: amount is points'),
  })
  .check(amountInUnits);
/** The customer's private id (its account id), as Partnero addresses customers. */
export const customerIdPath = z.object({ id: customerKeySchema });
export const idempotencyKeyHeader = z
  .string()
  .check(
    z.trim(),
    z.minLength(8, 'must be at least 8 characters (use a UUID)'),
    z.maxLength(255),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  );
