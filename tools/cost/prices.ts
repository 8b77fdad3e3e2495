import { readFileSync } from 'node:fs';

/** One list price: `usd` per `units` of `per` (0.2 per 1,000,000 requests). */
export interface Price {
  readonly usd: number;
  /** What is counted: "alarm metric-month", "million requests". */
  readonly per: string;
  /** How many single units the price covers (1,000,000 for "million requests"); 1 when absent. */
  readonly units?: number;
  /** Always-free allowance per account per month, in single units; 0 when there is none. */
  readonly freeTier: number;
  /** The AWS pricing page the price comes from. */
  readonly page: string;
  readonly note?: string;
}

/** The dated price table (tools/cost/prices.json). */
export interface PriceTable {
  /** When the prices were recorded (YYYY-MM-DD). */
  readonly recorded: string;
  readonly region: string;
  readonly currency: string;
  /** Hours in a billing month (AWS prices a month as 730 hours). */
  readonly hoursPerMonth: number;
  readonly about: string;
  readonly prices: Readonly<Record<string, Price>>;
}

export const PRICES_FILE = new URL('./prices.json', import.meta.url);

/** Reads and checks the price table: every price a number with its page, the date a date. */
export function loadPrices(file: URL | string = PRICES_FILE): PriceTable {
  const table = JSON.parse(readFileSync(file, 'utf8')) as PriceTable;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(table.recorded ?? '')) {
    throw new Error(`${String(file)}: "recorded" must be a date (YYYY-MM-DD)`);
  }
  if (!table.region || !table.currency || !(table.hoursPerMonth > 0)) {
    throw new Error(`${String(file)}: needs "region", "currency" and "hoursPerMonth"`);
  }
  for (const [key, price] of Object.entries(table.prices ?? {})) {
    const ok =
      typeof price.usd === 'number' &&
      price.usd >= 0 &&
      typeof price.per === 'string' &&
      typeof price.freeTier === 'number' &&
      (price.units === undefined || price.units > 0) &&
      /^https:\/\/aws\.amazon\.com\//.test(price.page ?? '');
    if (!ok) throw new Error(`${String(file)}: price "${key}" needs usd, per, freeTier and an AWS page`);
  }
  return table;
}
