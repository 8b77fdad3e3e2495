import * as z from 'zod/mini';
import { text } from './z.js';

/**
 * The rules for an order's fields, in one place: the order-events consumer and `POST /transactions`
 * both build their schemas from these, so an order one accepts the other accepts too.
 */

/** ISO 4217 codes as the runtime's Intl knows them (Node 20 and 22 ship the full list); built on first use. */
let currencies: ReadonlySet<string> | undefined;
function isCurrency(code: string): boolean {
  if (!currencies) currencies = new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code.toUpperCase());
}

export const currency = z
  .string()
  .check(
    z.regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code'),
    z.refine(isCurrency, 'is not an ISO 4217 currency code'),
  );

export const amount = z.number().check(z.positive('must be greater than 0'), z.maximum(1e9));
export const action = z._default(text(1, 64), 'sale');
export const productId = z.optional(text(1, 128));
export const productType = z.optional(text(1, 64));
