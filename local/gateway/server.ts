import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ActivityLog } from '#local/bus/activity-log.js';
import { type FunctionName, InvocationError, invokeFunction } from '#local/functions.js';
import {
  BodyTooLargeError,
  HOST_REFUSED_STATUS,
  hostRefusal,
  NOT_JSON_STATUS,
  nonJsonRefusal,
  readRequestBody,
  sendJson,
} from '#local/http-util.js';
import { type HttpRequestInfo, httpApiEvent } from './api-event.js';
import { type AuthResult, authorizeIam, authorizeJwt } from './authorizers.js';
import { Cors } from './cors.js';
import type { DemoShop } from './demo-shop.js';
import type { LocalIssuer } from './jwt-issuer.js';
import { sendGatewayError, writeLambdaResult } from './lambda-response.js';
import { handleLocalRoute } from './local-routes.js';
import { matchRoute, type RouteMatch } from './routes.js';
import type { Credentials } from './sigv4.js';
import { isStaticPath, serveStatic } from './static-files.js';

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface AccessEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
  /** Why the authorizer refused, or why the function failed (never shown to the client). */
  note?: string;
  /**
   * A request the demo page repeats on its own, answered without error: its polling (`/referrals/me`,
   * `/local/orders`, `/local/events/recent`), its event stream and config, and its static files.
   * `npm start` prints these only with `--verbose`.
   */
  poll: boolean;
}

/** What the demo page fetches again and again (GET), besides its static files. */
const POLLED_PATHS: ReadonlySet<string> = new Set([
  '/referrals/me',
  '/local/orders',
  '/local/events',
  '/local/events/recent',
  '/local/config',
]);

const isPoll = (method: string, path: string, status: number) =>
  (method === 'GET' || method === 'HEAD') && status < 400 && (POLLED_PATHS.has(path) || isStaticPath(path));

export interface GatewayOptions {
  /** The address the gateway listens on (`--host`): its Host check accepts it besides loopback. */
  host?: string;
  region: string;
  credentials: Credentials;
  corsOrigins: string[];
  log: ActivityLog;
  onAccess?: (entry: AccessEntry) => void;
  /** Every event handed to a function (tests and debugging). */
  onInvoke?: (fn: FunctionName, event: unknown) => void;
}

/** What the gateway needs once every port is known (the issuer URL contains the gateway's own port). */
export interface GatewayRuntime {
  issuer: LocalIssuer;
  orders: DemoShop;
  port: number;
  /** Replacements in the demo page (`%SANDBOX_URL%`). */
  pageVars: Record<string, string>;
  pageConfig: Record<string, unknown>;
}

/** Why the authorizer refused, or why the function failed: set before the answer is sent. */
interface AccessNote {
  note?: string;
}

interface ApiRouteCall {
  match: RouteMatch;
  request: HttpRequestInfo;
  runtime: GatewayRuntime;
  corsHeaders: Record<string, string>;
  access: AccessNote;
}

