import { isPartneroError } from '#shared/partnero/index.js';
import { describeError, ToolError } from './errors.js';

/** Where a refer-a-friend program's key is found in Partnero. */
export const KEY_HINT = 'Partnero → Programs → your refer-a-friend program → Integration → API';

export const wrongKey = () =>
  new ToolError(
    `Partnero refused the API key (401): copy the key of your refer-a-friend program (${KEY_HINT}) and run this again`,
  );

export const affiliateKey = (why: string) =>
  new ToolError(
    `This is the API key of an affiliate (or other non-refer-a-friend) program (${why}): use the key of your refer-a-friend program (${KEY_HINT})`,
  );

/** The fields of a 422, as "field: reason; field: reason". */
function fieldsOf(e: unknown): string {
  const fields = (e as { fields?: Record<string, string[]> }).fields ?? {};
  return Object.entries(fields)
    .map(([field, reasons]) => `${field}: ${reasons.join(' ')}`)
    .join('; ');
}

/**
 * A failed Partnero call as a one-line `ToolError`: a refused key, a missing permission, an unreachable
 * API, a lost answer; anything else keeps Partnero's own (redacted) message.
 */
export function partneroFailure(e: unknown, action: string, baseUrl: string): ToolError {
  if (e instanceof ToolError) return e;
  if (!isPartneroError(e)) return new ToolError(`${action} failed: ${describeError(e)}`);
  switch (e.code) {
    case 'unauthorized':
      return wrongKey();
    case 'forbidden':
      return new ToolError(
        `Partnero denied ${action} to this API key (403): use a key with full API access to your refer-a-friend program (${KEY_HINT})`,
      );
    case 'network':
    case 'timeout':
      return new ToolError(
        `Partnero does not answer at ${baseUrl} (${e.code}): check --partnero-url / PARTNERO_API_URL and your network, then run this again`,
      );
    case 'unknown_outcome':
      return new ToolError(
        `Partnero's answer to ${action} was lost: run this again (it finds what was made instead of making it twice)`,
      );
    case 'validation':
      return new ToolError(`Partnero refused ${action} (${fieldsOf(e) || e.message})`);
    default:
      return new ToolError(`${action} failed: ${e.message}`);
  }
}

/** Runs one Partnero call, turning its failure into a `ToolError` (see `partneroFailure`). */
export async function partneroCall<T>(action: string, baseUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw partneroFailure(e, action, baseUrl);
  }
}
