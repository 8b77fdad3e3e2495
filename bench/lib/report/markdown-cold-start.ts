import { VARIANTS } from '#bench/build.js';
import { ratio, times } from '../stats.js';
import { ms, table } from './format.js';
import { type BenchResults, coldFlowsOf } from './results.js';

const HEAD = [
  'Flow',
  'Variant',
  'Import ms',
  'First invocation ms',
  'Import + first ms',
  'Import ÷ floor',
  'Total ÷ floor (median)',
  'Total ÷ floor (p90)',
  'Peak RSS MB',
];

export function coldStartSection(r: BenchResults): string[] | undefined {
  const cold = coldFlowsOf(r);
  if (!cold) return undefined;
  const rows = Object.entries(cold).flatMap(([flow, v]) =>
    VARIANTS.map((variant) => {
      const s = v[variant];
      return [
        flow,
        variant,
        `${ms(s.importMs.median)} / ${ms(s.importMs.p90)}`,
        `${ms(s.firstInvokeMs.median)} / ${ms(s.firstInvokeMs.p90)}`,
        `${ms(s.totalMs.median)} / ${ms(s.totalMs.p90)}`,
        times(ratio(s.importMs.median, v.floor.importMs.median)),
        times(ratio(s.totalMs.median, v.floor.totalMs.median)),
        times(ratio(s.totalMs.p90, v.floor.totalMs.p90)),
        s.maxRssMb.median.toFixed(1),
      ];
    }),
  );
  return [
    `## Cold start (fresh \`node\` process per run, ${r.coldStart?.runsPerVariant} runs per variant, interleaved; median / p90)`,
    '',
    table(HEAD, rows),
  ];
}