function splitRequestTarget(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/** A path no route matches: one of the demo page's files, or API Gateway's 404. */
async function serveUnrouted(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  { pageVars, corsHeaders }: { pageVars: Record<string, string>; corsHeaders: Record<string, string> },
): Promise<void> {
  req.resume();
  const method = req.method ?? 'GET';
  if ((method === 'GET' || method === 'HEAD') && isStaticPath(rawPath)) {
    await serveStatic(res, rawPath, pageVars, method === 'HEAD');
    return;
  }
  sendGatewayError(res, 404, 'Not Found', corsHeaders);
}

/** The request with its whole body, or undefined when the body is over API Gateway's limit. */
async function readRequestInfo(
  req: IncomingMessage,
  target: Pick<HttpRequestInfo, 'method' | 'rawPath' | 'rawQuery' | 'requestId'>,
): Promise<HttpRequestInfo | undefined> {
  let body: Buffer;
  try {
    body = await readRequestBody(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLargeError) return undefined;
    throw e;
  }
  return {
    method: target.method,
    rawPath: target.rawPath,
    rawQuery: target.rawQuery,
    headers: req.headers,
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    requestId: target.requestId,
  };
}

/**
 * The local API Gateway: every route of the HTTP API becomes a payload-2.0 event for the same handler
 * module Lambda runs, behind the same authorizers (JWT against the local issuer, SigV4 for IAM routes)
 * and CORS; plus `/local/*` and the demo page on the same origin.
 */
export class LocalGateway {
  readonly server: Server;
  private runtime: GatewayRuntime | undefined;
  private readonly cors: Cors;
  private readonly origins: Set<string>;

  constructor(private readonly options: GatewayOptions) {
    this.origins = new Set(options.corsOrigins);
    this.cors = new Cors(this.origins);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        console.error('[gateway] unexpected error', e);
        if (!res.headersSent) sendGatewayError(res, 500, 'Internal Server Error');
        else res.destroy();
      });
    });
  }

  activate(runtime: GatewayRuntime): void {
    this.runtime = runtime;
  }

  /** Adds an origin to the CORS allow-list (the demo page's own, known once the port is). */
  allowOrigin(origin: string): void {
    this.origins.add(origin);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { rawPath, rawQuery } = splitRequestTarget(req.url ?? '/');
    const access = this.trackAccess(res, method, rawPath);
    // No DNS rebinding: only a Host that names this machine (docs/local.md, "Safety").
    const wrongHost = hostRefusal(req, this.options.host);
    if (wrongHost) {
      req.resume();
      access.note = wrongHost;
      return sendJson(res, HOST_REFUSED_STATUS, { message: wrongHost });
    }
    const runtime = this.runtime;
    if (!runtime) return sendGatewayError(res, 503, 'Service Unavailable');
    // `/local/*` is for the demo page on this same origin: no CORS there, so no other page reads the
    // bus activity (emails, webhook payloads) or sends it JSON.
    const isLocal = rawPath.startsWith('/local/');
    if (this.cors.isPreflight(req)) {
      req.resume();
      res.writeHead(204, isLocal ? {} : this.cors.preflightHeaders(req));
      res.end();
      return;
    }
    const corsHeaders = isLocal ? {} : this.cors.responseHeaders(req);
    const notJson = isLocal ? nonJsonRefusal(req, this.options.host) : undefined;
    if (notJson) {
      req.resume();
      access.note = notJson;
      return sendJson(res, NOT_JSON_STATUS, { message: notJson });
    }
    const match = isLocal ? undefined : matchRoute(method, rawPath);
    if (!isLocal && !match)
      return serveUnrouted(req, res, rawPath, { pageVars: runtime.pageVars, corsHeaders });

    const request = await readRequestInfo(req, { method, rawPath, rawQuery, requestId: randomUUID() });
    if (!request) return sendGatewayError(res, 413, 'Request Entity Too Large', corsHeaders);
    if (isLocal) {
      return handleLocalRoute(req, request, res, { ...runtime, log: this.options.log }, corsHeaders);
    }
    if (match) await this.serveApiRoute(req, res, { match, request, runtime, corsHeaders, access });
  }

  /** Reports the request to `onAccess` once answered, with the `note` a refusing or failing step sets. */
  private trackAccess(res: ServerResponse, method: string, path: string): AccessNote {
    const started = Date.now();
    const access: AccessNote = {};
    res.on('finish', () => {
      this.options.onAccess?.({
        method,
        path,
        status: res.statusCode,
        ms: Date.now() - started,
        poll: isPoll(method, path, res.statusCode),
        ...(access.note ? { note: access.note } : {}),
      });
    });
    return access;
  }

  /** An HTTP API route, as API Gateway runs it: the route's authorizer, then its function. */
  private async serveApiRoute(req: IncomingMessage, res: ServerResponse, call: ApiRouteCall): Promise<void> {
    const { match, request, runtime, corsHeaders, access } = call;
    const { region, credentials } = this.options;
    let auth: AuthResult | undefined;
    if (match.route.auth === 'jwt') auth = await authorizeJwt(request, runtime.issuer);
    else if (match.route.auth === 'iam') auth = await authorizeIam(request, credentials, region);
    if (auth && !auth.ok) {
      access.note = `${match.route.auth} authorizer: ${auth.reason}`;
      return sendGatewayError(res, auth.status, auth.message, { ...auth.headers, ...corsHeaders });
    }

    const event = httpApiEvent(request, {
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      ...(auth?.ok ? { authorizer: auth.authorizer } : {}),
      domainName: (req.headers.host ?? 'localhost').replace(/:\d+$/, ''),
      port: runtime.port,
    });
    const gatewayHeaders = { 'apigw-requestid': request.requestId, ...corsHeaders };
    this.options.onInvoke?.(match.route.entry, event);
    let result: unknown;
    try {
      result = await invokeFunction(match.route.entry, event, region);
    } catch (e) {
      access.note = e instanceof InvocationError ? `${match.route.entry}: ${e.message}` : String(e);
      console.error(`[gateway] ${match.routeKey} → ${access.note}`);
      return sendGatewayError(res, 500, 'Internal Server Error', gatewayHeaders);
    }
    writeLambdaResult(res, result, gatewayHeaders);
  }
}
