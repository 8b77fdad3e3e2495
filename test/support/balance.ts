/**
 * The money a customer holds, from a `GET /customers/{id}/balance` answer as Partnero publishes it
 * (`{customer, balance: {currency: [{amount, amount_units, is_currency}]}}`): the sum of the money units,
 * rounded to cents. Tests run in one currency, so the sum is that currency's balance.
 */
export function moneyOf(data: unknown): number {
  const units = (data as { balance?: { currency?: { amount: number; is_currency: boolean }[] } })?.balance
    ?.currency;
  if (!Array.isArray(units)) throw new Error(`not a published balance answer: ${JSON.stringify(data)}`);
  const sum = units.filter((u) => u.is_currency).reduce((total, u) => total + u.amount, 0);
  return Math.round(sum * 100) / 100;
}
