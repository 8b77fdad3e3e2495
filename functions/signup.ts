import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { lazy } from '#lambda';
import { readCookie, readJsonBody } from '#shared/http/request.js';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { createMetrics, logger, type PublishableMetrics } from '#shared/lambda/runtime.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { customerView } from '#shared/referrals/customer-view.js';
import { invalidateDashboards } from '#shared/referrals/dashboard-cache.js';
import { disposableEmailGuard } from '#shared/referrals/disposable-email.js';
import { type IdentityRules, identityFromEvent, identityRulesFromEnv } from '#shared/referrals/identity.js';
import { emailHasherFromEnv, referralKeysFromEnv } from '#shared/referrals/keys-env.js';
import type { EmailHasher } from '#shared/referrals/mailbox.js';
import type { ReferralKeys } from '#shared/referrals/public-keys.js';
import {
  expireReferralCookie,
  REFERRAL_COOKIE,
  referralSourceOf,
} from '#shared/referrals/referral-source.js';
import type { ReferralGuards } from '#shared/referrals/screen-referral.js';
import { signup } from '#shared/referrals/signup.js';
import { reportSignup } from '#shared/referrals/signup-report.js';
import { signupBody } from '#shared/schemas/referral-routes.js';
import { validate } from '#shared/schemas/validate.js';

/** POST /referrals/signup — enrol the signed-in user; call it after every sign-in, it is idempotent. */
export interface SignupDeps {
  partnero: PartneroClient;
  /** Our public keys and the map from a key to its account (`REFERRAL_KEYS_TABLE_NAME`). */
  keys: ReferralKeys;
  /** Keyed hash of a canonical email, for the self-referral check (`EMAIL_HASH_SECRET_ID`). */
  hashEmail: EmailHasher;
  /** Which token claims say who the caller is (`CUSTOMER_KEY_CLAIM`, `REQUIRED_TOKEN_USE`). */
  identity: IdentityRules;
  guards: ReferralGuards;
  metrics: Pick<Metrics, 'addMetric' | 'addDimension' | 'singleMetric'> & PublishableMetrics;
  /** Domain of the `partnero_referral` cookie, to expire it once read (`REFERRAL_COOKIE_DOMAIN`). */
  referralCookieDomain?: string;
}

export const createHandler = (deps: () => SignupDeps) =>
  httpRoute(
    deps,
    async (
      event: APIGatewayProxyEventV2WithJWTAuthorizer,
      { partnero, keys, hashEmail, identity: rules, guards, metrics, referralCookieDomain },
      { deadline },
    ) => {
      const identity = identityFromEvent(event, rules);
      const body = validate(signupBody, readJsonBody(event)) ?? {};
      const cookie = readCookie(event, REFERRAL_COOKIE);
      const referral = referralSourceOf(cookie, body.referral_key);

      const result = await signup(
        { client: partnero, keys, hashEmail },
        { identity, profile: body, ...(referral ? { referral } : {}) },
        guards,
        {
          deadline,
          // The caller's own share of the Partnero budget (per-customer limit).
          account: identity.customerKey,
        },
      );
      // Enrolled (or found): a dashboard cached before now is stale, and so is the referrer's, whose
      // friends and counts just changed (a key from before the map is its owner's account id).
      const referrer = result.referrer ? [result.referrer.accountId ?? result.referrer.key] : [];
      await invalidateDashboards([identity.customerKey, ...referrer]);
      reportSignup(
        result,
        { metrics, log: logger },
        { customerKey: identity.customerKey, ...(referral ? { referralSource: referral.source } : {}) },
      );

      // A cookie that was read (used or garbled) is spent: the next sign-up on this browser starts clean.
      const cookies = referralCookieDomain && cookie ? [expireReferralCookie(referralCookieDomain)] : [];
      return jsonResponse(
        result.outcome === 'existing' ? 200 : 201,
        {
          customer: customerView(result.customer, result.key),
          ...(result.referralDropped ? { referral_dropped: result.referralDropped } : {}),
        },
        { cookies },
      );
    },
  );

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): SignupDeps => ({
  partnero: partneroFromEnv(env, { quotaPool: 'customer' }).partnero,
  keys: referralKeysFromEnv(env),
  hashEmail: emailHasherFromEnv(env),
  identity: identityRulesFromEnv(env),
  guards: env.BLOCK_DISPOSABLE_EMAILS === 'true' ? { isDisposableEmail: disposableEmailGuard(logger) } : {},
  metrics: createMetrics(env),
  ...(env.REFERRAL_COOKIE_DOMAIN ? { referralCookieDomain: env.REFERRAL_COOKIE_DOMAIN } : {}),
});

export const handler = createHandler(lazy(() => fromEnv()));
