import { createHash } from 'node:crypto';

/**
 * The id deliveries are deduplicated by: `sha256:` + the hex SHA-256 of the raw body. Partnero has no
 * delivery id (`webhook_key` names the subscription, the same on every delivery) and a retry resends
 * the same bytes, so the body is what identifies a delivery.
 */
export const deliveryIdOf = (body: Buffer): string =>
  `sha256:${createHash('sha256').update(body).digest('hex')}`;
