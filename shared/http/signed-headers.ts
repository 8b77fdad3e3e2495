import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerValue } from './headers.js';

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
