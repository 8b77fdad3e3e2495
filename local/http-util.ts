import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown when a request body exceeds the limit; callers answer with their service's 413 shape. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Reads the whole request body, failing (and draining) once it exceeds `limit` bytes. */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Host names that always mean this machine: `localhost`, 127.0.0.0/8 and `[::1]`. */
function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets?.slice(1).every((o) => Number(o) <= 255) ?? false;
}

/** An address or name as it appears in a Host header: lower case, IPv6 in brackets, no IPv4-mapped prefix. */
function hostName(address: string): string {
  const plain = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return plain.includes(':') ? `[${plain}]` : plain;
}

/** The name and port of a Host header (`name`, `name:port`, `[v6]:port`), or undefined when malformed. */
function parseHostHeader(value: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  return { name: hostName(m[1] as string), port: m[2] === undefined ? 80 : Number(m[2]) };
}

/**
 * Why a request's `Host` header is not one this local server answers (undefined when it is). Served:
 * a loopback name or address (`localhost`, `127.x.x.x`, `[::1]`), the configured `--host` value, or the
 * address the connection arrived on, each with the port the connection arrived on. Anything else, a
 * name that merely resolves here, is how a DNS-rebinding page reaches a local server, so it is refused,
 * as is a request without a Host header (HTTP/1.0).
 */
export function hostRefusal(req: IncomingMessage, configuredHost?: string): string | undefined {
  const header = req.headers.host;
  if (!header) return 'A Host header is required';
  if (servesHost(header, req, configuredHost)) return undefined;
  return `Host ${JSON.stringify(header)} is not served here: this local server answers only localhost, 127.0.0.1 or [::1]${configuredHost ? ` or ${hostName(configuredHost)}` : ''} on port ${req.socket.localPort}`;
}

/** Whether `header` (a Host value, or an Origin's host) names this server on the connection's port. */
function servesHost(header: string, req: IncomingMessage, configuredHost?: string): boolean {
  const host = parseHostHeader(header);
  if (!host || host.port !== req.socket.localPort) return false;
  if (isLoopbackName(host.name)) return true;
  if (configuredHost && host.name === hostName(configuredHost)) return true;
  return !!req.socket.localAddress && host.name === hostName(req.socket.localAddress);
}

/** The status for a refused Host: 421 Misdirected Request. */
export const HOST_REFUSED_STATUS = 421;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a content type is JSON (`application/json`, `application/*+json`, any parameters). */
function isJsonType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Whether the request came from a page on this same server (its Origin names an address it answers). */
function isSameOrigin(req: IncomingMessage, configuredHost?: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !origin.startsWith('http://')) return false;
  return servesHost(origin.slice('http://'.length), req, configuredHost);
}

/** Whether a browser marked the request as coming from another site or origin. */
function isCrossOrigin(req: IncomingMessage, configuredHost?: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  return req.headers.origin !== undefined && !isSameOrigin(req, configuredHost);
}

/** Whether the request announces a body (a length above 0, or a chunked one). */
const hasBody = (req: IncomingMessage) =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * Why a state-changing request (POST, PUT, PATCH, DELETE) to a local control path is refused, with 415
 * (undefined when it is served). It must be JSON: a page on another site can only send JSON after a
 * CORS preflight, which these paths never grant, whereas `text/plain` and form posts need none. Served
 * without JSON: a page on this same server (its Origin, e.g. the demo page's bodiless refund), and a
 * bodiless request no browser marked as cross-origin (`curl -X POST …/reset`, test tools).
 */
export function nonJsonRefusal(req: IncomingMessage, configuredHost?: string): string | undefined {
  if (!STATE_CHANGING.has(req.method ?? 'GET')) return undefined;
  if (isJsonType(req.headers['content-type'])) return undefined;
  if (isSameOrigin(req, configuredHost)) return undefined;
  if (!hasBody(req) && !isCrossOrigin(req, configuredHost)) return undefined;
  return `${req.method} needs content-type: application/json here (a page on another site cannot send that without a CORS preflight, which is refused)`;
}

export const NOT_JSON_STATUS = 415;
