import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { httpRoute, jsonResponse } from '#shared/http/index.js';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { lazy } from '#shared/lambda/lazy.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import type { PartneroClient } from '#shared/partnero/index.js';
import { loadDashboard } from '#shared/referrals/dashboard.js';
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
}

export const createHandler = (deps: () => MeDeps) =>
  httpRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event, context) => {
    const { partnero, keys, identity } = deps();
    const { customerKey } = identityFromEvent(event, identity);
    const { page } = validate(meQuery, event.queryStringParameters ?? {}, 'query');
    const dashboard = await loadDashboard(partnero, keys, customerKey, page, {
      deadline: deadlineOf(context),
    });
    return jsonResponse(200, dashboard);
  });

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): MeDeps => ({
  partnero: partneroFromEnv(env).partnero,
  keys: referralKeysFromEnv(env),
  identity: identityRulesFromEnv(env),
});

export const handler = createHandler(lazy(() => fromEnv()));
