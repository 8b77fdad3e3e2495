/**
 * Building and sending one HTTP request to Partnero: its path and query, checked before anything is
 * sent, and the attempt itself over the default transport, the AWS SDK's own HTTP/1.1 handler
 * (`@smithy/node-http-handler`, keep-alive agents), not Node's global `fetch`.
 *
 * Why not `fetch`: every function already loads this handler for its Secrets Manager and DynamoDB calls,
 * while `fetch` (undici, web streams) is loaded on its first call — tens of milliseconds of every cold
 * start — and costs about twice the CPU per request warm (bench/README.md, "Partnero transport").
 * Only the part of `fetch` the client uses is offered; tests may still inject `fetch` itself.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { invalid } from './errors.js';
import type { HttpMethod, Outcome, PageQuery, PartneroFetch } from './types.js';

// ---- the request ----

const MAX_LIMIT = 250;

/**
 * Encodes one URL path segment. Dots are encoded too so the value can never form a `.`/`..` segment;
 * ids that are nothing but dots are rejected, because the WHATWG URL parser still reads `%2E%2E` as `..`.
 */
const encodePathSegment = (value: string): string => encodeURIComponent(value).replace(/\./g, '%2E');

/** `/customers/{id}/stats` with the id encoded; rejects unusable ids (blank, only dots) before any request. */
export function pathWith(method: HttpMethod, template: string, id: unknown): string {
  if (typeof id !== 'string' || id.trim() === '' || /^\.+$/.test(id)) {
    throw invalid(
      method,
      template,
      `Partnero ${method} ${template}: id must be a non-empty string that is not '.' or '..'`,
    );
  }
  return template.replace(/\{\w+\}/, encodePathSegment(id));
}

export function pageParams(method: HttpMethod, path: string, q: PageQuery | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (q?.limit !== undefined) {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
      throw invalid(
        method,
        path,
        `Partnero ${method} ${path}: limit must be an integer from 1 to ${MAX_LIMIT}`,
      );
    }
    params.set('limit', String(q.limit));
  }
  if (q?.page !== undefined) {
    if (!Number.isInteger(q.page) || q.page < 1) {
      throw invalid(method, path, `Partnero ${method} ${path}: page must be a positive integer`);
    }
    params.set('page', String(q.page));
  }
  return params;
}

/** The API's origin and base path, e.g. `https://api.partnero.com` and `/v1`. */
export interface BaseUrl {
  origin: string;
  basePath: string;
}

export function baseUrlOf(baseUrl: string): BaseUrl {
  const base = new URL(baseUrl.replace(/\/+$/, ''));
  return { origin: base.origin, basePath: base.pathname.replace(/\/+$/, '') };
}

/** Undefined when URL parsing would resolve any segment of the path we built (defence in depth). */
export function urlFor(base: BaseUrl, path: string, query: URLSearchParams | undefined): string | undefined {
  const qs = query?.toString();
  const url = new URL(`${base.origin}${base.basePath}${path}${qs ? `?${qs}` : ''}`);
  return url.pathname === `${base.basePath}${path}` && url.origin === base.origin ? url.href : undefined;
}

// ---- one attempt ----

const MAX_TIMER_MS = 2 ** 31 - 1;
const USER_AGENT = 'partnero-referrals-aws';

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface Attempt {
  method: HttpMethod;
  url: string;
  key: string;
  body: unknown;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** Sends once, giving up after `timeoutMs` or when the caller's signal aborts; never throws. */
export async function attemptOnce(doFetch: PartneroFetch, attempt: Attempt): Promise<Outcome> {
  const { method, url, key, body, timeoutMs, signal } = attempt;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort();
    },
    Math.min(timeoutMs, MAX_TIMER_MS),
  );
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await doFetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        // Some firewalls refuse requests without one (fetch sends `node`).
        'User-Agent': USER_AGENT,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      // Never let a redirect carry the bearer key elsewhere.
      redirect: 'manual',
    });
    const text = await res.text();
    return {
      kind: 'response',
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: parseJson(text),
    };
  } catch (error) {
    if (timedOut) return { kind: 'timeout', ms: timeoutMs };
    if (signal?.aborted) return { kind: 'aborted' };
    return { kind: 'network', error };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// ---- the default transport ----

/**
 * How long an idle pooled connection is kept (undici's default). Without it Node's agent reuses a
 * connection however long it sat idle and ignores the server's `Keep-Alive: timeout` hint, so a write
 * may go out on a socket the server already closed: a needless `unknown_outcome`.
 */
const IDLE_SOCKET_MS = 4000;

/** The handler the transport uses unless given one: keep-alive pools that drop idle sockets. */
export function partneroHttpHandler(idleSocketMs = IDLE_SOCKET_MS): NodeHttpHandler {
  const agent = { keepAlive: true, maxSockets: 50, timeout: idleSocketMs };
  return new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent });
}

/** Strips a byte-order mark, as `fetch`'s `text()` does (stateless when not streaming, so shared). */
const UTF8 = new TextDecoder();

const DECODERS: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** The body as text, as `fetch` reads it: decompressed if the server compressed it anyway, BOM dropped. */
async function readText(body: AsyncIterable<Buffer>, encoding: string | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  let bytes: Buffer = Buffer.concat(chunks);
  for (const coding of (encoding ?? '')
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .reverse()) {
    const decode = DECODERS[coding];
    if (decode) bytes = decode(bytes);
  }
  return UTF8.decode(bytes);
}

/** A `PartneroFetch` over one NodeHttpHandler (its own keep-alive agents), made once per client. */
export function nodeHttpTransport(handler: NodeHttpHandler = partneroHttpHandler()): PartneroFetch {
  return async (url, init) => {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers, host: target.host };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const request = new HttpRequest({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port === '' ? undefined : Number(target.port),
      method: init.method,
      // The client builds and checks the path and query (`urlFor`); sent as they are.
      path: `${target.pathname}${target.search}`,
      query: {},
      headers,
      body: init.body,
    });
    const { response } = await handler.handle(request, init.signal ? { abortSignal: init.signal } : {});
    const answer = response.headers;
    const header = (name: string) => {
      const key = name.toLowerCase();
      return Object.hasOwn(answer, key) ? (answer[key] ?? null) : null;
    };
    // Read before answering, so the caller's timeout and abort cover the whole body too.
    const text = await readText(
      response.body as AsyncIterable<Buffer>,
      header('content-encoding') ?? undefined,
    );
    return { status: response.statusCode, headers: { get: header }, text: async () => text };
  };
}
