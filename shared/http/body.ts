import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { headerValue } from './headers.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

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
