import type middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { type Handler, type HandlerDeps, lambdaHandler } from '#lambda';
import { logger } from '#shared/lambda/runtime.js';
import { auditCaller } from './audit.js';
import { errorAnswer } from './error-answers.js';

const baseHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/** A JSON answer that no cache keeps. */
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

/**
 * Answers any thrown error with `{ "error": { "code", "message", "fields"? } }` from the table in
 * error-answers.ts. The error shape is project-specific, so this small onError replaces
 * @middy/http-error-handler rather than adapting it.
 */
const errorAnswers = <E>(): middy.MiddlewareObj<E, APIGatewayProxyResultV2> => ({
  onError: async (request) => {
    const answer = errorAnswer(request.error);
    if (answer.status >= 500) logger.error('request failed', { code: answer.code, error: request.error });
    else logger.info('request rejected', { code: answer.code, status: answer.status });
    const body = {
      error: {
        code: answer.code,
        message: answer.message,
        ...(answer.fields ? { fields: answer.fields } : {}),
      },
    };
    request.response = jsonResponse(answer.status, body, answer.headers ? { headers: answer.headers } : {});
  },
});

/**
 * An HTTP route: the handler wrapper every function shares (#lambda: logging context, deps, deadline,
 * metrics), the caller of IAM-authorized routes in logs (`auditCaller`), and thrown errors answered as
 * `{ "error": … }`. Handlers throw; they don't build error responses by hand.
 */
export function httpRoute<E extends APIGatewayProxyEventV2, D extends object & HandlerDeps>(
  deps: () => D,
  handler: Handler<E, APIGatewayProxyResultV2, D>,
) {
  return lambdaHandler(deps, handler).use(auditCaller<E>()).use(errorAnswers<E>());
}
