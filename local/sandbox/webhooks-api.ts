import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import { HttpError, ok, type ProgramType, type RequestCtx, type Route } from './http.js';
import { paginate, WEBHOOK_LIST_LIMITS } from './pagination.js';
import type { WebhookRecord } from './store.js';
import { Errors, readBoolean, readString } from './validation.js';
import type { SubscriptionInput } from './webhooks.js';

export function renderWebhook(w: WebhookRecord): Record<string, unknown> {
  return {
    key: w.key,
    name: w.name,
    url: w.url,
    events: w.events,
    is_active: w.isActive,
    signature: w.signature,
    created_at: w.createdAt,
  };
}

export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

/**
 * What an affiliate program's key may subscribe to (partner and lead events, and the customer and
 * transaction events without the refer-a-friend rewards), so its key fails on `customer.credited`.
 */
const AFFILIATE_EVENTS: readonly string[] = [
  'partner.created',
  'partner.updated',
  'partner.deleted',
  'lead.created',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'transaction.created',
  'transaction.deleted',
];

const EVENTS_OF: Record<ProgramType, readonly string[]> = {
  'refer-a-friend': REFER_A_FRIEND_EVENTS,
  affiliate: AFFILIATE_EVENTS,
};

function readEvents(body: Record<string, unknown>, errors: Errors, program: ProgramType): string[] {
  const events = body.events;
  if (events === undefined || events === null) {
    errors.add('events', 'The events field is required.');
    return [];
  }
  if (!Array.isArray(events) || events.length === 0) {
    errors.add('events', 'The events must be a non-empty array.');
    return [];
  }
  events.forEach((event: unknown, i) => {
    if (!(EVENTS_OF[program] as readonly unknown[]).includes(event)) {
      errors.add(`events.${i}`, `The selected events.${i} is invalid.`);
    }
  });
  return events as string[];
}

function readSubscription(body: Record<string, unknown>, program: ProgramType): SubscriptionInput {
  const errors = new Errors();
  const name = readString(body, 'name', 'name', errors, { required: true });
  const url = readString(body, 'url', 'url', errors, { required: true, max: 2000 });
  if (url && !isHttpUrl(url)) errors.add('url', 'The url must be a valid URL.');
  const events = readEvents(body, errors, program);
  const isActive = readBoolean(body, 'is_active', 'is_active', errors) ?? true;
  errors.throwIfAny();
  return { name: name as string, url: url as string, events, isActive };
}

const AFFILIATE_PARTNER = { key: 'partner_demo', name: 'Demo partner', email: 'partner@example.com' };

function mustFind(ctx: RequestCtx): WebhookRecord {
  const webhook = ctx.sb.store.webhook(ctx.params.key ?? '');
  if (!webhook) throw new HttpError(404, 'Webhook not found.');
  return webhook;
}

/** `/v1/webhooks`: subscriptions managed through the API, as Partnero's n8n trigger node does. */
export const webhookRoutes: Route[] = [
  {
    method: 'POST',
    path: 'webhooks',
    handler: (ctx) =>
      ok(renderWebhook(ctx.sb.webhooks.subscribe(readSubscription(ctx.body, ctx.sb.config.program))), 201),
  },
  {
    method: 'GET',
    path: 'webhooks',
    handler: (ctx) => paginate(ctx, ctx.sb.store.state.webhooks, renderWebhook, WEBHOOK_LIST_LIMITS),
  },
  { method: 'GET', path: 'webhooks/{key}', handler: (ctx) => ok(renderWebhook(mustFind(ctx))) },
  {
    method: 'DELETE',
    path: 'webhooks/{key}',
    handler: (ctx) => {
      ctx.sb.webhooks.unsubscribe(mustFind(ctx));
      return { status: 204 };
    },
  },
  {
    // Only an affiliate program has partners; a refer-a-friend key gets Partnero's 404 for the route.
    method: 'GET',
    path: 'partners',
    handler: (ctx) => {
      if (ctx.sb.config.program !== 'affiliate') throw new HttpError(404, 'Not found.');
      return paginate(ctx, [AFFILIATE_PARTNER], (p) => p);
    },
  },
];
