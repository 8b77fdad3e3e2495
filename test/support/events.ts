import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

export interface EventInput {
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  cookies?: string[];
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}

/** An API Gateway HTTP API (payload v2) event, as Lambda receives it. */
export function httpEvent(input: EventInput = {}): APIGatewayProxyEventV2 {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/';
  let body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  if (body !== undefined && input.base64) body = Buffer.from(body).toString('base64');
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...input.headers },
    ...(input.cookies ? { cookies: input.cookies } : {}),
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: Boolean(input.base64),
    ...(body !== undefined ? { body } : {}),
  };
}

export function jwtEvent(
  claims: Record<string, string>,
  input: EventInput = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = httpEvent(input);
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/**
 * An IAM-authorized event. Unless the input brings its own `authorization`, the request carries the
 * `Authorization` header API Gateway passes on, signed over every header it has, as the AWS SDK signers
 * and `curl --aws-sigv4` sign.
 */
export function iamEvent(input: EventInput = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  const event = httpEvent(input);
  const names = Object.keys(event.headers).map((name) => name.toLowerCase());
  if (!names.includes('authorization')) {
    const signed = [...new Set([...names, 'host', 'x-amz-date'])].sort().join(';');
    event.headers = {
      host: 'localhost',
      'x-amz-date': '20250101T000000Z',
      ...event.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request, SignedHeaders=${signed}, Signature=${'0'.repeat(64)}`,
    };
  }
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: {
        iam: {
          accessKey: 'AKIDEXAMPLE',
          accountId: '123456789012',
          callerId: 'AIDAEXAMPLE',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:iam::123456789012:user/back-office',
          userId: 'AIDAEXAMPLE',
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

export function lambdaContext(remainingMs = 10_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '512',
    awsRequestId: `aws-${Math.random().toString(36).slice(2)}`,
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The parsed answer of an HTTP handler. */
export function answer(result: unknown) {
  const r = result as APIGatewayProxyStructuredResultV2;
  return {
    status: r.statusCode,
    headers: r.headers ?? {},
    cookies: r.cookies ?? [],
    body: r.body ? JSON.parse(r.body) : undefined,
  };
}
