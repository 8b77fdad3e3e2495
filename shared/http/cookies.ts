import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerValue } from './headers.js';

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
