import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { meQuery } from '#shared/api/schemas.js';
import { deadlineOf, httpRoute, jsonResponse, validate } from '#shared/http/index.js';
import { loadDashboard } from '#shared/referrals/dashboard.js';
import { identityFromEvent } from '#shared/referrals/identity.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/** GET /referrals/me — the signed-in user's referral link, stats, balance and referred friends. */
const runtime = lazy(() => createPartneroRuntime());

export const handler = httpRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event, context) => {
  const { customerKey } = identityFromEvent(event, process.env.CUSTOMER_KEY_CLAIM || 'sub');
  const { page } = validate(meQuery, event.queryStringParameters ?? {}, 'query');
  const dashboard = await loadDashboard(runtime().partnero, customerKey, page, {
    deadline: deadlineOf(context),
  });
  return jsonResponse(200, dashboard);
});
