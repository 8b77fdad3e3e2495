import * as z from 'zod/mini';
import {
  action,
  amount,
  amountInUnits,
  currency,
  customerKeySchema,
  productId,
  productType,
} from '#shared/schemas/fields.js';

/** One order as this project understands it, whatever shape the order system sent. */
export const orderSchema = z
  .object({
    orderId: customerKeySchema,
    customerKey: customerKeySchema,
    amount,
    currency: currency.check(z.toLowerCase()),
    action,
    productId,
    productType,
  })
  .check(amountInUnits);

export type Order = z.output<typeof orderSchema>;

const FIELDS = ['customerKey', 'amount', 'currency', 'action', 'productId', 'productType'] as const;

/** The fields in which `next` differs from `first` (an absent optional field equals an absent one). */
export function changedFields(first: Order, next: Order): string[] {
  const norm = (o: Order, f: (typeof FIELDS)[number]) =>
    f === 'currency' ? o.currency.toLowerCase() : (o[f] ?? undefined);
  return FIELDS.filter((f) => norm(first, f) !== norm(next, f));
}
