import * as z from 'zod/mini';
import { text } from './z.js';

/**
 * The rules for the fields several schemas share, in one place: keys (customers, referrals, orders)
 * and an order's money fields. The order-events consumer, `POST /transactions` and the credit route
 * build their schemas from these, so what one accepts the others accept too.
 */

/**
 * Customer, referral and order keys travel in URLs, cookies and Partnero paths. They come from
 * identity providers (Cognito `sub` UUIDs, `auth0|123`, emails) and order systems, so the charset is
 * broad but bounded; dot-only values are refused outright so no key can read as a path segment.
 */
export const KEY_PATTERN = /^[A-Za-z0-9_.:@|+-]{1,128}$/;

export const customerKeySchema = z.string().check(
  z.trim(),
  z.regex(KEY_PATTERN, 'must be 1–128 characters of letters, digits and _ . : @ | + -'),
  z.refine((key) => !/^\.+$/.test(key), 'must not consist of dots only'),
);

export const isValidKey = (value: string): boolean => customerKeySchema.safeParse(value).success;

/** ISO 4217 codes as the runtime's Intl knows them (Node 20 and 22 ship the full list); built on first use. */
let currencies: ReadonlySet<string> | undefined;
function isCurrency(code: string): boolean {
  if (!currencies) currencies = new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code.toUpperCase());
}

/**
 * The currencies a program pays in (`CURRENCIES`, comma-separated ISO 4217 codes, set from the stack's
 * `currencies`); undefined: every ISO 4217 code. Read when a value is checked, so tests may set it.
 */
export function allowedCurrencies(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = env.CURRENCIES?.split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

export const currency = z.string().check(
  z.regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code'),
  z.refine(isCurrency, 'is not an ISO 4217 currency code'),
  z.refine((code) => allowedCurrencies()?.includes(code.toUpperCase()) ?? true, {
    error: () => `is not one of the currencies this program pays in: ${allowedCurrencies()?.join(', ')}`,
  }),
);

/** The most one call may move (`MAX_AMOUNT_PER_CALL`, from the stack's `maxAmountPerCall`). */
export function maxAmountPerCall(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.MAX_AMOUNT_PER_CALL);
  return Number.isFinite(configured) && configured > 0 ? configured : 1e9;
}

/** The ISO 4217 minor unit (exponent) of a currency: USD 2, JPY 0, KWD 3. */
export function minorUnit(code: string): number {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits;
    return digits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * Money in real units. An amount is read as the decimal it was written as (a JSON number's shortest
 * text), never as a float to be rounded: `1e-300`, `5e-324` and `0.1 + 0.2` are not amounts of money, and
 * `0.001` USD is a tenth of a cent. Hand-written: no schema library knows ISO 4217 minor units.
 */
export function amountProblem(
  value: number,
  unit: { currency?: string | undefined; isCurrency?: boolean | undefined } = {},
): string | undefined {
  if (!(value > 0)) return 'must be greater than 0';
  const max = maxAmountPerCall();
  if (value > max) return `must be at most ${max}`;
  // Below 1e-6 a number's shortest text has an exponent: more decimals than any unit of money has.
  const text = String(value);
  if (!/^\d+(\.\d+)?$/.test(text)) return 'has more decimals than any currency has';
  const decimals = text.split('.')[1]?.length ?? 0;
  if (unit.isCurrency === false) return decimals > 0 ? 'must be a whole number of points' : undefined;
  if (!unit.currency) return undefined;
  const allowed = minorUnit(unit.currency);
  return decimals > allowed
    ? `has ${decimals} decimals, but ${unit.currency.toUpperCase()} has ${allowed} (its ISO 4217 minor unit)`
    : undefined;
}

/** An amount: positive, at most the maximum per call; whole units of its currency: `amountInUnits`. */
export const amount = z.number().check(
  // `positive` names the sign (and gives the OpenAPI document its exclusiveMinimum); the refinement the rest.
  z.positive('must be greater than 0'),
  z.refine((v) => !(v > 0) || amountProblem(v) === undefined, {
    error: (iss) => amountProblem(iss.input as number),
  }),
);

type Priced = { amount: number; currency: string; is_currency?: boolean };

/** What the unit adds to the field's own rule (a problem the field already names is not named twice). */
const unitProblem = (o: Priced) =>
  amountProblem(o.amount)
    ? undefined
    : amountProblem(o.amount, { currency: o.currency, isCurrency: o.is_currency });

/** The object-level rule: the amount in whole minor units of its currency, or whole points. */
export const amountInUnits = z.refine<Priced>((o) => unitProblem(o) === undefined, {
  path: ['amount'],
  error: (iss) => unitProblem(iss.input as Priced),
});
export const action = z._default(text(1, 64), 'sale');
export const productId = z.optional(text(1, 128));
export const productType = z.optional(text(1, 64));
