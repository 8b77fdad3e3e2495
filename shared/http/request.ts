import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError } from '#shared/errors.js';

/** Reading an API Gateway v2 request: headers, body, cookies and what its SigV4 signature covers. */

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** Header lookup that does not depend on the caller's casing (API Gateway v2 lower-cases, others may not). */
export function headerValue(headers: Record<string, string | undefined> | undefined, name: string) {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The body as API Gateway delivered it, decoded from base64 when it says so. */
export function rawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function assertBodySize(body: Buffer, maxBytes: number): void {
  if (body.byteLength > maxBytes) {
    throw new AppError('payload_too_large', `The request body must be at most ${maxBytes} bytes`);
  }
}

/**
 * Reads a JSON request body: 413 when over the limit, 415 for a non-JSON content type,
 * 400 for text that is not JSON. An empty body reads as `undefined`.
 */
export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes = DEFAULT_MAX_BODY_BYTES): unknown {
  const body = rawBody(event);
  assertBodySize(body, maxBytes);
  if (body.byteLength === 0) return undefined;
  const contentType = headerValue(event.headers, 'content-type');
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new AppError('unsupported_media_type', 'The request body must be application/json');
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON');
  }
}

/**
 * The value of one cookie, from API Gateway v2's `cookies` array or a raw `Cookie` header.
 * Malformed pairs of other cookies are skipped rather than failing the request: a browser may carry
 * cookies from other apps on the same domain that we must not choke on. A value of this cookie that
 * is not valid percent-encoding is returned as it came, so the caller's validation rejects it.
 * The first occurrence wins, as in browsers' most-specific-path-first order.
 */
export function readCookie(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>, name: string) {
  const pairs = event.cookies?.length
    ? event.cookies.flatMap((c) => c.split(';'))
    : (headerValue(event.headers, 'cookie')?.split(';') ?? []);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

const SIGNED_HEADERS = /(?:^|[\s,])SignedHeaders=([^,\s]+)/;

/**
 * The header names a SigV4 request signed, lower-case: from the `Authorization` header API Gateway
 * passes on (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=a;b;c, Signature=…`), or from the
 * `X-Amz-SignedHeaders` query parameter of a presigned URL. Undefined when the request carries neither,
 * so a caller can refuse what it cannot prove was signed.
 */
export function signedHeaderNames(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'queryStringParameters'>,
): string[] | undefined {
  const authorization = headerValue(event.headers, 'authorization');
  const fromHeader =
    authorization?.trim().startsWith('AWS4-') === true ? SIGNED_HEADERS.exec(authorization)?.[1] : undefined;
  const query = event.queryStringParameters ?? {};
  const fromQuery = Object.entries(query).find(([name]) => name.toLowerCase() === 'x-amz-signedheaders')?.[1];
  const list = fromHeader ?? fromQuery;
  if (!list) return undefined;
  return list
    .split(';')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

/** Whether the request's SigV4 signature covers `header` (false when it carries no signature at all). */
export function isHeaderSigned(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'queryStringParameters'>,
  header: string,
): boolean {
  return signedHeaderNames(event)?.includes(header.toLowerCase()) ?? false;
}
