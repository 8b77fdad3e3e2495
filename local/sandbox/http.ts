import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';
import type { Faults } from './faults.js';

export { HttpError } from './errors.js';

import type { LateCommits } from './late-commits.js';
import type { Store } from './store.js';
import type { Variants } from './variants.js';
import type { Webhooks } from './webhooks.js';

export const MAX_BODY_BYTES = 1024 * 1024;
// Oversized bodies are drained (so the client can read the 413) up to this size, then the socket is cut.
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

export interface SandboxConfig {
  apiKey: string;
  siteUrl: string;
  rewardPercent: number;
  referralParam: string;
  cookieDays: number;
  /**
   * Points the referrer earns when a referred customer signs up (a program's reward rule in Partnero),
   * held beside money in the balance as a non-money unit. 0: none.
   */
  referralPoints: number;
  /** Refuse a repeated transaction key with 422 (Partnero does not: off by default). */
  strictTransactionKeys: boolean;
  /**
   * The program type the API key belongs to. `affiliate` mimics the key of an affiliate program:
   * `GET /partners` lists a partner and `POST /webhooks` refuses the refer-a-friend-only events.
   */
  program: ProgramType;
}

export type ProgramType = 'refer-a-friend' | 'affiliate';

/** Everything a handler may touch; one per running sandbox. */
export interface Sandbox {
  store: Store;
  config: SandboxConfig;
  webhooks: Webhooks;
  faults: Faults;
  lateCommits: LateCommits;
  /** Which reading to answer where Partnero is silent (off: the published shapes only). */
  variants: Variants;
  url: string;
  reset(): void;
}

export interface RequestCtx {
  sb: Sandbox;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Path as sent (still percent-encoded), used to build pagination links. */
  rawPath: string;
  headers: IncomingMessage['headers'];
}

export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestCtx) => Result | Promise<Result>;

export interface Route {
  method: string;
  path: string;
  handler: Handler;
}

export const ok = (data: unknown, status = 200): Result => ({ status, body: { status: 1, data } });

export function errorBody(message: string, errors?: Record<string, string[]>): Record<string, unknown> {
  return errors ? { status: 0, message, errors } : { status: 0, message };
}

export function send(res: ServerResponse, result: Result): void {
  if (res.headersSent || res.destroyed) return;
  const text = result.body === undefined ? '' : JSON.stringify(result.body);
  const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(text) };
  if (result.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(result.status, { ...headers, ...result.headers });
  res.end(text);
}

export const errorResult = (err: HttpError): Result => ({
  status: err.status,
  body: errorBody(err.message, err.errors),
  headers: err.headers,
});

export function sendError(res: ServerResponse, err: HttpError): void {
  send(res, errorResult(err));
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, 'The request body is too large.', undefined, { connection: 'close' });
  if (Number(req.headers['content-length']) > MAX_DRAIN_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => reject(tooLarge()));
  });
}

/** An empty body reads as `{}`; anything but a JSON object is a 400. */
export function parseJsonObject(buf: Buffer): Record<string, unknown> {
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
