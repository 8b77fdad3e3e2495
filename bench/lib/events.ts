/**
 * Realistic Lambda inputs: API Gateway HTTP API (payload v2) events as the JWT and IAM authorizers
 * deliver them, SQS events carrying EventBridge `Order Placed` / `Order Refunded` events, and a Lambda
 * context. Same shapes as test/support/events.ts, plus the headers and claims a real request carries.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSRecord } from 'aws-lambda';

export interface HttpInput {
  method: string;
  path: string;
  routeKey: string;
  body?: unknown;
  headers?: Record<string, string>;
  cookies?: string[];
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}

const BROWSER_HEADERS = {
  accept: 'application/json, text/plain, */*',
  'accept-encoding': 'gzip, deflate, br',
  'accept-language': 'en-GB,en;q=0.9',
  host: 'api.example.com',
  origin: 'https://www.example.com',
  referer: 'https://www.example.com/welcome',
  'user-agent':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'x-amzn-trace-id': 'Root=1-6740f2a1-0c1f2e3d4b5a69788796a5b4',
  'x-forwarded-for': '203.0.113.42',
  'x-forwarded-port': '443',
  'x-forwarded-proto': 'https',
};

function baseEvent(input: HttpInput, authorizer: unknown) {
  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  const headers: Record<string, string> = { ...BROWSER_HEADERS, ...input.headers };
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    ...(input.cookies ? { cookies: input.cookies } : {}),
    headers,
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer,
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.42',
        userAgent: BROWSER_HEADERS['user-agent'],
      },
      requestId: 'Ab1Cd2Ef3Gh4=',
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** Claims a Cognito access/ID token carries, as the HTTP API JWT authorizer passes them (all strings). */
export function cognitoClaims(sub: string, extra: Record<string, string> = {}): Record<string, string> {
  const iat = Math.floor(Date.now() / 1000);
  return {
    sub,
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
    aud: '4d3k0f9example1client',
    token_use: 'id',
    auth_time: String(iat),
    iat: String(iat),
    exp: String(iat + 3600),
    email_verified: 'true',
    'cognito:username': sub,
    ...extra,
  };
}

export function jwtEvent(claims: Record<string, string>, input: HttpInput) {
  return baseEvent(
    { ...input, headers: { authorization: 'Bearer eyJraWQiOiJleGFtcGxlIn0.e30.c2ln', ...input.headers } },
    { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } },
  );
}

export function iamEvent(input: HttpInput) {
  // Signed over every header sent, as the AWS SDK signers and `curl --aws-sigv4` sign (the credit route
  // refuses an Idempotency-Key left out of SignedHeaders).
  const signed = [...new Set(['host', 'x-amz-date', ...Object.keys(input.headers ?? {})])]
    .map((name) => name.toLowerCase())
    .sort()
    .join(';');
  return baseEvent(
    {
      ...input,
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request, SignedHeaders=${signed}, Signature=0123456789abcdef`,
        'x-amz-date': '20250101T000000Z',
        ...input.headers,
      },
    },
    {
      iam: {
        accessKey: 'AKIDEXAMPLE',
        accountId: '123456789012',
        callerId: 'AROAEXAMPLE:back-office',
        cognitoIdentity: null,
        principalOrgId: 'o-example',
        userArn: 'arn:aws:sts::123456789012:assumed-role/back-office/session',
        userId: 'AROAEXAMPLE:back-office',
      },
    },
  );
}

/** An EventBridge event as an SQS target delivers it in the message body. */
export function orderEvent(
  detailType: string,
  detail: Record<string, unknown>,
  meta: { id?: string; time?: string } = {},
) {
  return {
    version: '0',
    id: meta.id ?? randomUUID(),
    'detail-type': detailType,
    source: 'com.example.orders',
    account: '123456789012',
    time: meta.time ?? new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export const ORDER_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:partnero-referrals-order-events';

/** One SQS record; `receiveCount` is 1 for a first delivery. */
export function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  const sent = Date.now();
  return {
    messageId,
    receiptHandle: `AQEB${createHash('sha256').update(`${messageId}:${receiveCount}`).digest('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sent),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(sent + 5),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: ORDER_QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** A Lambda context for one invocation of `functionName` with `timeoutMs` left. */
export function lambdaContext(functionName: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
