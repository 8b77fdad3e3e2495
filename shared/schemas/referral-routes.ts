import * as z from 'zod/mini';
import { describe, text } from './z.js';

/** Bodies and queries of the customer routes (JWT): each route's bundle builds only its own schemas. */

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

/** One message for every bad page: API Gateway joins a repeated `?page=` with commas ("1,2"). */
const PAGE = { error: 'must be one whole number from 1 to 10000' };

export const meQuery = z.object({
  page: z._default(z.coerce.number(PAGE).check(z.int(PAGE), z.minimum(1, PAGE), z.maximum(10_000, PAGE)), 1),
});
