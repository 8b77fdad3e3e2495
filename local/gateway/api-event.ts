import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '#local/config.js';

export type Authorizer =
  | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
  | {
      iam: {
        accessKey: string;
        accountId: string;
        callerId: string;
        cognitoIdentity: null;
        principalOrgId: null;
        userArn: string;
        userId: string;
      };
    };

export interface HttpRequestInfo {
  method: string;
  /** Path as received, still percent-encoded. */
  rawPath: string;
  /** Query string as received, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  protocol?: string;
  requestId: string;
}

export interface EventOptions {
  routeKey: string;
  pathParameters: Record<string, string>;
  authorizer?: Authorizer;
  /** Host name API Gateway reports as `domainName`. */
  domainName: string;
  port: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
export function clfTime(date: Date): string {
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/**
 * Content types API Gateway passes as text; every other body (and a body without a content type)
 * reaches the function base64-encoded with `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript'
  );
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

/** Query parameters as API Gateway v2 gives them: decoded, repeated keys joined with commas. */
export function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === '') return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The cookies field: every `Cookie` header split into `name=value` pairs. */
export function splitCookies(header: string | string[] | undefined): string[] | undefined {
  const all = (Array.isArray(header) ? header : header ? [header] : [])
    .flatMap((h) => h.split(';'))
    .map((c) => c.trim())
    .filter((c) => c !== '');
  return all.length ? all : undefined;
}

/**
 * The payload format 2.0 event API Gateway HTTP APIs send to Lambda: lower-cased headers (repeated
 * ones joined with commas, `cookie` moved to `cookies`), the raw and parsed query, decoded path
 * parameters, the body (base64 unless text), and the request context with the authorizer's result.
 */
export function httpApiEvent(request: HttpRequestInfo, options: EventOptions): APIGatewayProxyEventV2 {
  const now = new Date();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie' || value === undefined) continue;
    headers[lower] = single(value) as string;
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(options.port);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${request.requestId.replace(/-/g, '').slice(0, 24)}`;

  const text = isTextContentType(headers['content-type']);
  const hasBody = request.body.length > 0;
  const cookies = splitCookies(request.headers.cookie);
  const query = queryParameters(request.rawQuery);

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQuery,
    headers,
    ...(cookies ? { cookies } : {}),
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(options.pathParameters).length ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: options.domainName,
      domainPrefix: options.domainName.split('.')[0] ?? options.domainName,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: options.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !text,
    ...(hasBody ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
  };
  if (options.authorizer) {
    (event.requestContext as unknown as Record<string, unknown>).authorizer = options.authorizer;
  }
  return event;
}
