import type { Context } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { logger } from '#shared/lambda/runtime.js';
import { isSecretError } from '#shared/secrets/secret-value.js';
import { isStale, parseDelivery } from './parse-delivery.js';
import { eventEntry } from './publish.js';
import type { WebhookRuntime } from './runtime.js';

export type DeliveryOutcome =
  | { status: 'published' | 'duplicate'; event: string; deliveryId: string; eventId: string | null }
  /** Older than the configured tolerance: acknowledged so Partnero stops retrying, not published. */
  | { status: 'stale'; event: string; deliveryId: string; createdAt: string };

/**
 * One Partnero delivery, in order: signature over the raw bytes (`unauthorized`) → depth, JSON and shape
 * → freshness (when configured) → publish once per body hash (`duplicate` for a repeat,
 * `delivery_in_progress` while the same body is being published). Every failure a Partnero retry can
 * fix is `retryable` (signing secret, dedup store or EventBridge down).
 */
export async function acceptDelivery(
  runtime: WebhookRuntime,
  body: Buffer,
  signature: string | undefined,
  context: Context,
  deadline: number,
): Promise<DeliveryOutcome> {
  try {
    await runtime.verify(body, signature, deadline);
  } catch (error) {
    throw signingSecretError(error);
  }
  const delivery = parseDelivery(body);
  const { event, deliveryId } = delivery;
  if (delivery.createdAt && isStale(delivery, runtime.now(), runtime.settings.toleranceSeconds)) {
    const createdAt = delivery.createdAt.toISOString();
    logger.warn('stale webhook delivery acknowledged and dropped', { event, deliveryId, createdAt });
    return { status: 'stale', event, deliveryId, createdAt };
  }
  const outcome = await runtime.publishOnce(
    deliveryId,
    eventEntry(delivery, runtime.target),
    context,
    deadline,
  );
  logger.info('webhook delivery', { event, deliveryId, status: outcome.status });
  return { ...outcome, event };
}

/** The signing secret's failures, worded for the webhook (the shared wording speaks of the API key). */
function signingSecretError(error: unknown): unknown {
  if (!isSecretError(error)) return error;
  logger.error('webhook signing secret unavailable', { code: error.code, message: error.message });
  return error.retryable
    ? new AppError('secret_unavailable', 'The webhook signing secret could not be read; retry later', {
        retryable: true,
      })
    : new AppError('not_configured', 'The webhook signing secret is not configured');
}
