import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { assertBodySize, headerValue, httpRoute, jsonResponse, rawBody } from '#shared/http/index.js';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { lazy } from '#shared/lambda/lazy.js';
import { dashboardAccountsOf, invalidateDashboards } from '#shared/referrals/dashboard-cache.js';
import { referralKeysFromEnv } from '#shared/referrals/keys-env.js';
import { countDelivery } from '#shared/webhooks/delivery-metrics.js';
import {
  acceptDelivery,
  createWebhookRuntime,
  SIGNATURE_HEADERS,
  type WebhookRuntime,
} from '#shared/webhooks/index.js';

/**
 * POST /webhooks/partnero (no authorizer: authenticated by the HMAC signature of the raw body) —
 * verifies a Partnero delivery, drops repeats of the same body and republishes it on EventBridge
 * (docs/webhook-events.md). 202 published, 200 duplicate or stale (acknowledged, not published).
 */
export const createHandler = (deps: () => WebhookRuntime) =>
  httpRoute<APIGatewayProxyEventV2>(
    async (event, context) => {
      const runtime = deps();
      const body = rawBody(event);
      assertBodySize(body, runtime.settings.maxBodyBytes);
      const signature = SIGNATURE_HEADERS.map((name) => headerValue(event.headers, name)?.trim()).find(
        Boolean,
      );
      const outcome = await acceptDelivery(runtime, body, signature, context, deadlineOf(context)).catch(
        (error: unknown) => {
          countDelivery(runtime.metrics, { error });
          throw error;
        },
      );
      countDelivery(runtime.metrics, outcome);
      if (outcome.status === 'published') {
        // A reward, a credit or a transaction changes a referrer's balance: their cached dashboard is stale.
        await invalidateDashboards(await withKeyOwners(dashboardAccountsOf(body.toString('utf8'))));
        return jsonResponse(202, {
          status: 'accepted',
          delivery_id: outcome.deliveryId,
          event_id: outcome.eventId,
        });
      }
      return jsonResponse(200, { status: outcome.status, delivery_id: outcome.deliveryId });
    },
    { metrics: () => deps().metrics },
  );

/**
 * Partnero does not say which identifier a transaction names its referrer by: besides each identifier
 * as an account id, the account that owns it as a public key of ours (`REFERRAL_KEYS_TABLE_NAME`).
 */
const keyMap = lazy(() => (process.env.REFERRAL_KEYS_TABLE_NAME ? referralKeysFromEnv() : undefined));
async function withKeyOwners(identifiers: string[]): Promise<string[]> {
  const keys = keyMap();
  if (!keys || identifiers.length === 0) return identifiers;
  const owners = await Promise.all(identifiers.map((id) => keys.ownerOf(id).catch(() => undefined)));
  return [...identifiers, ...owners.flatMap((o) => (o ? [o.accountId] : []))];
}

export const handler = createHandler(lazy(() => createWebhookRuntime()));
