import { describe, expect, it } from '@jest/globals';
import { isHeaderSigned, signedHeaderNames } from '#shared/http/request.js';

const authorization = (signed: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/eu-west-1/execute-api/aws4_request, SignedHeaders=${signed}, Signature=${'a'.repeat(64)}`;

describe('signedHeaderNames', () => {
  it('reads SignedHeaders from the Authorization header API Gateway passes on', () => {
    const event = {
      headers: { authorization: authorization('content-type;host;idempotency-key;x-amz-date') },
    };
    expect(signedHeaderNames(event)).toEqual(['content-type', 'host', 'idempotency-key', 'x-amz-date']);
    expect(isHeaderSigned(event, 'Idempotency-Key')).toBe(true);
  });

  it('finds a signature that leaves the header out', () => {
    const event = { headers: { Authorization: authorization('content-type;host;x-amz-date') } };
    expect(isHeaderSigned(event, 'idempotency-key')).toBe(false);
  });

  it('reads X-Amz-SignedHeaders of a presigned URL', () => {
    const event = { headers: {}, queryStringParameters: { 'X-Amz-SignedHeaders': 'host;idempotency-key' } };
    expect(isHeaderSigned(event, 'idempotency-key')).toBe(true);
  });

  it('proves nothing without a signature, or with another scheme', () => {
    expect(signedHeaderNames({ headers: {} })).toBeUndefined();
    expect(
      isHeaderSigned(
        { headers: { authorization: 'Bearer SignedHeaders=idempotency-key' } },
        'idempotency-key',
      ),
    ).toBe(false);
  });
});
