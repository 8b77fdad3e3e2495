import { HttpError, ok, type RequestCtx, type Route } from './http.js';
import { paginate } from './pagination.js';
import type { WebhookRecord } from './store.js';
import { Errors, readBoolean, readString } from './validation.js';
import { REFER_A_FRIEND_EVENTS, type SubscriptionInput } from './webhooks.js';

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

function readEvents(body: Record<string, unknown>, errors: Errors): string[] {
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
    if (!(REFER_A_FRIEND_EVENTS as readonly unknown[]).includes(event)) {
      errors.add(`events.${i}`, `The selected events.${i} is invalid.`);
    }
  });
  return events as string[];
}

function readSubscription(body: Record<string, unknown>): SubscriptionInput {
  const errors = new Errors();
  const name = readString(body, 'name', 'name', errors, { required: true });
  const url = readString(body, 'url', 'url', errors, { required: true, max: 2000 });
  if (url && !isHttpUrl(url)) errors.add('url', 'The url must be a valid URL.');
  const events = readEvents(body, errors);
  const isActive = readBoolean(body, 'is_active', 'is_active', errors) ?? true;
  errors.throwIfAny();
  return { name: name as string, url: url as string, events, isActive };
}

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
    handler: (ctx) => ok(renderWebhook(ctx.sb.webhooks.subscribe(readSubscription(ctx.body))), 201),
  },
  {
    method: 'GET',
    path: 'webhooks',
    handler: (ctx) => paginate(ctx, ctx.sb.store.state.webhooks, renderWebhook),
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
];
