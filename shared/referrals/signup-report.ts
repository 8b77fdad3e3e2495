import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SignupResult } from './signup.js';

type SignupMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/** Adds one to `name`, both in total and under `dimension` = `value` (the funnel's breakdown). */
function countBy(metrics: SignupMetrics, name: string, dimension: string, value: string) {
  metrics.addMetric(name, 'Count', 1);
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, 'Count', 1);
}

/**
 * Counts a sign-up by outcome (`Signups` by `outcome`) and a dropped referral by reason
 * (`ReferralsDropped` by `reason`), and logs every drop with the key it was about.
 */
export function reportSignup(
  result: SignupResult,
  deps: { metrics: SignupMetrics; log: Pick<Logger, 'info'> },
  context: { customerKey: string; referralSource?: string },
) {
  countBy(deps.metrics, 'Signups', 'outcome', result.outcome);
  if (!result.referralDropped) return;
  countBy(deps.metrics, 'ReferralsDropped', 'reason', result.referralDropped);
  deps.log.info('referral dropped', { reason: result.referralDropped, ...context });
}
