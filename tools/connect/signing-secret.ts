import { type SigningKeys, WEBHOOK_SECRET_FIELDS } from '#shared/webhooks/webhook-secret.js';

/** The webhook secret's JSON fields after connect, and whether they differ from what is stored. */
export interface SigningSecretUpdate {
  fields: Record<string, string>;
  changed: boolean;
  /** Until when the previous secret is accepted (ISO 8601), when one is kept. */
  previousValidUntil?: string;
}

/**
 * The webhook secret to store for `signature`. A new signature keeps the stored one as the previous
 * secret for `graceMs` (0: none), so deliveries signed before the change are still accepted; the same
 * signature keeps a previous secret until it expires and then drops it.
 */
export function nextSigningSecret(
  storedFields: Record<string, unknown>,
  stored: SigningKeys | undefined,
  signature: string,
  { now, graceMs }: { now: number; graceMs: number },
): SigningSecretUpdate {
  const F = WEBHOOK_SECRET_FIELDS;
  let previous: { secret: string; validUntil: number } | undefined;
  if (stored && stored.current !== signature) {
    previous = graceMs > 0 ? { secret: stored.current, validUntil: now + graceMs } : undefined;
  } else if (stored?.previous && now < stored.previous.validUntil) {
    previous = stored.previous;
  }
  const fields: Record<string, string> = { [F.current]: signature };
  const previousValidUntil = previous ? new Date(previous.validUntil).toISOString() : undefined;
  if (previous && previousValidUntil) {
    fields[F.previous] = previous.secret;
    fields[F.previousValidUntil] = previousValidUntil;
  }
  const changed = Object.values(F).some((name) => storedFields[name] !== fields[name]);
  return previousValidUntil ? { fields, changed, previousValidUntil } : { fields, changed };
}
