import * as z from 'zod/mini';
import { HttpError, validate } from '#shared/http/index.js';
import { logger } from '#shared/observability/logger.js';
import '#shared/schema/z.js';
import { deliveryIdOf } from './delivery-id.js';

/** `customer.created`, `reward.approved`, `partner.*`…: dot-separated lower-case words. */
export const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)+$/;

const upTo = (max: number) => z.string().check(z.maxLength(max));
const timestamp = z.nullish(z.union([upTo(64), z.number()]));

/** A Partnero webhook payload. Unknown top-level fields are ignored. */
export const deliverySchema = z.object({
  event: upTo(128).check(z.regex(EVENT_NAME, 'must be a Partnero event name such as "reward.approved"')),
  data: z.record(z.string(), z.unknown()),
  created_at: timestamp,
  timestamp,
  webhook_key: z.nullish(upTo(256)),
  id: z.nullish(z.union([upTo(256), z.number()])),
});

/** A verified, parsed delivery. */
export interface Delivery {
  /** The Partnero event name, e.g. `reward.approved`. */
  event: string;
  /** The payload's `data` object. */
  data: Record<string, unknown>;
  /** See `deliveryIdOf`. */
  deliveryId: string;
  /** The payload's `created_at` (else `timestamp`) when it carries one that reads as a time. */
  createdAt?: Date;
}

export interface ParseOptions {
  /** Now, in epoch ms. */
  now: number;
  /** Deliveries stamped further than this from `now` (either way) are refused; 0 turns the check off. */
  toleranceSeconds: number;
}

/**
 * A payload timestamp as a Date: ISO 8601 (anything `Date.parse` reads), or epoch seconds / ms as a
 * number or numeric string (values below 10^12 are seconds). Undefined when it reads as neither.
 */
export function readTimestamp(value: string | number): Date | undefined {
  const numeric =
    typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
  const ms = numeric === undefined ? Date.parse(value as string) : numeric < 1e12 ? numeric * 1000 : numeric;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const staleDelivery = () =>
  new HttpError(400, 'stale_delivery', 'The delivery timestamp is outside the accepted window');

/**
 * Parses a raw body whose signature is already verified. Not JSON → 400 `invalid_json` (and a log
 * line: Partnero signed something we cannot read); JSON of the wrong shape → 400 `validation`;
 * a timestamp outside the tolerance → 400 `stale_delivery` (a replay, or a retry Partnero made too late).
 */
export function parseDelivery(body: Buffer, options: ParseOptions): Delivery {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    logger.warn('signed webhook body is not JSON', {
      bytes: body.byteLength,
      reason: (error as Error).message,
    });
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  const payload = validate(deliverySchema, json);
  const delivery: Delivery = {
    event: payload.event,
    data: payload.data,
    deliveryId: deliveryIdOf(payload, body),
  };

  const stamp = payload.created_at ?? payload.timestamp;
  if (stamp !== undefined && stamp !== null) {
    const createdAt = readTimestamp(stamp);
    if (!createdAt) {
      // Replays inside the dedup window are dropped anyway; an unreadable stamp is not worth losing events over.
      logger.warn('webhook timestamp is not readable; freshness not checked', {
        deliveryId: delivery.deliveryId,
      });
    } else {
      delivery.createdAt = createdAt;
      if (
        options.toleranceSeconds > 0 &&
        Math.abs(options.now - createdAt.getTime()) > options.toleranceSeconds * 1000
      ) {
        logger.warn('stale webhook delivery refused', {
          deliveryId: delivery.deliveryId,
          event: delivery.event,
          createdAt: createdAt.toISOString(),
        });
        throw staleDelivery();
      }
    }
  }
  return delivery;
}
