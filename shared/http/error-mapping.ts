import { isPartneroError, type PartneroError } from '#shared/partnero/index.js';
import { isSecretError } from '#shared/secrets/index.js';
import { HttpError, isHttpError } from './http-error.js';

const retryAfter = (ms: number | undefined): Record<string, string> | undefined =>
  ms === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };

function fromPartnero(e: PartneroError): HttpError {
  const headers = retryAfter(e.retryAfterMs);
  switch (e.code) {
    case 'validation':
      return new HttpError(422, 'partnero_validation', e.message || 'Partnero rejected the request', {
        ...(e.fields ? { fields: e.fields } : {}),
      });
    case 'conflict':
      return new HttpError(409, 'conflict', e.message || 'The resource already exists', {
        ...(e.fields ? { fields: e.fields } : {}),
      });
    case 'not_found':
      return new HttpError(404, 'not_found', 'The resource was not found in Partnero');
    case 'rate_limited':
      return new HttpError(503, 'partnero_rate_limited', 'Partnero is rate limiting requests; retry later', {
        headers: headers ?? { 'retry-after': '1' },
      });
    case 'timeout':
      return new HttpError(504, 'partnero_timeout', 'Partnero did not answer in time');
    case 'unknown_outcome':
      return new HttpError(
        502,
        'unknown_outcome',
        'Partnero did not confirm the operation; it may or may not have been applied. Check before retrying.',
      );
    case 'unauthorized':
    case 'forbidden':
      return new HttpError(502, 'partnero_auth', 'Partnero rejected the configured API key');
    default:
      return new HttpError(502, 'partnero_unavailable', 'Partnero is unavailable; retry later', {
        ...(headers ? { headers } : {}),
      });
  }
}

/**
 * Turns any thrown value into the HTTP error a client may see. Anything unexpected becomes an
 * opaque 500: its details go to the log, never to the response.
 */
export function toHttpError(e: unknown): HttpError {
  if (isHttpError(e)) return e;
  if (isPartneroError(e)) return fromPartnero(e);
  if (isSecretError(e)) {
    return e.retryable
      ? new HttpError(503, 'secret_unavailable', 'The API key store is unavailable; retry later', {
          headers: { 'retry-after': '1' },
        })
      : new HttpError(503, 'not_configured', 'The Partnero API key is not configured');
  }
  // An AWS SDK failure (e.g. DynamoDB) is a dependency outage the client may retry, not a bug.
  if (typeof e === 'object' && e !== null && '$metadata' in e) {
    return new HttpError(503, 'dependency_unavailable', 'A backing service is unavailable; retry later', {
      headers: { 'retry-after': '1' },
    });
  }
  return new HttpError(500, 'internal', 'Internal error');
}
