import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CORS_ANY, controlRoutes } from './controls.js';
import { customerRoutes } from './customers.js';
import { HttpError, parseJsonObject, type Route, readBody, type Sandbox, send, sendError } from './http.js';
import { partneroScript } from './partnero-js.js';
import { transactionRoutes } from './transactions.js';

interface CompiledRoute extends Route {
  segments: string[];
}

interface Match {
  route?: CompiledRoute;
  template: string | null;
  params: Record<string, string>;
  allowed: string[];
}

const compile = (routes: Route[]): CompiledRoute[] =>
  routes.map((r) => ({ ...r, segments: r.path.split('/') }));

const apiRoutes = compile([...customerRoutes, ...transactionRoutes]);
const sandboxRoutes = compile(controlRoutes);

/** Matches decoded path segments; a param segment takes any value, including "a/b" or "..". */
function match(routes: CompiledRoute[], method: string, segments: string[]): Match {
  const result: Match = { template: null, params: {}, allowed: [] };
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = route.segments.every((part, i) => {
      const value = segments[i] ?? '';
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = value;
        return value !== '';
      }
      return part === value;
    });
    if (!fits) continue;
    result.template ??= route.path;
    result.allowed.push(route.method);
    if (route.method === method && !result.route)
      Object.assign(result, { route, params, template: route.path });
  }
  return result;
}

function decodeSegments(rawPath: string): string[] {
  try {
    return rawPath.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'Malformed URL.');
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function authorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  return timingSafeEqual(digest(token), digest(apiKey));
}

async function dispatch(
  sb: Sandbox,
  routes: CompiledRoute[],
  found: Match,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  rawQuery: string,
): Promise<void> {
  const { route } = found;
  if (!found.template) throw new HttpError(404, 'Not found.');
  if (!route) throw new HttpError(405, 'Method not allowed.', undefined, { allow: found.allowed.join(', ') });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
  const body = hasBody ? parseJsonObject(await readBody(req)) : {};
  const result = await route.handler({
    sb,
    params: found.params,
    query: new URLSearchParams(rawQuery),
    body,
    rawPath,
    headers: req.headers,
  });
  if (routes === apiRoutes && req.method !== 'GET' && result.status < 300) sb.store.commit();
  send(res, result);
}

async function handleApi(
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  rawQuery: string,
) {
  const method = req.method ?? 'GET';
  let found: Match;
  try {
    found = match(apiRoutes, method, decodeSegments(rawPath.slice('/v1/'.length)));
  } catch {
    found = { template: null, params: {}, allowed: [] };
  }
  sb.store.countRequest(`${method} /v1/${found.template ?? '(unknown)'}`);
  if (await sb.faults.apply(`${method} ${rawPath}`, req, res)) return;
  if (!authorized(req, sb.config.apiKey)) throw new HttpError(401, 'Unauthenticated.');
  await dispatch(sb, apiRoutes, found, req, res, rawPath, rawQuery);
}

function serveScript(sb: Sandbox, req: IncomingMessage, res: ServerResponse) {
  const host = req.headers.host;
  const origin = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : sb.url;
  const text = partneroScript({
    clickUrl: `${origin}/__sandbox/click`,
    param: sb.config.referralParam,
    cookieDays: sb.config.cookieDays,
  });
  res.writeHead(200, {
    ...CORS_ANY,
    'content-type': 'application/javascript; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function handle(sb: Sandbox, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';

  if (rawPath === '/v1' || rawPath.startsWith('/v1/')) return handleApi(sb, req, res, rawPath, rawQuery);
  if (rawPath.startsWith('/__sandbox/')) {
    const found = match(sandboxRoutes, method, decodeSegments(rawPath.slice('/__sandbox/'.length)));
    return dispatch(sb, sandboxRoutes, found, req, res, rawPath, rawQuery);
  }
  if (rawPath === '/js/partnero.js' || rawPath === '/js/universal.js') {
    if (method === 'OPTIONS') return send(res, { status: 204, headers: CORS_ANY });
    if (method === 'GET' || method === 'HEAD') return serveScript(sb, req, res);
    throw new HttpError(405, 'Method not allowed.', undefined, { allow: 'GET, HEAD, OPTIONS' });
  }
  if (rawPath === '/' && method === 'GET') {
    return send(res, { status: 200, body: { name: 'partnero-sandbox', api_url: `${sb.url}/v1` } });
  }
  throw new HttpError(404, 'Not found.');
}

export function createSandboxServer(sb: Sandbox): Server {
  return createServer((req, res) => {
    handle(sb, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err);
      console.error('[sandbox] unexpected error', err);
      sendError(res, new HttpError(500, 'Server Error'));
    });
  });
}
