import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { AppError } from '#shared/errors.js';
import { validate } from '#shared/schemas/validate.js';
import '#shared/schemas/z.js';

/** A Partnero delivery as read from its bytes: its id, the depth scan, its shape. */

/**
 * The id deliveries are deduplicated by: `sha256:` + the hex SHA-256 of the raw body. Partnero has no
 * delivery id (`webhook_key` names the subscription, the same on every delivery) and a retry resends
 * the same bytes, so the body is what identifies a delivery.
 */
export const deliveryIdOf = (body: Buffer): string =>
  `sha256:${createHash('sha256').update(body).digest('hex')}`;

/**
 * Whether a JSON text nests arrays/objects deeper than `max`. Scanned over the bytes with a counter
 * (no recursion, no parse), so a hostile 40,000-deep body is refused before JSON.parse or
 * JSON.stringify could overflow the stack. Brackets inside strings are skipped.
 */
export function nestsDeeperThan(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** `customer.created`, `transaction.deleted`…: dot-separated lower-case words. */
export const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)+$/;

/** Deeper bodies are refused (400): Partnero's payloads nest a few levels, nothing needs 32. */
export const MAX_DELIVERY_DEPTH = 32;

const upTo = (max: number) => z.string().check(z.maxLength(max));

/** A Partnero delivery `{event, url, webhook_key, created_at, data}`. Unknown top-level fields are ignored. */
export const deliverySchema = z.object({
  event: upTo(128).check(z.regex(EVENT_NAME, 'must be a Partnero event name such as "customer.rewarded"')),
  data: z.record(z.string(), z.unknown()),
  created_at: z.nullish(z.union([upTo(64), z.number()])),
  webhook_key: z.nullish(upTo(256)),
  url: z.nullish(upTo(2048)),
});

/** A verified, parsed delivery. */
export interface Delivery {
  /** The Partnero event name, e.g. `customer.rewarded`. */
  event: string;
  /** The payload's `data` object. */
  data: Record<string, unknown>;
  /** `sha256:<hex>` of the raw body (see `deliveryIdOf`). */
  deliveryId: string;
  /** The key of the Partnero webhook subscription that sent it. */
  webhookKey?: string;
  /** When the event happened (`created_at`), when it reads as a time. */
  createdAt?: Date;
}

/**
 * `created_at` as a Date: ISO 8601 (anything `Date.parse` reads), or epoch seconds / ms as a number or
 * numeric string (values below 10^12 are seconds). Undefined when it reads as neither.
 */
export function readTimestamp(value: string | number): Date | undefined {
  const numeric =
    typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
  const ms = numeric === undefined ? Date.parse(value as string) : numeric < 1e12 ? numeric * 1000 : numeric;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Parses a raw body whose signature is already verified: nested deeper than `MAX_DELIVERY_DEPTH` →
 * `payload_too_deep`; not JSON → `invalid_json`; JSON of the wrong shape → `validation`.
 */
export function parseDelivery(body: Buffer): Delivery {
  if (nestsDeeperThan(body, MAX_DELIVERY_DEPTH)) {
    throw new AppError('payload_too_deep', `The body nests deeper than ${MAX_DELIVERY_DEPTH} levels`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON');
  }
  const payload = validate(deliverySchema, json);
  const delivery: Delivery = { event: payload.event, data: payload.data, deliveryId: deliveryIdOf(body) };
  if (payload.webhook_key) delivery.webhookKey = payload.webhook_key;
  const createdAt = payload.created_at == null ? undefined : readTimestamp(payload.created_at);
  if (createdAt) delivery.createdAt = createdAt;
  return delivery;
}

/**
 * Whether a delivery is older than `toleranceSeconds` (0: never). A stale delivery is acknowledged and
 * dropped, never refused with a 4xx: Partnero's late retries carry the original `created_at`.
 */
export const isStale = (delivery: Delivery, now: number, toleranceSeconds: number): boolean =>
  toleranceSeconds > 0 &&
  delivery.createdAt !== undefined &&
  now - delivery.createdAt.getTime() > toleranceSeconds * 1000;
