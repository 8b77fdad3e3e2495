import type { CheckResult } from './check.js';
import { CHECKS } from './doctor.js';

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
const WIDTH = Math.max(...CHECKS.map((c) => c.name.length));

/** One result as the doctor prints it: status, check, what it found; a failure's fix on the next line. */
export function formatResult(result: CheckResult): string {
  const line = `  ${LABEL[result.status]}  ${result.name.padEnd(WIDTH)}  ${result.detail}`;
  return result.fix ? `${line}\n        ${' '.repeat(WIDTH)}  fix: ${result.fix}` : line;
}

export function summaryOf(results: readonly CheckResult[]): string {
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  return `doctor: ${count('pass')} checks passed, ${count('fail')} failed, ${count('skip')} skipped`;
}
