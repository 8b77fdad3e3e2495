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

export const meQuery = z.object({
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 1),
});
