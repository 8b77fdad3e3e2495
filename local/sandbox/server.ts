import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HOST_REFUSED_STATUS, hostRefusal, NOT_JSON_STATUS, nonJsonRefusal } from '#local/http-util.js';
import { handleApi } from './api.js';
import { CORS_ANY, controlRoutes } from './controls.js';
import { HttpError, parseJsonObject, readBody, type Sandbox, send, sendError } from './http.js';
import { partneroScript } from './partnero-js.js';
import { compile, decodeSegments, match, routeOf } from './routing.js';

const sandboxRoutes = compile(controlRoutes);

/** A test control under /__sandbox (no API key, no faults). */
async function handleControl(
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  rawQuery: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const found = match(sandboxRoutes, method, decodeSegments(rawPath.slice('/__sandbox/'.length)));
  const route = routeOf(found);
  const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
  const body = hasBody ? parseJsonObject(await readBody(req)) : {};
  const query = new URLSearchParams(rawQuery);
  send(res, await route.handler({ sb, params: found.params, query, body, rawPath, headers: req.headers }));
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

/** The host the sandbox was started on (its URL names it; a wildcard address shows as loopback). */
const configuredHost = (sb: Sandbox) => (sb.url ? new URL(sb.url).hostname : undefined);

/** The click beacon is sent cross-origin by the referral script on the shop's page (a bodiless GET). */
const isClickBeacon = (rawPath: string) => rawPath === '/__sandbox/click';

async function handle(sb: Sandbox, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';

  // No DNS rebinding: only a Host that names this machine (docs/local.md, "Safety").
  const wrongHost = hostRefusal(req, configuredHost(sb));
  if (wrongHost) {
    req.resume();
    throw new HttpError(HOST_REFUSED_STATUS, wrongHost);
  }
  if (rawPath === '/v1' || rawPath.startsWith('/v1/')) return handleApi(sb, req, res, rawPath, rawQuery);
  if (rawPath.startsWith('/__sandbox/')) {
    // The controls change and show the sandbox's state (emails, the webhook secret): no page on another
    // site may post to them without JSON, and none gets CORS to read them (the beacon aside).
    const notJson = isClickBeacon(rawPath) ? undefined : nonJsonRefusal(req, configuredHost(sb));
    if (notJson) {
      req.resume();
      throw new HttpError(NOT_JSON_STATUS, notJson);
    }
    return handleControl(sb, req, res, rawPath, rawQuery);
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
