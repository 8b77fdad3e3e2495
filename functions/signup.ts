import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { httpRoute, jsonResponse, readCookie, readJsonBody } from '#shared/http/index.js';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { lazy } from '#shared/lambda/lazy.js';
import { logger } from '#shared/lambda/logger.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { customerView } from '#shared/referrals/customer-view.js';
import { identityFromEvent } from '#shared/referrals/identity.js';
import { expireReferralCookie, REFERRAL_COOKIE, referrerKeyOf } from '#shared/referrals/referral-source.js';
import { signup } from '#shared/referrals/signup.js';
import { signupBody } from '#shared/schemas/api.js';
import { validate } from '#shared/schemas/validate.js';

/** POST /referrals/signup — enrol the signed-in user; call it after every sign-in, it is idempotent. */
export interface SignupDeps {
  partnero: PartneroClient;
  /** JWT claim holding the customer key (`CUSTOMER_KEY_CLAIM`). */
  customerKeyClaim: string;
  /** Domain of the `partnero_referral` cookie, to expire it once used (`REFERRAL_COOKIE_DOMAIN`). */
  referralCookieDomain?: string;
}

export const createHandler = (deps: () => SignupDeps) =>
  httpRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event, context) => {
    const { partnero, customerKeyClaim, referralCookieDomain } = deps();
    const identity = identityFromEvent(event, customerKeyClaim);
    const body = validate(signupBody, readJsonBody(event)) ?? {};
    const referrer = referrerKeyOf(readCookie(event, REFERRAL_COOKIE), body.referral_key);

    const result = await signup(
      partnero,
      { identity, profile: body, ...(referrer ? { referrerKey: referrer.key } : {}) },
      logger,
      { deadline: deadlineOf(context) },
    );

    const cookies =
      referralCookieDomain && referrer?.source === 'cookie'
        ? [expireReferralCookie(referralCookieDomain)]
        : [];
    return jsonResponse(
      result.created ? 201 : 200,
      {
        customer: customerView(result.customer),
        ...(result.referralDropped ? { referral_dropped: result.referralDropped } : {}),
      },
      { cookies },
    );
  });

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): SignupDeps => ({
  partnero: partneroFromEnv(env).partnero,
  customerKeyClaim: env.CUSTOMER_KEY_CLAIM || 'sub',
  ...(env.REFERRAL_COOKIE_DOMAIN ? { referralCookieDomain: env.REFERRAL_COOKIE_DOMAIN } : {}),
});

export const handler = createHandler(lazy(() => fromEnv()));
