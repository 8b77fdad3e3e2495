import { httpRoute } from '#shared/http/index.js';
import { lazy } from '#shared/runtime/partnero-runtime.js';
import { createWebhookRuntime, handleDelivery } from '#shared/webhooks/index.js';

/**
 * POST /webhooks/partnero (no authorizer: authenticated by the HMAC signature of the raw body) —
 * verifies a Partnero webhook, drops duplicates and republishes it on EventBridge
 * (docs/webhook-events.md). Clients and the dedup store are created once per container, on first use.
 */
const runtime = lazy(() => createWebhookRuntime());

export const handler = httpRoute(async (event, context) => handleDelivery(runtime(), event, context));
