import * as z from 'zod/mini';
import { amount, amountInUnits, currency, customerKeySchema } from './fields.js';
import { describe } from './z.js';

/** Body, path and header of `POST /customers/{id}/credit`. */

/** A unit of points as the program names it (Partnero's `amount_units` beside `is_currency: false`). */
const POINTS_UNIT = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

type Credit = { currency: string; is_currency: boolean };

/** Money is credited in an ISO 4217 currency the program pays in; points in a unit named by the program. */
function unitProblem(o: Credit): string | undefined {
  if (!o.is_currency)
    return POINTS_UNIT.test(o.currency)
      ? undefined
      : 'must name the unit of points: 1–32 letters, digits, _ or -, starting with a letter (e.g. points)';
  const parsed = currency.safeParse(o.currency);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

const unitOfCredit = z.refine<Credit>((o) => unitProblem(o) === undefined, {
  path: ['currency'],
  error: (iss) => unitProblem(iss.input as Credit),
});

export const creditBody = z
  .strictObject({
    amount,
    currency: describe(
      z.string(),
      'With is_currency true: an ISO 4217 code the program pays in. With false: the unit of points, e.g. `points`',
    ),
    is_currency: describe(z.boolean(), 'true: amount is money in `currency`; false: amount is whole points'),
  })
  .check(unitOfCredit, amountInUnits);
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
