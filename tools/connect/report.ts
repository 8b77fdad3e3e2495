/** One line of connect's table: what it looked at, what it did, and on what. */
export interface Row {
  step: string;
  result: string;
  detail: string;
}

/** The rows as an aligned table (no secret is ever in a row). */
export function formatTable(rows: readonly Row[]): string {
  const width = (pick: (r: Row) => string) => Math.max(0, ...rows.map((r) => pick(r).length));
  const step = width((r) => r.step);
  const result = width((r) => r.result);
  return rows
    .map((r) => `  ${r.step.padEnd(step)}  ${r.result.padEnd(result)}  ${r.detail}`.trimEnd())
    .join('\n');
}
