import type { SigningKeys } from '#shared/webhooks/webhook-secret.js';
import { missingEvents, sameUrl, type Webhook } from '#tools/cli/partnero-webhooks.js';

/** What connect does about the stack's webhook. */
export type WebhookPlan =
  /** A usable webhook exists: keep it, store `signature`, delete the `duplicates` for the same URL. */
  | { action: 'keep'; webhook: Webhook; signature: string; duplicates: Webhook[] }
  /**
   * Create one (Partnero has no update in its contract), store its signature with the old one kept for
   * the grace period, then delete `replaces` (the old webhooks for the URL).
   */
  | { action: 'create'; reason: string; replaces: Webhook[] };

export interface WebhookPlanInput {
  /** The stack's `WebhookUrl`. */
  url: string;
  /** Every webhook of the program. */
  webhooks: readonly Webhook[];
  /** What the webhook secret holds now (undefined: empty). */
  stored: SigningKeys | undefined;
  /** `--rotate-webhook`: a new webhook, so a new signing secret. */
  rotate: boolean;
}

/** Why a webhook for the URL cannot be kept, or undefined when it can. */
function unusable(webhook: Webhook, stored: SigningKeys | undefined): string | undefined {
  if (!webhook.isActive) return `webhook ${webhook.key} is inactive`;
  const missing = missingEvents(webhook);
  if (missing.length > 0) return `webhook ${webhook.key} lacks ${missing.join(', ')}`;
  if (!webhook.signature && !stored) {
    return `Partnero does not show the signing secret of ${webhook.key} and none is stored`;
  }
  return undefined;
}

/**
 * Decides, from what Partnero lists and what the secret holds, whether the stack's webhook is kept or
 * made anew. Never two for one URL: a kept webhook's duplicates are deleted, and a new one replaces
 * all the old ones. Preferred, in order: the webhook whose signature is the stored secret, one whose
 * signature Partnero shows, one whose signature is hidden (the stored secret is assumed to be its).
 */
export function planWebhook({ url, webhooks, stored, rotate }: WebhookPlanInput): WebhookPlan {
  const forUrl = webhooks.filter((w) => sameUrl(w.url, url));
  if (rotate) return { action: 'create', reason: 'rotation requested (--rotate-webhook)', replaces: forUrl };
  if (forUrl.length === 0) return { action: 'create', reason: 'no webhook for this URL yet', replaces: [] };
  const usable = forUrl.filter((w) => unusable(w, stored) === undefined);
  const keeper =
    usable.find((w) => stored && w.signature === stored.current) ??
    usable.find((w) => w.signature !== null) ??
    usable[0];
  if (!keeper) {
    const reasons = forUrl.map((w) => unusable(w, stored)).join('; ');
    return { action: 'create', reason: `${reasons} (Partnero has no webhook update)`, replaces: forUrl };
  }
  const signature = keeper.signature ?? (stored as SigningKeys).current;
  return { action: 'keep', webhook: keeper, signature, duplicates: forUrl.filter((w) => w !== keeper) };
}
