import type { IncomingMessage } from 'node:http';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '#infra/cors.js';

export { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS };

const MAX_AGE_SECONDS = CORS_MAX_AGE_SECONDS;
const allowedMethods: ReadonlySet<string> = new Set(CORS_ALLOW_METHODS);
const allowedHeaders: ReadonlySet<string> = new Set(CORS_ALLOW_HEADERS);

/** API Gateway's CORS for an HTTP API: an origin allow-list, credentials allowed. */
export class Cors {
  constructor(private readonly origins: ReadonlySet<string>) {}

  allows(origin: string | undefined): origin is string {
    return origin !== undefined && this.origins.has(origin);
  }

  /** Headers added to every response to an allowed origin (API Gateway overrides the function's). */
  responseHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!this.allows(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      vary: 'origin',
    };
  }

  isPreflight(req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && !!req.headers.origin && !!req.headers['access-control-request-method'];
  }

  /** The preflight answer: 204, with the CORS headers only when origin, method and headers are allowed. */
  preflightHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    const method = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '');
    if (!this.allows(origin) || !allowedMethods.has(method)) return {};
    if (!requested.every((h) => allowedHeaders.has(h))) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': CORS_ALLOW_METHODS.join(','),
      'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
      'access-control-max-age': String(MAX_AGE_SECONDS),
      vary: 'origin',
    };
  }
}
