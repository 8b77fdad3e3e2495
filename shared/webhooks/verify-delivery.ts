import { AppError } from '#shared/errors.js';
import { beforeDeadline } from '#shared/lambda/deadline.js';
import { logger } from '#shared/lambda/logger.js';
import type { RefreshableValue } from '#shared/secrets/index.js';
import { matchesSignature, parseSignature } from './signature.js';

/** The one answer for every signature failure: no hint of which check failed. */
export const invalidSignature = () => new AppError('unauthorized', 'Invalid signature');

const secretTimeout = () =>
  new AppError('secret_unavailable', 'The webhook signing secret could not be read; retry later', {
    retryable: true,
  });

export interface DeliveryVerifierOptions {
  /** The cached signing secret. */
  secret: RefreshableValue;
  /**
   * A mismatch re-reads the secret (it may have rotated) unless it was re-read this recently: the
   * freshly read value would be the same, and unsigned traffic must not turn into Secrets Manager calls.
   * @default 5000
   */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

/** Checks `body` against the value of the `Signature` header. */
export type DeliveryVerifier = (
  body: Buffer,
  signatureHeader: string | undefined,
  deadline: number,
) => Promise<void>;

/**
 * Verifies the HMAC-SHA256 signature of the raw body; throws the 401 `invalidSignature()` when the
 * header is missing, malformed or wrong. On a mismatch the cached secret is dropped and read once
 * more before rejecting, so a rotated secret is picked up by the first delivery signed with it.
 */
export function createDeliveryVerifier(options: DeliveryVerifierOptions): DeliveryVerifier {
  const { secret, minRefreshIntervalMs = 5_000, now = Date.now } = options;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;

  return async (body, header, deadline) => {
    const signature = parseSignature(header);
    if (!signature) throw invalidSignature();
    if (matchesSignature(body, signature, await beforeDeadline(secret.get(), deadline, secretTimeout)))
      return;

    if (now() - lastRefreshAt < minRefreshIntervalMs) throw invalidSignature();
    lastRefreshAt = now();
    secret.invalidate();
    if (!matchesSignature(body, signature, await beforeDeadline(secret.get(), deadline, secretTimeout))) {
      throw invalidSignature();
    }
    logger.info('webhook signature matched after re-reading the signing secret (rotated)');
  };
}
