import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '#shared/observability/logger.js';
import { toHttpError } from './error-mapping.js';
import { jsonResponse } from './response.js';

export type RouteHandler<E extends APIGatewayProxyEventV2> = (
  event: E,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/**
 * Wraps a route handler with the middleware every route shares: the Lambda context in logs, and
 * one error handler that answers `{ "error": { "code", "message", "fields"? } }`. The error shape is
 * project-specific, so this small onError replaces @middy/http-error-handler rather than adapting it.
 */
export function httpRoute<E extends APIGatewayProxyEventV2>(handler: RouteHandler<E>) {
  return middy<E, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger))
    .use({
      onError: async (request) => {
        const error = toHttpError(request.error);
        if (error.statusCode >= 500)
          logger.error('request failed', { code: error.code, error: request.error });
        else logger.info('request rejected', { code: error.code, status: error.statusCode });
        const body = {
          error: {
            code: error.code,
            message: error.message,
            ...(error.fields ? { fields: error.fields } : {}),
          },
        };
        request.response = jsonResponse(
          error.statusCode,
          body,
          error.headers ? { headers: error.headers } : {},
        );
      },
    })
    .handler(handler);
}

/** Milliseconds to keep in reserve for answering after downstream calls give up. */
const RESPONSE_MARGIN_MS = 300;

/** The absolute time by which downstream calls must finish, derived from the Lambda's remaining time. */
export function deadlineOf(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  marginMs = RESPONSE_MARGIN_MS,
) {
  return Date.now() + Math.max(0, context.getRemainingTimeInMillis() - marginMs);
}
