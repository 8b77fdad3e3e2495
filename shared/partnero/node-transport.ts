/**
 * The client's default way of sending a request: the AWS SDK's own HTTP/1.1 handler
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

export interface PartneroRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal;
  /** Never follow a redirect (it could carry the bearer key elsewhere); this transport never does. */
  redirect?: 'manual';
}

export interface PartneroResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** What the client sends requests with: `fetch`, or anything answering the same subset. */
export type PartneroFetch = (url: string, init: PartneroRequestInit) => Promise<PartneroResponse>;

/**
 * How long an idle pooled connection is kept (undici's default). Without it Node's agent reuses a
 * connection however long it sat idle and ignores the server's `Keep-Alive: timeout` hint, so a write
 * may go out on a socket the server already closed: a needless `unknown_outcome`.
 */
export const IDLE_SOCKET_MS = 4000;

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
      // The client builds and checks the path and query (settings.ts `urlFor`); sent as they are.
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
