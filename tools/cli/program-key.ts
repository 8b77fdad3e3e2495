import { isPartneroError } from '#shared/partnero/index.js';
import { ToolError } from './errors.js';
import { affiliateKey, KEY_HINT, partneroFailure } from './partnero-errors.js';
import type { PartneroAdmin } from './partnero-webhooks.js';

/**
 * Checks that the key works and belongs to a refer-a-friend program, before anything is written:
 * - `GET /customers?limit=1` answers 2xx (401: wrong key; 403: no permission; 404: a program without
 *   customers, e.g. a newsletter program);
 * - `GET /partners?limit=1` shows no partner: partners exist only in affiliate programs. An empty list
 *   or an error proves nothing, so the program type is also caught when Partnero refuses the
 *   refer-a-friend events of `POST /webhooks` (see `webhookCreateFailure`).
 */
export async function checkProgramKey(admin: PartneroAdmin, baseUrl: string): Promise<void> {
  try {
    await admin.listOneCustomer();
  } catch (e) {
    if (isPartneroError(e) && e.code === 'not_found') {
      throw new ToolError(
        `This API key's program has no customers API (404), so it is not a refer-a-friend program: use the key of your refer-a-friend program (${KEY_HINT})`,
      );
    }
    throw partneroFailure(e, 'reading customers', baseUrl);
  }
  const partners = await admin.countPartners().catch(() => 0);
  if (partners > 0) throw affiliateKey('its program lists partners');
}
