import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lazy } from '#lambda';
import { assertBodySize, headerValue, rawBody } from '#shared/http/request.js';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { dashboardAccountsOf, invalidateDashboards } from '#shared/referrals/dashboard-cache.js';
import { referralKeysFromEnv } from '#shared/referrals/keys-env.js';
import type { ReferralKeys } from '#shared/referrals/public-keys.js';
import { acceptDelivery } from '#shared/webhooks/accept-delivery.js';
import { countDelivery } from '#shared/webhooks/delivery-metrics.js';
import { createWebhookRuntime, type WebhookRuntime } from '#shared/webhooks/runtime.js';
import { SIGNATURE_HEADERS } from '#shared/webhooks/signature.js';

/**
 * POST /webhooks/partnero (no authorizer: authenticated by the HMAC signature of the raw body) —
 * verifies a Partnero delivery, drops repeats of the same body and republishes it on EventBridge
 * (docs/webhook-events.md). 202 published, 200 duplicate or stale (acknowledged, not published).
 */
export type WebhookDeps = WebhookRuntime & {
  /**
   * Partnero does not say which identifier a transaction names its referrer by: besides each identifier
   * as an account id, the account that owns it as a public key of ours (`REFERRAL_KEYS_TABLE_NAME`).
   */
  keys?: Pick<ReferralKeys, 'ownerOf'>;
};

export const createHandler = (deps: () => WebhookDeps) =>
  httpRoute(deps, async (event: APIGatewayProxyEventV2, runtime, { context, deadline }) => {
    const body = rawBody(event);
    assertBodySize(body, runtime.settings.maxBodyBytes);
    const signature = SIGNATURE_HEADERS.map((name) => headerValue(event.headers, name)?.trim()).find(Boolean);
    const outcome = await acceptDelivery(runtime, body, signature, context, deadline).catch(
      (error: unknown) => {
        countDelivery(runtime.metrics, { error });
        throw error;
      },
    );
    countDelivery(runtime.metrics, outcome);
    if (outcome.status === 'published') {
      // A reward, a credit or a transaction changes a referrer's balance: their cached dashboard is stale.
      const accounts = dashboardAccountsOf(body.toString('utf8'));
      await invalidateDashboards(await withKeyOwners(runtime.keys, accounts));
      return jsonResponse(202, {
        status: 'accepted',
        delivery_id: outcome.deliveryId,
        event_id: outcome.eventId,
      });
    }
    return jsonResponse(200, { status: outcome.status, delivery_id: outcome.deliveryId });
  });

/** The identifiers, and the accounts owning those that are public keys of ours. */
async function withKeyOwners(keys: WebhookDeps['keys'], identifiers: string[]): Promise<string[]> {
  if (!keys || identifiers.length === 0) return identifiers;
  const owners = await Promise.all(identifiers.map((id) => keys.ownerOf(id).catch(() => undefined)));
  return [...identifiers, ...owners.flatMap((o) => (o ? [o.accountId] : []))];
}

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): WebhookDeps => ({
  ...createWebhookRuntime(env),
  ...(env.REFERRAL_KEYS_TABLE_NAME ? { keys: referralKeysFromEnv(env) } : {}),
});

export const handler = createHandler(lazy(() => fromEnv()));
