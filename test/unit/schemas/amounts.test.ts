import { afterEach, describe, expect, it } from '@jest/globals';
import { creditBody } from '#shared/schemas/credit-route.js';
import { amountProblem, minorUnit } from '#shared/schemas/fields.js';
import { refundBody, singleTransactionBody } from '#shared/schemas/transaction-routes.js';

const sale = (amount: number, currency = 'USD') => ({ customer_id: 'bob', key: 'o-1', amount, currency });
const fieldsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.success ? [] : (result.error?.issues ?? []).map((i) => i.path.join('.'));

afterEach(() => {
  delete process.env.CURRENCIES;
  delete process.env.MAX_AMOUNT_PER_CALL;
});

describe('money amounts in real units', () => {
  it('knows each currency’s ISO 4217 minor unit', () => {
    expect([minorUnit('USD'), minorUnit('jpy'), minorUnit('KWD')]).toEqual([2, 0, 3]);
  });

  it.each([
    ['a tiny float below DynamoDB’s range', 1e-300],
    ['the smallest double', 5e-324],
    ['a fraction of a cent', 0.001],
    ['fractional cents on a large amount', 999999999.999],
    ['a float sum', 0.1 + 0.2],
    ['more than the maximum per call', 2e9],
  ])('refuses %s on POST /transactions, naming the amount', (_label, amount) => {
    expect(fieldsOf(singleTransactionBody.safeParse(sale(amount)))).toContain('amount');
  });

  it.each([
    [-5, 'must be greater than 0'],
    [0.0000001, 'has more decimals than any currency has'],
    [1e-300, 'has more decimals than any currency has'],
    [1e15, 'must be at most 1000000000'],
    [0.001, 'has 3 decimals, but USD has 2 (its ISO 4217 minor unit)'],
  ])('names one problem of %p, once', (amount, message) => {
    const issues = singleTransactionBody.safeParse(sale(amount)).error?.issues ?? [];
    expect(issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([`amount: ${message}`]);
  });

  it('takes whole minor units of each currency: cents of USD, none of JPY, fils of KWD', () => {
    expect(singleTransactionBody.safeParse(sale(19.99)).success).toBe(true);
    expect(singleTransactionBody.safeParse(sale(1500, 'JPY')).success).toBe(true);
    expect(fieldsOf(singleTransactionBody.safeParse(sale(15.5, 'JPY')))).toContain('amount');
    expect(singleTransactionBody.safeParse(sale(1.234, 'KWD')).success).toBe(true);
    expect(amountProblem(15.5, { currency: 'JPY' })).toMatch(/JPY has 0/);
  });

  it('takes points as whole numbers only, in a unit the program names, on the credit route', () => {
    const points = { amount: 50, currency: 'points', is_currency: false };
    expect(creditBody.safeParse(points).success).toBe(true);
    expect(creditBody.safeParse({ ...points, currency: 'USD' }).success).toBe(true);
    expect(fieldsOf(creditBody.safeParse({ ...points, currency: '9 pts' }))).toEqual(['currency']);
    expect(fieldsOf(creditBody.safeParse({ ...points, is_currency: true }))).toEqual(['currency']);
    expect(fieldsOf(creditBody.safeParse({ ...points, amount: 1.5 }))).toContain('amount');
    expect(fieldsOf(creditBody.safeParse({ amount: 1e-300, currency: 'USD', is_currency: true }))).toContain(
      'amount',
    );
  });

  it('refuses a partial refund that is not a plain decimal', () => {
    expect(refundBody.safeParse({ amount: 1e-200, refund_id: 'r-1' }).success).toBe(false);
    expect(refundBody.safeParse({ amount: 12.5, refund_id: 'r-1' }).success).toBe(true);
  });

  it('refuses a currency outside the configured list, naming the ones allowed', () => {
    process.env.CURRENCIES = 'USD, eur';
    expect(singleTransactionBody.safeParse(sale(10, 'EUR')).success).toBe(true);
    const refused = singleTransactionBody.safeParse(sale(10, 'GBP'));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.find((i) => i.path[0] === 'currency')?.message).toBe(
      'is not one of the currencies this program pays in: USD, EUR',
    );
  });

  it('takes the maximum per call from the configuration', () => {
    process.env.MAX_AMOUNT_PER_CALL = '500';
    expect(fieldsOf(singleTransactionBody.safeParse(sale(500.01)))).toContain('amount');
    expect(singleTransactionBody.safeParse(sale(500)).success).toBe(true);
  });
});
