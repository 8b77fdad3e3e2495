import { VARIANTS } from '#bench/build.js';
import { ratio, times } from '../stats.js';
import { ms, table } from './format.js';
import { type BenchResults, warmFlowsOf } from './results.js';

const HEAD = [
  'Flow',
  'Variant',
  'Median ms',
  'p90 ms',
  'p99 ms',
  'Median ÷ floor',
  'p99 ÷ floor',
  'CPU ms / invocation, mean (÷ floor)',
  'Calls / invocation',
  'Log bytes / invocation',
];

/** `DynamoDB_20120810.PutItem 2` → `PutItem 2`: the service is plain from the operation. */
const callsText = (calls: Record<string, number> | undefined) =>
  Object.entries(calls ?? {})
    .map(([target, n]) => `${target.replace(/^(DynamoDB_20120810|secretsmanager)\./, '')} ${n}`)
    .join(', ');

export function warmSection(r: BenchResults): string[] | undefined {
  const warm = warmFlowsOf(r);
  if (!warm) return undefined;
  const rows = Object.entries(warm).flatMap(([flow, v]) =>
    VARIANTS.map((variant) => {
      const s = v[variant];
      return [
        flow,
        variant,
        ms(s.median),
        ms(s.p90),
        ms(s.p99),
        times(ratio(s.median, v.floor.median)),
        times(ratio(s.p99, v.floor.p99)),
        `${s.cpuMsPerInvocation.toFixed(2)} (${times(ratio(s.cpuMsPerInvocation, v.floor.cpuMsPerInvocation))})`,
        callsText(s.callsPerInvocation),
        String(s.logBytesPerInvocation),
      ];
    }),
  );
  return [
    `## Warm overhead (one container per variant, ${r.warm?.warmup} warm-up then ${r.warm?.invocationsPerRoute} invocations per route, interleaved; sandbox answering at once)`,
    '',
    table(HEAD, rows),
  ];
}
