import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const baseHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  extra: { headers?: Record<string, string>; cookies?: string[] } = {},
): APIGatewayProxyStructuredResultV2 {
  const response: APIGatewayProxyStructuredResultV2 = {
    statusCode,
    headers: { ...baseHeaders, ...extra.headers },
    body: JSON.stringify(body),
  };
  if (extra.cookies?.length) response.cookies = extra.cookies;
  return response;
}
