import { VARIANTS } from '#bench/build.js';
import { table } from './format.js';
import { type BenchResults, secretReadsOf } from './results.js';

const HEAD = [
  'Flow',
  'Variant',
  'GetSecretValue calls',
  'Invocations',
  'Container lifetime',
  'Cache periods (300 s)',
];

export function secretReadsSection(r: BenchResults): string[] | undefined {
  const reads = secretReadsOf(r);
  if (!reads) return undefined;
  const rows = Object.entries(reads).flatMap(([flow, v]) =>
    VARIANTS.map((variant) => {
      const s = v[variant];
      return [
        flow,
        variant,
        String(s.calls),
        String(s.invocations),
        `${s.lifetimeSeconds} s`,
        String(s.cachePeriods),
      ];
    }),
  );
  return ['## Secrets Manager calls per warm container', '', table(HEAD, rows)];
}
