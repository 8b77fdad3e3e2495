import { REFER_A_FRIEND_EVENTS } from '#shared/partnero/events.js';
import type { PartneroFetch } from '#shared/partnero/index.js';
import { createExecutor, type Execute } from '#shared/partnero/retry.js';
import { ResponseShapeError, toPage, unwrap } from '#shared/partnero/shapes.js';
import { pathWith } from '#shared/partnero/transport.js';

/** A webhook subscription as `GET /webhooks` lists it. */
export interface Webhook {
  key: string;
  name: string | null;
  url: string;
  events: string[];
  isActive: boolean;
  /** Its signing secret, when Partnero shows it (it always does right after `POST /webhooks`). */
  signature: string | null;
}

/** Whether two URLs name the same endpoint (scheme and host case, default port, trailing slash aside). */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    const trimmed = u.trim();
    return (URL.canParse(trimmed) ? new URL(trimmed).href : trimmed).replace(/\/+$/, '');
  };
  return norm(a) === norm(b);
}

/** The refer-a-friend events a webhook does not subscribe to. */
export const missingEvents = (webhook: Webhook) =>
  REFER_A_FRIEND_EVENTS.filter((event) => !webhook.events.includes(event));

export interface NewWebhook {
  name: string;
  url: string;
  events: readonly string[];
}

/** The Partnero calls the tools make, with the key of the program they work on. */
export interface PartneroAdmin {
  /** `GET /customers?limit=1`: the key works and the program has customers. */
  listOneCustomer(): Promise<void>;
  /** `GET /partners?limit=1`: how many partners it shows (affiliate programs have them). */
  countPartners(): Promise<number>;
  listWebhooks(): Promise<Webhook[]>;
  /** Not idempotent: a lost answer is `unknown_outcome` (re-run: the webhook is found by URL then). */
  createWebhook(input: NewWebhook): Promise<Webhook & { signature: string }>;
  /** A webhook already gone counts as deleted. */
  deleteWebhook(key: string): Promise<void>;
}

export interface PartneroAdminOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: PartneroFetch;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

function toWebhook(v: unknown): Webhook {
  if (!isObj(v)) throw new ResponseShapeError('expected a webhook object');
  const key = str(v.key) ?? (typeof v.key === 'number' ? String(v.key) : null);
  const url = str(v.url);
  if (!key || !url) throw new ResponseShapeError('missing webhook key or url');
  return {
    key,
    name: str(v.name),
    url,
    events: Array.isArray(v.events) ? v.events.filter((e): e is string => typeof e === 'string') : [],
    isActive: v.is_active === undefined ? true : v.is_active === true || v.is_active === 1,
    signature: str(v.signature) || null,
  };
}

/**
 * The largest page `GET /webhooks` takes (its `limit` is 10–100, unlike the other lists' 1–250), and a
 * bound on pages so a misbehaving `meta` cannot loop forever.
 */
const PAGE_SIZE = 100;
const MAX_PAGES = 40;

async function listAll(execute: Execute): Promise<Webhook[]> {
  const all: Webhook[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), page: String(page) });
    const result = await execute({
      method: 'GET',
      path: '/webhooks',
      query,
      parse: (body) => toPage(body, toWebhook),
    });
    all.push(...result.data);
    // A page shorter than asked ends the list only when nothing says there is more (a program may
    // answer fewer per page than the limit asked for).
    const last = result.meta.last_page;
    const more = last !== null ? page < last : result.links.next !== null || result.data.length >= PAGE_SIZE;
    if (result.data.length === 0 || !more) break;
  }
  return all;
}

/** The webhooks API and the two probes, over the shared client's executor (retries, redaction, errors). */
export function createPartneroAdmin(options: PartneroAdminOptions): PartneroAdmin {
  const execute = createExecutor({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const one = new URLSearchParams({ limit: '1' });
  return {
    listOneCustomer: () =>
      execute({
        method: 'GET',
        path: '/customers',
        query: one,
        parse: (body) => void toPage(body, (x) => x),
      }),
    countPartners: () =>
      execute({
        method: 'GET',
        path: '/partners',
        query: one,
        parse: (body) => toPage(body, (x) => x).data.length,
      }),
    listWebhooks: () => listAll(execute),
    createWebhook: (input) =>
      execute({
        method: 'POST',
        path: '/webhooks',
        body: { name: input.name, url: input.url, events: input.events, is_active: true },
        idempotent: false,
        unknownOutcome: 'the webhook may or may not have been created',
        parse: (body) => {
          const webhook = toWebhook(unwrap(body));
          if (!webhook.signature) throw new ResponseShapeError('missing the webhook signature');
          return { ...webhook, signature: webhook.signature };
        },
      }),
    deleteWebhook: async (key) => {
      try {
        await execute({
          method: 'DELETE',
          path: pathWith('DELETE', '/webhooks/{key}', key),
          parse: () => undefined,
        });
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'not_found') throw e;
      }
    },
  };
}
