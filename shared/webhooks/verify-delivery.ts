import { AppError } from '#shared/errors.js';
import { beforeDeadline, logger } from '#shared/lambda/runtime.js';
import type { RefreshableValue } from '#shared/secrets/cached-secret.js';
import { matchesSignature, parseSignature } from './signature.js';
import type { SigningKeys, WebhookSigningSecret } from './webhook-secret.js';

/** The one answer for every signature failure: no hint of which check failed. */
export const invalidSignature = () => new AppError('unauthorized', 'Invalid signature');

const secretTimeout = () =>
  new AppError('secret_unavailable', 'The webhook signing secret could not be read; retry later', {
    retryable: true,
  });

export interface DeliveryVerifierOptions {
  /**
   * The cached signing secret. One with `keys()` (`webhookSecretFromEnv`) also names the previous
   * secret of a rotation, which is accepted until its expiry.
   */
  secret: RefreshableValue | WebhookSigningSecret;
  /**
   * A mismatch re-reads the secret (it may have rotated) unless it was re-read this recently: the
   * freshly read value would be the same, and unsigned traffic must not turn into Secrets Manager calls.
   * @default 5000
   */
  minRefreshIntervalMs?: number;
  /** The clock the rate limit and the rotation's grace period are judged by. */
  now?: () => number;
}

/** Checks `body` against the value of the `Signature` header. */
export type DeliveryVerifier = (
  body: Buffer,
  signatureHeader: string | undefined,
  deadline: number,
) => Promise<void>;

type Match = 'current' | 'previous' | undefined;

const keysOf = async (secret: DeliveryVerifierOptions['secret']): Promise<SigningKeys> =>
  'keys' in secret ? secret.keys() : { current: await secret.get() };

/** Which key made the signature: the current one, or the previous one before its expiry. */
function matchOf(body: Buffer, signature: Buffer, keys: SigningKeys, now: number): Match {
  if (matchesSignature(body, signature, keys.current)) return 'current';
  const { previous } = keys;
  if (previous && now < previous.validUntil && matchesSignature(body, signature, previous.secret)) {
    return 'previous';
  }
  return undefined;
}

/**
 * Verifies the HMAC-SHA256 signature of the raw body; throws the 401 `invalidSignature()` when the
 * header is missing, malformed or wrong. A signature made with the previous secret of a rotation is
 * accepted until that secret's expiry, so deliveries signed before the rotation are not lost. On a
 * mismatch the cached secret is dropped and read once more before rejecting, so a rotated secret is
 * picked up by the first delivery signed with it.
 */
export function createDeliveryVerifier(options: DeliveryVerifierOptions): DeliveryVerifier {
  const { secret, minRefreshIntervalMs = 5_000, now = Date.now } = options;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;
  const read = (deadline: number) => beforeDeadline(keysOf(secret), deadline, secretTimeout);
  const accepted = (match: Match, reread: boolean) => {
    if (match === 'previous') {
      logger.info('webhook signature matched the previous signing secret (rotation grace period)');
    } else if (reread) {
      logger.info('webhook signature matched after re-reading the signing secret (rotated)');
    }
  };

  return async (body, header, deadline) => {
    const signature = parseSignature(header);
    if (!signature) throw invalidSignature();
    const first = matchOf(body, signature, await read(deadline), now());
    if (first) return accepted(first, false);

    if (now() - lastRefreshAt < minRefreshIntervalMs) throw invalidSignature();
    lastRefreshAt = now();
    secret.invalidate();
    const second = matchOf(body, signature, await read(deadline), now());
    if (!second) throw invalidSignature();
    accepted(second, true);
  };
}
