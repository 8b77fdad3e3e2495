import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, HttpError, type RequestCtx, type Result, type Route, send } from './http.js';
import { renderCredit, renderCustomer, renderTransaction } from './render.js';
import { Errors, isObject, readNumber, readString } from './validation.js';

export const FAULT_KINDS = ['429', '500', '502', '503', 'delay', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  rate: number;
  kinds: FaultKind[];
  delayMs: number;
  retryAfterSeconds: number;
  /** Matching requests left before the rule expires; null = unlimited. */
  remaining: number | null;
  /** Substring of `METHOD /v1/path`; null matches every API request. */
  match: string | null;
}

export const CORS_ANY = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': '*',
};

// unref: a pending injected delay must not keep a closed sandbox's process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function readRule(raw: unknown, prefix: string, errors: Errors): FaultRule | undefined {
  if (!isObject(raw)) {
    errors.add(prefix || 'rule', 'A fault rule must be an object.');
    return undefined;
  }
  const field = (name: string) => `${prefix}${name}`;
  const rate = readNumber(raw, 'rate', field('rate'), errors) ?? 1;
  if (rate < 0 || rate > 1) errors.add(field('rate'), 'The rate must be between 0 and 1.');
  const kinds = raw.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
    errors.add(field('kinds'), `The kinds must be a non-empty array of ${FAULT_KINDS.join(', ')}.`);
  }
  const delayMs = readNumber(raw, 'delayMs', field('delayMs'), errors) ?? 1000;
  const retryAfterSeconds = readNumber(raw, 'retryAfterSeconds', field('retryAfterSeconds'), errors) ?? 1;
  const count = readNumber(raw, 'count', field('count'), errors);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
    errors.add(field('count'), 'The count must be a positive integer.');
  }
  const match = readString(raw, 'match', field('match'), errors, { max: 2000 });
  return {
    rate,
    kinds: kinds as FaultKind[],
    delayMs,
    retryAfterSeconds,
    remaining: count ?? null,
    match: match ?? null,
  };
}

/** Fault injection and global latency for API requests. */
export class Faults {
  rules: FaultRule[] = [];
  latencyMs = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Replaces the rules with one rule (`{rate, kinds, ...}`) or several (`{rules: [...]}`). */
  set(body: Record<string, unknown>): FaultRule[] {
    const errors = new Errors();
    const raws = Array.isArray(body.rules) ? body.rules : [body];
    const rules = raws.map((raw, i) => readRule(raw, Array.isArray(body.rules) ? `rules.${i}.` : '', errors));
    errors.throwIfAny();
    this.rules = rules.filter((r): r is FaultRule => r !== undefined);
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }

  /** Picks the fault (if any) for one request; consumes `count` of the first matching rule. */
  pick(label: string): { kind: FaultKind; rule: FaultRule } | null {
    const rule = this.rules.find((r) => r.match === null || label.includes(r.match));
    if (!rule) return null;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    if (this.random() >= rule.rate) return null;
    const kind = rule.kinds[Math.floor(this.random() * rule.kinds.length)] ?? rule.kinds[0];
    return kind ? { kind, rule } : null;
  }

  /** Applies the fault before any processing. Returns true when the request was answered (or dropped). */
  async apply(label: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const fault = this.pick(label);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (fault?.kind === 'delay') await sleep(fault.rule.delayMs);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (!fault || fault.kind === 'delay') return false;

    const status = Number(fault.kind);
    const headers: Record<string, string> = {};
    if (status === 429 || status === 503) headers['retry-after'] = String(fault.rule.retryAfterSeconds);
    const message = status === 429 ? 'Too Many Attempts.' : 'Server Error (injected by the sandbox).';
    send(res, { status, body: errorBody(message), headers });
    return true;
  }
}

function state(ctx: RequestCtx): Result {
  const { store, config } = ctx.sb;
  return {
    status: 200,
    body: {
      customers: store.state.customers.map((c) => ({
        ...renderCustomer(c, store, config),
        clicks: c.clicks,
      })),
      transactions: store.state.transactions.map((t) => ({
        ...renderTransaction(t, store),
        archived: t.archived,
      })),
      credits: store.state.credits.map((c) => renderCredit(c, store)),
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
    !(Array.isArray(urls) && urls.every((u) => typeof u === 'string' && URL.canParse(u)))
  ) {
    errors.add('urls', 'The urls must be an array of absolute URLs.');
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

const json = (body: unknown): Result => ({ status: 200, body });

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
  { method: 'POST', path: 'faults', handler: (ctx) => json({ rules: ctx.sb.faults.set(ctx.body) }) },
  {
    method: 'DELETE',
    path: 'faults',
    handler: (ctx) => {
      ctx.sb.faults.clear();
      return json({ rules: [] });
    },
  },
  { method: 'GET', path: 'latency', handler: (ctx) => json({ ms: ctx.sb.faults.latencyMs }) },
  { method: 'POST', path: 'latency', handler: setLatency },
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
