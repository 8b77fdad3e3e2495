import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '#shared/lambda/logger.js';
import { type PublishableMetrics, publishMetrics } from '#shared/lambda/metrics.js';
import { callerAuditOf } from './caller.js';
import { errorAnswer } from './error-answers.js';
import { jsonResponse } from './response.js';

export type RouteHandler<E extends APIGatewayProxyEventV2> = (
  event: E,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface RouteOptions {
  /**
   * The route's metrics, published once per invocation, answered or failed. A function, so the instance
   * comes with the route's (lazy) dependencies; Powertools' `logMetrics` middleware needs it up front.
   */
  metrics?: () => PublishableMetrics | undefined;
}

/** Log keys the audit middleware adds for one invocation (and removes again). */
const AUDIT_KEYS = ['caller', 'apiRequestId'];

/**
 * The audit trail of IAM-authorized (back-office) routes, which move money: every line the invocation
 * logs carries the caller's IAM principal (`requestContext.authorizer.iam`) and API Gateway's request id
 * (the access log's `requestId`), and two lines say who called which route and what it answered.
 * Routes without an IAM authorizer are left alone.
 */
const auditCaller = <E extends APIGatewayProxyEventV2>(): middy.MiddlewareObj<E, APIGatewayProxyResultV2> => {
  let audited = false;
  const done = async (request: middy.Request<E, APIGatewayProxyResultV2>) => {
    if (!audited) return;
    const response = request.response;
    const status = typeof response === 'object' && response !== null ? response.statusCode : undefined;
    logger.info('back-office answer', { status: status ?? 500 });
    logger.removeKeys(AUDIT_KEYS);
    audited = false;
  };
  return {
    before: async (request) => {
      logger.removeKeys(AUDIT_KEYS);
      const audit = callerAuditOf(request.event);
      audited = audit !== undefined;
      if (!audit) return;
      logger.appendKeys({
        caller: audit.caller,
        ...(audit.requestId ? { apiRequestId: audit.requestId } : {}),
      });
      logger.info('back-office request', { routeKey: audit.routeKey ?? request.event.routeKey });
    },
    after: done,
    onError: done,
  };
};

/**
 * Wraps a route handler with the middleware every route shares: the Lambda context in logs, the
 * caller of IAM-authorized routes in logs (`auditCaller`), and one error handler that answers `{ "error": { "code", "message", "fields"? } }` from the table in
 * error-answers.ts. The error shape is project-specific, so this small onError replaces
 * @middy/http-error-handler rather than adapting it.
 */
export function httpRoute<E extends APIGatewayProxyEventV2>(
  handler: RouteHandler<E>,
  options: RouteOptions = {},
) {
  // Returns nothing: a middleware's return value would replace the response.
  const publish = async () => {
    const metrics = options.metrics?.();
    if (metrics) publishMetrics(metrics);
  };
  return middy<E, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger))
    .use(auditCaller<E>())
    .use({ after: publish, onError: publish })
    .use({
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
        request.response = jsonResponse(
          answer.status,
          body,
          answer.headers ? { headers: answer.headers } : {},
        );
      },
    })
    .handler(handler);
}
