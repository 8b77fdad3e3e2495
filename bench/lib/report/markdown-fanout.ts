import { VARIANTS } from '#bench/build.js';
import { ratio, times } from '../stats.js';
import { ms, table } from './format.js';
import { type BenchResults, fanoutOf } from './results.js';

export function fanoutSection(r: BenchResults): string[] | undefined {
  const fanout = fanoutOf(r);
  if (!fanout) return undefined;
  const oneCall = `${ms(fanout.oneCall.median)} / ${ms(fanout.oneCall.p90)}`;
  const rows = VARIANTS.map((v) => [
    v,
    `${ms(fanout.dashboard[v].median)} / ${ms(fanout.dashboard[v].p90)}`,
    oneCall,
    times(ratio(fanout.dashboard[v].median, fanout.oneCall.median)),
  ]);
  return [
    `## Dashboard fan-out (sandbox delays every call by ${fanout.latencyMs} ms; ${fanout.samples} samples; median / p90)`,
    '',
    table(['Variant', 'GET /referrals/me ms', 'One Partnero call ms', 'Ratio (median)'], rows),
  ];
}
