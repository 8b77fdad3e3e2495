import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { customerRoutes } from './customers.js';
import { COMMIT_KINDS, type PickedFault } from './faults.js';
import {
  errorBody,
  errorResult,
  HttpError,
  parseJsonObject,
  type RequestCtx,
  type Result,
  readBody,
  type Sandbox,
  send,
} from './http.js';
import { rateLimitOf } from './rate-limit.js';
import { type CompiledRoute, compile, decodeSegments, type Match, match, routeOf } from './routing.js';
import { transactionRoutes } from './transactions.js';
import { PUBLISHED_SHAPES_HEADER, Variants } from './variants.js';
import { webhookRoutes } from './webhooks-api.js';

const PUBLISHED = new Variants(null);

const apiRoutes = compile([...customerRoutes, ...transactionRoutes, ...webhookRoutes]);

const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

// unref: a pending injected delay must not keep a closed sandbox's process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

const untilClosed = (socket: Socket) =>
  new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

const digest = (value: string) => createHash('sha256').update(value).digest();

function authorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  return timingSafeEqual(digest(token), digest(apiKey));
}

interface Prepared {
  route: CompiledRoute;
  ctx: RequestCtx;
}

interface ApiRequest {
  sb: Sandbox;
  req: IncomingMessage;
  found: Match;
  rawPath: string;
  rawQuery: string;
  label: string;
}

/** Authentication, route and body, in that order; throws the HttpError to answer with. */
async function prepare({ sb, req, found, rawPath, rawQuery }: ApiRequest): Promise<Prepared> {
  if (!authorized(req, sb.config.apiKey)) throw new HttpError(401, 'Unauthenticated.');
  const route = routeOf(found);
  const body = route.method === 'GET' ? {} : parseJsonObject(await readBody(req));
  const query = new URLSearchParams(rawQuery);
  // A test arranging or checking state asks for the published shapes, whatever the variants mode; the
  // code under test never sends this header, so it meets the variants.
  const shapes = req.headers[PUBLISHED_SHAPES_HEADER] === 'published' ? { ...sb, variants: PUBLISHED } : sb;
  return { route, ctx: { sb: shapes, params: found.params, query, body, rawPath, headers: req.headers } };
}

/** Runs the handler and persists a successful write; a validation error becomes its answer. */
async function execute(sb: Sandbox, { route, ctx }: Prepared): Promise<Result> {
  try {
    const result = await route.handler(ctx);
    if (route.method !== 'GET' && result.status < 300) sb.store.commit();
    return ctx.sb.variants.envelope(result);
  } catch (err) {
    if (err instanceof HttpError) return errorResult(err);
    throw err;
  }
}

/** Prepares and executes, for a fault that applies the write whatever it answers. */
async function applyWrite(call: ApiRequest): Promise<void> {
  try {
    await execute(call.sb, await prepare(call));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
  }
}

function answerStatus(res: ServerResponse, fault: PickedFault): void {
  const status = fault.kind === 'commit-500' ? 500 : Number(fault.kind);
  const headers: Record<string, string> = {};
  if (status === 429 || status === 503) headers['retry-after'] = String(fault.rule.retryAfterSeconds);
  const message = status === 429 ? 'Too Many Attempts.' : 'Server Error (injected by the sandbox).';
  send(res, { status, body: errorBody(message), headers });
}

/** Reads the request, answers nothing, and queues the write until the client has closed. */
async function lateCommit(call: ApiRequest, fault: PickedFault): Promise<void> {
  const { sb, req } = call;
  if (MUTATING.has(req.method ?? '')) {
    const prepared = await prepare(call).catch((err: unknown) => {
      if (err instanceof HttpError) return undefined;
      throw err;
    });
    if (prepared) {
      const apply = async () => (await execute(sb, prepared)).status;
      sb.lateCommits.add(call.label, req.socket, fault.rule.hold, apply);
    }
  }
  await untilClosed(req.socket);
}

async function commitFault(call: ApiRequest, res: ServerResponse, fault: PickedFault): Promise<void> {
  if (fault.kind === 'late-commit') return lateCommit(call, fault);
  if (MUTATING.has(call.req.method ?? '')) await applyWrite(call);
  if (fault.kind === 'commit-500') return answerStatus(res, fault);
  if (fault.kind === 'commit-drop') return void call.req.socket.destroy();
  await untilClosed(call.req.socket);
}

function matchApi(method: string, rawPath: string): Match {
  try {
    return match(apiRoutes, method, decodeSegments(rawPath.slice('/v1/'.length)));
  } catch {
    return { template: null, params: {}, allowed: [] };
  }
}

/** A `/v1` request: counted, then faulted (before or after the write), then served. */
export async function handleApi(
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  rawQuery: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const found = matchApi(method, rawPath);
  sb.store.countRequest(`${method} /v1/${found.template ?? '(unknown)'}`);
  const call: ApiRequest = { sb, req, found, rawPath, rawQuery, label: `${method} ${rawPath}` };

  // Throttled on arrival, before faults (the request never reaches the application); the 429 takes
  // the configured latency like any other answer.
  const throttle = rateLimitOf(sb).take();
  if (!throttle.ok) {
    if (sb.faults.latencyMs > 0) await sleep(sb.faults.latencyMs);
    const headers = { 'retry-after': String(throttle.retryAfterSeconds) };
    return send(res, { status: 429, body: errorBody('Too Many Attempts.'), headers });
  }
  const fault = sb.faults.pick(call.label);
  if (fault?.kind === 'drop') return void req.socket.destroy();
  if (fault?.kind === 'delay') await sleep(fault.rule.delayMs);
  if (sb.faults.latencyMs > 0) await sleep(sb.faults.latencyMs);
  if (fault && COMMIT_KINDS.includes(fault.kind)) return commitFault(call, res, fault);
  if (fault && fault.kind !== 'delay') return answerStatus(res, fault);
  send(res, await execute(sb, await prepare(call)));
}
