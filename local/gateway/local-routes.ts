import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivityLog } from '#local/bus/activity-log.js';
import { sendJson } from '#local/http-util.js';
import type { HttpRequestInfo } from './api-event.js';
import { authorizeJwt } from './authorizers.js';
import { type DemoShop, OrderError } from './demo-shop.js';
import type { LocalIssuer } from './jwt-issuer.js';
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

/** A path segment decoded, or undefined when it is not valid percent-encoding (e.g. `%ZZ`). */
function decodedOrUndefined(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

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

async function orders(request: HttpRequestInfo, deps: LocalRouteDeps, segments: string[]) {
  const customerId = await signedInCustomer(request, deps);
  try {
    if (segments.length === 0 && request.method === 'GET') {
      return { status: 200, body: { orders: deps.orders.list(customerId) } };
    }
    if (segments.length === 0 && request.method === 'POST') {
      return { status: 201, body: { order: await deps.orders.place(customerId, jsonBody(request)) } };
    }
    if (segments.length === 2 && segments[1] === 'refund' && request.method === 'POST') {
      const orderId = decodedOrUndefined(segments[0] ?? '');
      if (orderId === undefined) throw new LocalError(404, 'Not Found');
      return { status: 200, body: { order: await deps.orders.refund(customerId, orderId) } };
    }
  } catch (e) {
    if (e instanceof OrderError)
      return { status: e.status, body: { error: { code: e.code, message: e.message } } };
    throw e;
  }
  throw new LocalError(404, 'Not Found');
}

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
  const [, , section = '', ...rest] = request.rawPath.split('/');
  const key = `${request.method} ${[section, ...rest].join('/')}`;
  const query = new URLSearchParams(request.rawQuery);
  try {
    let result: { status: number; body: unknown };
    if (key === 'POST login') result = await login(request, deps);
    else if (key === 'GET .well-known/jwks.json') result = { status: 200, body: deps.issuer.jwks };
    else if (key === 'GET .well-known/openid-configuration')
      result = { status: 200, body: deps.issuer.openIdConfiguration() };
    else if (key === 'GET config') result = { status: 200, body: deps.pageConfig };
    else if (key === 'GET events') {
      const after = query.get('after');
      return streamActivity(req, res, deps.log, after === null ? undefined : Number(after));
    } else if (key === 'GET events/recent') {
      const after = Number(query.get('after') ?? 0);
      const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 100) || 100));
      result = { status: 200, body: { events: deps.log.recent(Number.isFinite(after) ? after : 0, limit) } };
    } else if (section === 'orders') result = await orders(request, deps, rest);
    else throw new LocalError(404, 'Not Found');
    sendJson(res, result.status, result.body, { 'cache-control': 'no-store', ...corsHeaders });
  } catch (e) {
    if (!(e instanceof LocalError)) throw e;
    sendJson(res, e.status, { message: e.message }, corsHeaders);
  }
}
