import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { signupBody } from '#shared/api/schemas.js';
import { deadlineOf, httpRoute, jsonResponse, readJsonBody, validate } from '#shared/http/index.js';
import { logger } from '#shared/observability/logger.js';
import { customerView } from '#shared/referrals/customer-view.js';
import { identityFromEvent } from '#shared/referrals/identity.js';
import { expireReferralCookie, referrerKeyOf } from '#shared/referrals/referral-source.js';
import { signup } from '#shared/referrals/signup.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/** POST /referrals/signup — enrol the signed-in user; call it after every sign-in, it is idempotent. */
const runtime = lazy(() => createPartneroRuntime());

export const handler = httpRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event, context) => {
  const identity = identityFromEvent(event, process.env.CUSTOMER_KEY_CLAIM || 'sub');
  const body = validate(signupBody, readJsonBody(event)) ?? {};
  const referrer = referrerKeyOf(event, body.referral_key);

  const result = await signup(
    runtime().partnero,
    { identity, profile: body, ...(referrer ? { referrerKey: referrer.key } : {}) },
    logger,
    { deadline: deadlineOf(context) },
  );

  const cookieDomain = process.env.REFERRAL_COOKIE_DOMAIN;
  const cookies = cookieDomain && referrer?.source === 'cookie' ? [expireReferralCookie(cookieDomain)] : [];
  return jsonResponse(
    result.created ? 201 : 200,
    {
      customer: customerView(result.customer),
      ...(result.referralDropped ? { referral_dropped: result.referralDropped } : {}),
    },
    { cookies },
  );
});
