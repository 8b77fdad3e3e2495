import { isToolError } from '#tools/cli/errors.js';
import { type CheckResult, type CheckRun, type DoctorDeps, fail } from './check.js';
import { alarmsCheck, dlqCheck, reconcilerCheck } from './checks/aws.js';
import { testDeliveryCheck } from './checks/delivery.js';
import { apiKeyCheck, webhookCheck } from './checks/partnero.js';

type Check = { name: string; run: (run: CheckRun) => Promise<CheckResult> };

/** The checks, in the order a fix should follow: key, webhook, delivery, then the pipeline's health. */
export const CHECKS: readonly Check[] = [
  { name: 'API key', run: apiKeyCheck },
  { name: 'webhook', run: webhookCheck },
  { name: 'test delivery', run: testDeliveryCheck },
  { name: 'order DLQ', run: dlqCheck },
  { name: 'alarms', run: alarmsCheck },
  { name: 'reconciler', run: reconcilerCheck },
];

/**
 * `npm run doctor`: runs every check against the target and reports each (pass, fail with its fix,
 * or skip with the reason). A check that cannot run (an AWS call refused) fails with the reason; the
 * others still run. `onResult` sees each result as it comes.
 */
export async function runDoctor(
  deps: DoctorDeps,
  onResult: (result: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const { target } = deps;
  const run: CheckRun = {
    deps,
    facts: {},
    aws: target.local
      ? { localEndpoint: target.aws.endpoint ?? '' }
      : target.aws.region
        ? { region: target.aws.region }
        : {},
  };
  const results: CheckResult[] = [];
  for (const check of CHECKS) {
    let result: CheckResult;
    try {
      result = await check.run(run);
    } catch (e) {
      if (!isToolError(e)) throw e;
      result = fail(check.name, e.message, 'fix what the message says, then run this again');
    }
    results.push(result);
    onResult(result);
  }
  return results;
}

/** Exit code: 1 when any check failed (skips do not fail a pipeline). */
export const exitCodeOf = (results: readonly CheckResult[]) =>
  results.some((r) => r.status === 'fail') ? 1 : 0;
