import { times } from '../stats.js';
import type { BenchResults } from './results.js';

export function failuresSection(r: BenchResults): string[] {
  const oversized = r.bundles.filter((b) => b.verdict === 'missed');
  return [
    '## Failures',
    '',
    ...(r.failures.length === 0 && oversized.length === 0
      ? ['None: no crashed run, every correctness check passed.']
      : []),
    ...oversized.map(
      (b) => `- bundle functions/${b.name}.ts is ${times(b.ratio as number)} its floor (budget 1.5×)`,
    ),
    ...r.failures.map((f) => `- ${f.replaceAll('\n', ' ')}`),
  ];
}
