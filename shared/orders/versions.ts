/**
 * Versions of a partially refunded order. Version 0 is the order itself (its transaction key is the
 * order id); version k, after k partial refunds, records what was left then under its own key. `~`
 * never occurs in an order id (shared/schemas/keys.ts), so a version key is never another order's.
 */
export const versionKey = (orderId: string, version: number) =>
  version === 0 ? orderId : `${orderId}~r${version}`;

/** What is left to pay after `refunded` of `amount`, rounded so that 19.99 − 5.5 is 14.49. */
export const remainderOf = (amount: number, refunded: number) => Math.round((amount - refunded) * 1e6) / 1e6;

/** The versions to retire before `upTo` is live: from the first not yet retired. */
export function versionsBelow(settled: number | undefined, upTo: number): number[] {
  const from = settled ?? 0;
  return Array.from({ length: Math.max(0, upTo - from) }, (_, i) => from + i);
}
