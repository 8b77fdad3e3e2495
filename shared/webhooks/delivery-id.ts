import { createHash } from 'node:crypto';

/**
 * The id deliveries are deduplicated by: the payload's own `webhook_key` (else `id`) when present,
 * otherwise `sha256:` + the hex SHA-256 of the raw body (a retry resends the same bytes).
 */
export function deliveryIdOf(
  payload: { webhook_key?: string | null; id?: string | number | null },
  body: Buffer,
) {
  const own = payload.webhook_key ?? payload.id;
  if (own !== undefined && own !== null && String(own).trim() !== '') return String(own).trim();
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}
