import type { CostLine, CostReport } from './cost.js';

/** Dollars: cents, or four decimals for amounts under a cent. */
export const usd = (n: number): string => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;

const unitPrice = (line: CostLine): string => {
  if (!line.price) return '-';
  const { usd: price, per } = line.price;
  const amount = price.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 10 });
  return `$${amount} / ${per}`;
};

const monthly = (line: CostLine): string => (line.basis === 'not priced' ? 'not priced' : usd(line.monthly));

/** The report as a table, notes and totals, for a terminal. */
export function formatTable(report: CostReport, source: string): string {
  const header = ['kind', 'count', 'billed', 'unit price', 'monthly', 'source'];
  const rows = report.lines.map((l) => [
    l.kind,
    String(l.count),
    l.basis,
    unitPrice(l),
    monthly(l),
    l.price?.page ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const right = new Set([1, 4]);
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `Monthly cost at rest (no traffic) of ${source}`,
    `List prices for ${report.region} in ${report.currency}, as recorded on ${report.recorded} (tools/cost/prices.json)`,
    '',
    row(header),
    rule,
    ...rows.map(row),
    rule,
    `Total: ${usd(report.total)} a month at list price (fees ${usd(report.fixedFees)}, usage at rest ${usd(report.usageAtRest)})`,
    `       ${usd(report.totalAfterFreeTier)} a month after the always-free tier, if nothing else in the account uses it`,
    '',
    'Notes:',
    ...report.lines.filter((l) => l.note).map((l) => `  ${l.kind}: ${l.note}`),
    '',
    'Not included:',
    ...report.notIncluded.map((n) => `  - ${n}`),
    ...(report.unpriced.length > 0
      ? [
          '',
          `Not priced (no fixed cost known): ${report.unpriced.map((u) => `${u.type} ×${u.count}`).join(', ')}`,
          '  Add them to tools/cost/cost.ts with their price.',
        ]
      : []),
  ].join('\n');
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** The report as JSON (amounts rounded to a millionth of a dollar). */
export function toJson(report: CostReport, source: string): string {
  return JSON.stringify(
    {
      source,
      recorded: report.recorded,
      region: report.region,
      currency: report.currency,
      total: round(report.total),
      fixedFees: round(report.fixedFees),
      usageAtRest: round(report.usageAtRest),
      totalAfterFreeTier: round(report.totalAfterFreeTier),
      lines: report.lines.map((l) => ({
        kind: l.kind,
        types: l.types,
        count: l.count,
        basis: l.basis,
        quantity: l.quantity,
        ...(l.price
          ? { unitPrice: l.price.usd, per: l.price.per, units: l.price.units ?? 1, page: l.price.page }
          : {}),
        monthly: round(l.monthly),
        monthlyAfterFreeTier: round(l.monthlyAfterFreeTier),
        note: l.note,
      })),
      unpriced: report.unpriced,
      notIncluded: report.notIncluded,
    },
    null,
    2,
  );
}
