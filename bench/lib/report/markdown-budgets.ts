import { allOf } from '../stats.js';
import { mark, table } from './format.js';
import type { BenchResults } from './results.js';

export function budgetsSection(r: BenchResults): string[] {
  const met = r.budgets.filter((b) => b.verdict === 'met').length;
  return [
    '## Budgets',
    '',
    table(
      ['Budget', 'Subject', 'Measured', 'Limit', 'Verdict'],
      r.budgets.map((b) => [
        b.budget,
        b.subject,
        b.display + (b.note ? ` (${b.note})` : ''),
        b.limit,
        mark(b.verdict),
      ]),
    ),
    '',
    `Overall: ${mark(allOf(r.budgets.map((b) => b.verdict)))} (${met}/${r.budgets.length} met).`,
  ];
}
