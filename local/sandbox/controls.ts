import type { FaultSpec } from './faults.js';
import { HttpError, type RequestCtx, type Result, type Route } from './http.js';
import { type RateLimitSettings, rateLimitOf } from './rate-limit.js';
import { renderCredit, renderCustomer, renderTransaction } from './render.js';
import { Errors, readBoolean, readNumber, readString } from './validation.js';
import { Variants } from './variants.js';
import { isHttpUrl, renderWebhook } from './webhooks-api.js';

export const CORS_ANY = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': '*',
};

function state(ctx: RequestCtx): Result {
  const { store } = ctx.sb;
  // The sandbox's own view of its records (keys included), not a Partnero answer.
  const published = { ...ctx.sb, variants: new Variants(null) };
  return {
    status: 200,
    body: {
      customers: store.state.customers.map((c) => ({
        ...renderCustomer(c, published),
        key: c.key,
        clicks: c.clicks,
      })),
      transactions: store.state.transactions.map((t) => ({
        ...renderTransaction(t, published),
        customer_key: store.byUid(t.referrerUid)?.key ?? null,
        referred_customer_key: store.byUid(t.customerUid)?.key ?? null,
        reward: t.credit,
        archived: t.archived,
      })),
      credits: store.state.credits.map((c) => renderCredit(c, store)),
      webhooks: store.state.webhooks.map(renderWebhook),
      requests: store.requests,
    },
  };
}

/** Beacon from partnero.js: counts a click for the referrer whose key was in the page URL. */
function click(ctx: RequestCtx): Result {
  const key = ctx.query.get('key');
  const customer = key === null ? undefined : ctx.sb.store.byKey(key);
  if (customer) {
    customer.clicks += 1;
    ctx.sb.store.commit();
  }
  return { status: 204, headers: { ...CORS_ANY, 'cache-control': 'no-store' } };
}

function setLatency(ctx: RequestCtx): Result {
  const errors = new Errors();
  const ms = readNumber(ctx.body, 'ms', 'ms', errors, { required: true });
  if (ms !== undefined && !(ms >= 0 && ms <= 60_000)) errors.add('ms', 'The ms must be between 0 and 60000.');
  errors.throwIfAny();
  ctx.sb.faults.latencyMs = ms ?? 0;
  return { status: 200, body: { ms: ctx.sb.faults.latencyMs } };
}

function configureWebhooks(ctx: RequestCtx): Result {
  const errors = new Errors();
  const urls = ctx.body.urls;
  if (
    urls !== undefined &&
    !(Array.isArray(urls) && urls.every((u) => typeof u === 'string' && isHttpUrl(u)))
  ) {
    errors.add('urls', 'The urls must be an array of absolute http(s) URLs.');
  }
  const secret = readString(ctx.body, 'secret', 'secret', errors, { max: 1000 });
  const maxAttempts = readNumber(ctx.body, 'maxAttempts', 'maxAttempts', errors);
  const baseDelayMs = readNumber(ctx.body, 'baseDelayMs', 'baseDelayMs', errors);
  errors.throwIfAny();
  ctx.sb.webhooks.configure({
    urls: urls as string[] | undefined,
    secret: secret ?? undefined,
    maxAttempts,
    baseDelayMs,
  });
  return { status: 200, body: ctx.sb.webhooks.settings };
}

async function replay(ctx: RequestCtx): Promise<Result> {
  const delivery = ctx.sb.webhooks.find(ctx.params.id ?? '');
  if (!delivery) throw new HttpError(404, 'Delivery not found.');
  return { status: 200, body: await ctx.sb.webhooks.replay(delivery) };
}

function setOptions(ctx: RequestCtx): Result {
  const errors = new Errors();
  const strict = readBoolean(ctx.body, 'strictTransactionKeys', 'strictTransactionKeys', errors);
  errors.throwIfAny();
  if (strict !== undefined) ctx.sb.config.strictTransactionKeys = strict;
  return options(ctx);
}

const options = (ctx: RequestCtx): Result => ({
  status: 200,
  body: { strictTransactionKeys: ctx.sb.config.strictTransactionKeys },
});

const json = (body: unknown): Result => ({ status: 200, body });

const rateLimit = (ctx: RequestCtx) => {
  const limit = rateLimitOf(ctx.sb);
  return json({ ...(limit.settings ?? { requestsPerSecond: null }), limited: limit.limited });
};

const lateCommits = (ctx: RequestCtx) =>
  json({ pending: ctx.sb.lateCommits.pending, applied: ctx.sb.lateCommits.applied });

/** Test controls under /__sandbox (no API key). */
export const controlRoutes: Route[] = [
  {
    method: 'POST',
    path: 'reset',
    handler: (ctx) => {
      ctx.sb.reset();
      return json({ reset: true });
    },
  },
  { method: 'GET', path: 'state', handler: state },
  { method: 'GET', path: 'requests', handler: (ctx) => json(ctx.sb.store.requests) },
  {
    method: 'POST',
    path: 'requests/reset',
    handler: (ctx) => {
      ctx.sb.store.resetRequests();
      return json(ctx.sb.store.requests);
    },
  },
  { method: 'GET', path: 'faults', handler: (ctx) => json({ rules: ctx.sb.faults.rules }) },
  {
    method: 'POST',
    path: 'faults',
    handler: (ctx) => json({ rules: ctx.sb.faults.set(ctx.body as unknown as FaultSpec) }),
  },
  {
    method: 'DELETE',
    path: 'faults',
    handler: (ctx) => {
      ctx.sb.faults.clear();
      return json({ rules: [] });
    },
  },
  { method: 'GET', path: 'late-commits', handler: lateCommits },
  {
    method: 'POST',
    path: 'late-commits/flush',
    handler: async (ctx) => json({ flushed: await ctx.sb.lateCommits.flush() }),
  },
  { method: 'GET', path: 'options', handler: options },
  { method: 'PUT', path: 'options', handler: setOptions },
  { method: 'GET', path: 'latency', handler: (ctx) => json({ ms: ctx.sb.faults.latencyMs }) },
  { method: 'POST', path: 'latency', handler: setLatency },
  { method: 'GET', path: 'rate-limit', handler: rateLimit },
  {
    method: 'PUT',
    path: 'rate-limit',
    handler: (ctx) => {
      const off = ctx.body.requestsPerSecond === null;
      rateLimitOf(ctx.sb).set(off ? null : (ctx.body as unknown as RateLimitSettings));
      return rateLimit(ctx);
    },
  },
  {
    method: 'DELETE',
    path: 'rate-limit',
    handler: (ctx) => {
      rateLimitOf(ctx.sb).set(null);
      return rateLimit(ctx);
    },
  },
  { method: 'GET', path: 'click', handler: click },
  { method: 'POST', path: 'click', handler: click },
  { method: 'OPTIONS', path: 'click', handler: () => ({ status: 204, headers: CORS_ANY }) },
  {
    method: 'GET',
    path: 'webhooks/deliveries',
    handler: (ctx) => json({ deliveries: ctx.sb.webhooks.deliveries }),
  },
  { method: 'POST', path: 'webhooks/deliveries/{id}/replay', handler: replay },
  { method: 'GET', path: 'webhooks/config', handler: (ctx) => json(ctx.sb.webhooks.settings) },
  { method: 'PUT', path: 'webhooks/config', handler: configureWebhooks },
];
