import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { lazy } from '#lambda';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { loadDashboard } from '#shared/referrals/dashboard.js';
import {
  cachedDashboard,
  type DashboardCache,
  dashboardCacheFromEnv,
} from '#shared/referrals/dashboard-cache.js';
import { type IdentityRules, identityFromEvent, identityRulesFromEnv } from '#shared/referrals/identity.js';
import { referralKeysFromEnv } from '#shared/referrals/keys-env.js';
import type { ReferralKeys } from '#shared/referrals/public-keys.js';
import { meQuery } from '#shared/schemas/referral-routes.js';
import { validate } from '#shared/schemas/validate.js';

/** GET /referrals/me — the signed-in user's referral link, stats, balance and referred friends. */
export interface MeDeps {
  partnero: PartneroClient;
  /** The caller's public key (`REFERRAL_KEYS_TABLE_NAME`). */
  keys: Pick<ReferralKeys, 'keyOf'>;
  /** Which token claims say who the caller is (`CUSTOMER_KEY_CLAIM`, `REQUIRED_TOKEN_USE`). */
  identity: IdentityRules;
  /** The dashboards of the last `DASHBOARD_CACHE_SECONDS`, shared by every container (`QUOTA_TABLE_NAME`). */
  cache?: DashboardCache;
}

export const createHandler = (deps: () => MeDeps) =>
  httpRoute(
    deps,
    async (
      event: APIGatewayProxyEventV2WithJWTAuthorizer,
      { partnero, keys, identity, cache },
      { deadline },
    ) => {
      const { customerKey } = identityFromEvent(event, identity);
      const { page } = validate(meQuery, event.queryStringParameters ?? {}, 'query');
      // A hit costs no Partnero call; a miss counts against this account's own share of the budget.
      const dashboard = await cachedDashboard(cache, customerKey, page, () =>
        loadDashboard(partnero, keys, customerKey, page, {
          deadline,
          account: customerKey,
        }),
      );
      return jsonResponse(200, dashboard);
    },
  );

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): MeDeps => {
  const cache = dashboardCacheFromEnv(env);
  return {
    partnero: partneroFromEnv(env, { quotaPool: 'customer' }).partnero,
    keys: referralKeysFromEnv(env),
    identity: identityRulesFromEnv(env),
    ...(cache ? { cache } : {}),
  };
};

export const handler = createHandler(lazy(() => fromEnv()));
