import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivityLog } from '#local/bus/activity-log.js';
import { sendJson } from '#local/http-util.js';
import type { HttpRequestInfo } from './api-event.js';
import { authorizeJwt } from './authorizers.js';
import { type DemoShop, OrderError } from './demo-shop.js';
import type { LocalIssuer } from './jwt-issuer.js';
import { matchPath } from './routes.js';
import { streamActivity } from './sse.js';

export interface LocalRouteDeps {
  issuer: LocalIssuer;
  orders: DemoShop;
  log: ActivityLog;
  /** What the demo page needs to know (`GET /local/config`). */
  pageConfig: Record<string, unknown>;
}

/** Local user ids are also referral keys the sandbox's script accepts in `?ref=`. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The local routes answer errors in the API's shape, `{ "error": { "code", "message" } }`. */
const LOCAL_ERROR_CODES: Record<number, string> = {
  400: 'validation',
  401: 'unauthorized',
  404: 'not_found',
};

class LocalError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function jsonBody(request: HttpRequestInfo): Record<string, unknown> {
  const text = request.body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new LocalError(400, 'The body must be a JSON object');
}

async function login(request: HttpRequestInfo, deps: LocalRouteDeps) {
  const body = jsonBody(request);
  const { user_id: userId, email, name } = body;
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    throw new LocalError(400, 'user_id must be 1–64 characters of letters, digits, _ and -');
  }
  if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email) || email.length > 254)) {
    throw new LocalError(400, 'email must be an email address');
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 100)) {
    throw new LocalError(400, 'name must be 1–100 characters');
  }
  const user = { user_id: userId, ...(email ? { email } : {}), ...(name ? { name: name.trim() } : {}) };
  const token = await deps.issuer.sign(user);
  return { status: 200, body: { token, token_type: 'Bearer', expires_in: 3600, user } };
}

async function signedInCustomer(request: HttpRequestInfo, deps: LocalRouteDeps): Promise<string> {
  const auth = await authorizeJwt(request, deps.issuer);
  if (!auth.ok) throw new LocalError(401, 'Unauthorized');
  return auth.subject;
}

/** The demo shop's order system, for the signed-in customer; its refusals answer as the API's errors do. */
async function shop(
  request: HttpRequestInfo,
  deps: LocalRouteDeps,
  act: (customerId: string) => Promise<{ status: number; body: unknown }>,
) {
  const customerId = await signedInCustomer(request, deps);
  try {
    return await act(customerId);
  } catch (e) {
    if (e instanceof OrderError)
      return { status: e.status, body: { error: { code: e.code, message: e.message } } };
    throw e;
  }
}

type LocalAnswer = { status: number; body: unknown } | 'streamed';
type LocalRoute = {
  method: string;
  path: string;
  answer: (call: LocalCall) => Promise<LocalAnswer> | LocalAnswer;
};
interface LocalCall {
  req: IncomingMessage;
  request: HttpRequestInfo;
  res: ServerResponse;
  deps: LocalRouteDeps;
  params: Record<string, string>;
  query: URLSearchParams;
}

/** `/local/*`, matched as the API's routes are (`matchPath`). */
const LOCAL_ROUTES: LocalRoute[] = [
  { method: 'POST', path: '/local/login', answer: ({ request, deps }) => login(request, deps) },
  {
    method: 'GET',
    path: '/local/.well-known/jwks.json',
    answer: ({ deps }) => ({ status: 200, body: deps.issuer.jwks }),
  },
  {
    method: 'GET',
    path: '/local/.well-known/openid-configuration',
    answer: ({ deps }) => ({ status: 200, body: deps.issuer.openIdConfiguration() }),
  },
  { method: 'GET', path: '/local/config', answer: ({ deps }) => ({ status: 200, body: deps.pageConfig }) },
  {
    method: 'GET',
    path: '/local/events',
    answer: ({ req, res, deps, query }) => {
      const after = query.get('after');
      streamActivity(req, res, deps.log, after === null ? undefined : Number(after));
      return 'streamed';
    },
  },
  {
    method: 'GET',
    path: '/local/events/recent',
    answer: ({ deps, query }) => {
      const after = Number(query.get('after') ?? 0);
      const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 100) || 100));
      return { status: 200, body: { events: deps.log.recent(Number.isFinite(after) ? after : 0, limit) } };
    },
  },
  {
    method: 'GET',
    path: '/local/orders',
    answer: ({ request, deps }) =>
      shop(request, deps, async (customerId) => ({
        status: 200,
        body: { orders: deps.orders.list(customerId) },
      })),
  },
  {
    method: 'POST',
    path: '/local/orders',
    answer: ({ request, deps }) =>
      shop(request, deps, async (customerId) => ({
        status: 201,
        body: { order: await deps.orders.place(customerId, jsonBody(request)) },
      })),
  },
  {
    method: 'POST',
    path: '/local/orders/{orderId}/refund',
    answer: ({ request, deps, params }) =>
      shop(request, deps, async (customerId) => ({
        status: 200,
        body: { order: await deps.orders.refund(customerId, params.orderId as string) },
      })),
  },
];

/**
 * `/local/*`: what the local system adds around the API — the issuer (`login`, JWKS, OpenID
 * configuration), the demo shop's order system (`orders`) and the bus activity (`events`).
 */
export async function handleLocalRoute(
  req: IncomingMessage,
  request: HttpRequestInfo,
  res: ServerResponse,
  deps: LocalRouteDeps,
  corsHeaders: Record<string, string>,
): Promise<void> {
  const query = new URLSearchParams(request.rawQuery);
  try {
    for (const route of LOCAL_ROUTES) {
      const params = route.method === request.method ? matchPath(route.path, request.rawPath) : undefined;
      if (!params) continue;
      const result = await route.answer({ req, request, res, deps, params, query });
      if (result !== 'streamed')
        sendJson(res, result.status, result.body, { 'cache-control': 'no-store', ...corsHeaders });
      return;
    }
    throw new LocalError(404, 'Not Found');
  } catch (e) {
    if (!(e instanceof LocalError)) throw e;
    sendJson(
      res,
      e.status,
      { error: { code: LOCAL_ERROR_CODES[e.status] ?? 'error', message: e.message } },
      corsHeaders,
    );
  }
}
