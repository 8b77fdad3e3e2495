import type { ServerResponse } from 'node:http';
import { sendJson } from '#local/http-util.js';

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

const isStructured = (value: unknown): value is StructuredResult =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { statusCode?: unknown }).statusCode === 'number';

/**
 * Writes a payload-2.0 function result the way API Gateway does: a structured result (statusCode,
 * headers, cookies → Set-Cookie, body, isBase64Encoded) as given; anything else as a 200 JSON body.
 * `gatewayHeaders` (CORS, request id) win over the function's.
 */
export function writeLambdaResult(
  res: ServerResponse,
  result: unknown,
  gatewayHeaders: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...gatewayHeaders,
    });
    res.end(body);
    return;
  }
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode, { ...headers, 'content-length': String(body.length), ...gatewayHeaders });
  res.end(body);
}

/** API Gateway's own answers (`{"message": ...}`), e.g. 401 Unauthorized, 404 Not Found. */
export function sendGatewayError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { message }, headers);
}
