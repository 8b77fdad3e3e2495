/** How the report writes numbers, verdicts and tables. */
import type { InputSize } from '#bench/build.js';
import { kib, type Verdict } from '../stats.js';

/** Milliseconds: whole from 100 up, one decimal below, `–` when not measured. */
export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value >= 100 ? 0 : 1) : '–');

export const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export const mark = (v: Verdict | undefined) =>
  v === 'met' ? '✅ met' : v === 'missed' ? '❌ missed' : (v ?? '');

export const sizeList = (inputs: readonly InputSize[]) =>
  inputs.map((i) => `${i.path} ${kib(i.bytes)}`).join('; ');
