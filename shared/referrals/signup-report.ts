import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { ReferralDropReason } from './screen-referral.js';
import type { SignupOutcome, SignupResult } from './signup.js';

type SignupMetrics = Pick<Metrics, 'addMetric' | 'addDimension' | 'singleMetric'>;

/** The sign-up metrics; the dashboard and the alarms read these names. */
export const SIGNUP_METRICS = {
  /** By `outcome` only. */
  signups: 'Signups',
  /** The customer was enrolled, the referral was not recorded: in total and by `reason`. */
  referralsDropped: 'ReferralsDropped',
} as const;

/** Every `outcome` of `Signups` (the dashboard sums them for the total). */
export const SIGNUP_OUTCOMES = ['attributed', 'unattributed', 'existing'] as const satisfies SignupOutcome[];

/** Every `reason` of `ReferralsDropped`. */
export const DROP_REASONS = [
  'self_referral',
  'unknown_referrer',
  'already_enrolled',
  'invalid_referral',
  'disposable_email',
] as const satisfies ReferralDropReason[];

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
  deps.metrics.addMetric(SIGNUP_METRICS.signups, 'Count', 1);
  if (!result.referralDropped) return;
  const byReason = deps.metrics.singleMetric();
  byReason.addDimension('reason', result.referralDropped);
  byReason.addMetric(SIGNUP_METRICS.referralsDropped, 'Count', 1);
  const total = deps.metrics.singleMetric();
  total.addMetric(SIGNUP_METRICS.referralsDropped, 'Count', 1);
  deps.log.info('referral dropped', { reason: result.referralDropped, ...context });
}
