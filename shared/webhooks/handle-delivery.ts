import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { assertBodySize, deadlineOf, HttpError, jsonResponse, rawBody } from '#shared/http/index.js';
import { logger } from '#shared/observability/logger.js';
import { isSecretError } from '#shared/secrets/index.js';
import { parseDelivery } from './parse-delivery.js';
import { eventEntry, isPublishError } from './publish.js';
import type { WebhookRuntime } from './runtime.js';

/**
 * `POST /webhooks/partnero`, in order: body size (413) → signature over the raw bytes (401) → JSON and
 * shape (400) → timestamp freshness (400 `stale_delivery`) → publish once per delivery id:
 * 202 `accepted`, 200 `duplicate`, 409 while the same delivery is in flight, 503 when the signing
 * secret, the dedup store or EventBridge fails (Partnero retries, and the retry publishes).
 */
export async function handleDelivery(
  runtime: WebhookRuntime,
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  const deadline = deadlineOf(context);
  const body = rawBody(event);
  assertBodySize(body, runtime.settings.maxBodyBytes);
  try {
    await runtime.verify(body, event.headers, deadline);
    const delivery = parseDelivery(body, {
      now: runtime.now(),
      toleranceSeconds: runtime.settings.toleranceSeconds,
    });
    const entry = eventEntry(delivery, runtime.target);
    const outcome = await runtime.publishOnce(delivery.deliveryId, entry, context, deadline);
    logger.info('webhook delivery', {
      event: delivery.event,
      deliveryId: outcome.deliveryId,
      status: outcome.status,
    });
    return outcome.status === 'duplicate'
      ? jsonResponse(200, { status: 'duplicate', delivery_id: outcome.deliveryId })
      : jsonResponse(202, { status: 'accepted', delivery_id: outcome.deliveryId, event_id: outcome.eventId });
  } catch (error) {
    throw toWebhookError(error);
  }
}

/** Webhook-specific answers for failures the shared mapping would word for the API key. */
function toWebhookError(error: unknown): unknown {
  if (isSecretError(error)) {
    logger.error('webhook signing secret unavailable', { code: error.code, message: error.message });
    return error.retryable
      ? new HttpError(
          503,
          'secret_unavailable',
          'The webhook signing secret could not be read; retry later',
          {
            headers: { 'retry-after': '1' },
          },
        )
      : new HttpError(503, 'not_configured', 'The webhook signing secret is not configured');
  }
  if (isPublishError(error)) {
    logger.error('webhook publish failed', { message: error.message, cause: error.cause });
    return new HttpError(503, 'publish_failed', 'The event could not be published; retry later', {
      headers: { 'retry-after': '1' },
    });
  }
  return error;
}
