import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SignupResult } from './signup.js';

type SignupMetrics = Pick<Metrics, 'addMetric' | 'addDimension' | 'singleMetric'>;

/**
 * Counts a sign-up by outcome (`Signups` with an `outcome` dimension, in the invocation's one EMF
 * record; the dashboard sums the outcomes) and a dropped referral by reason (`ReferralsDropped`, in
 * total and by `reason`, a record of its own since drops are rare), and logs every drop with the key
 * it was about.
 */
export function reportSignup(
  result: SignupResult,
  deps: { metrics: SignupMetrics; log: Pick<Logger, 'info'> },
  context: { customerKey: string; referralSource?: string },
) {
  deps.metrics.addDimension('outcome', result.outcome);
  deps.metrics.addMetric('Signups', 'Count', 1);
  if (!result.referralDropped) return;
  const byReason = deps.metrics.singleMetric();
  byReason.addDimension('reason', result.referralDropped);
  byReason.addMetric('ReferralsDropped', 'Count', 1);
  const total = deps.metrics.singleMetric();
  total.addMetric('ReferralsDropped', 'Count', 1);
  deps.log.info('referral dropped', { reason: result.referralDropped, ...context });
}
