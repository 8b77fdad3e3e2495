/**
 * The Markdown report printed on stdout and written to bench/results/latest.md: the run's context,
 * then one section per measurement. Pure: no I/O.
 */

import { budgetsSection } from './markdown-budgets.js';
import { bundlesSection } from './markdown-bundles.js';
import { coldStartSection } from './markdown-cold-start.js';
import { failuresSection } from './markdown-failures.js';
import { fanoutSection } from './markdown-fanout.js';
import { ordersSection } from './markdown-orders.js';
import { secretReadsSection } from './markdown-secret-reads.js';
import { throughputSection } from './markdown-throughput.js';
import { warmSection } from './markdown-warm.js';
import type { BenchResults } from './results.js';

/** A section's lines, or undefined when the run did not measure it. */
export type Section = (r: BenchResults) => string[] | undefined;

const SECTIONS: readonly Section[] = [
  budgetsSection,
  bundlesSection,
  coldStartSection,
  warmSection,
  fanoutSection,
  secretReadsSection,
  ordersSection,
  throughputSection,
  failuresSection,
];

function preamble(r: BenchResults): string[] {
  const m = r.machine;
  return [
    `# Benchmark results (${r.mode} run)`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}. Date: ${m.date}. ` +
      `Load average (1 min) ${m.loadAverage1m} at start, ${m.loadAverage1mAtEnd} at end. Run took ${r.durationSeconds} s.`,
    '',
    'Reproduce: `npm run bench` (full) or `npm run bench -- --quick`. Ratios compare variants measured in the same run, ' +
      'interleaved; absolute times depend on the machine and its load. Bundles are built with the stack’s own options ' +
      '(infra/bundling.ts).',
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const blocks = [preamble(r), ...SECTIONS.map((section) => section(r))];
  return blocks
    .filter((lines): lines is string[] => lines !== undefined)
    .map((lines) => lines.join('\n'))
    .join('\n\n');
}
