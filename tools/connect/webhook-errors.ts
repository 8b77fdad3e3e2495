import { isPartneroError } from '#shared/partnero/index.js';
import { ToolError } from '#tools/cli/errors.js';
import { affiliateKey, partneroFailure } from '#tools/cli/partnero-errors.js';

/** The reasons Partnero gave for the fields whose name starts with `prefix`. */
function reasonsFor(fields: Record<string, string[]>, prefix: string): string[] {
  return Object.entries(fields)
    .filter(([field]) => field === prefix || field.startsWith(`${prefix}.`))
    .map(([field, reasons]) => `${field}: ${reasons.join(' ')}`);
}

/**
 * `POST /webhooks` failing as one line: a URL Partnero cannot accept (422 on `url`, e.g. a localhost URL
 * against the real Partnero), refer-a-friend events its program lacks (422 on `events`: a key of another
 * program type), or whatever else Partnero said.
 */
export function webhookCreateFailure(e: unknown, url: string, baseUrl: string): ToolError {
  if (isPartneroError(e) && e.code === 'validation' && e.fields) {
    const urlReasons = reasonsFor(e.fields, 'url');
    if (urlReasons.length > 0) {
      return new ToolError(
        `Partnero cannot accept the webhook URL ${url} (${urlReasons.join('; ')}): it must be a public https URL Partnero can reach (a localhost URL works only with the local sandbox, --local)`,
      );
    }
    const eventReasons = reasonsFor(e.fields, 'events');
    if (eventReasons.length > 0) {
      return affiliateKey(`Partnero refused the refer-a-friend events: ${eventReasons.join('; ')}`);
    }
  }
  return partneroFailure(e, 'creating the webhook', baseUrl);
}
