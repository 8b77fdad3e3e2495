import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logger } from '#shared/lambda/runtime.js';

/**
 * Who made an IAM-authorized (SigV4) request, as API Gateway's IAM authorizer reports it in
 * `requestContext.authorizer.iam`. Only the fields API Gateway filled are kept; the access key id is
 * left out (it names a credential, not a principal, and the principal's ARN says who held it).
 */
interface IamCaller {
  userArn?: string;
  accountId?: string;
  callerId?: string;
  principalOrgId?: string;
  userId?: string;
}

/** One audit record: the principal and the request id the access log carries too (`$context.requestId`). */
interface CallerAudit {
  caller: IamCaller;
  requestId?: string;
  routeKey?: string;
}

const FIELDS = ['userArn', 'accountId', 'callerId', 'principalOrgId', 'userId'] as const;

/** The audit record of an IAM-authorized request, or undefined for any other request. */
function callerAuditOf(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): CallerAudit | undefined {
  const authorizer = (event.requestContext as { authorizer?: { iam?: unknown } } | undefined)?.authorizer;
  const iam = authorizer?.iam;
  if (typeof iam !== 'object' || iam === null) return undefined;
  const caller: IamCaller = {};
  for (const field of FIELDS) {
    const value = (iam as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') caller[field] = value;
  }
  const { requestId, routeKey } = event.requestContext ?? {};
  return {
    caller,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof routeKey === 'string' ? { routeKey } : {}),
  };
}

/** Log keys the audit middleware adds for one invocation (and removes again). */
const AUDIT_KEYS = ['caller', 'apiRequestId'];

/**
 * The audit trail of IAM-authorized (back-office) routes, which move money: every line the invocation
 * logs carries the caller's IAM principal (`requestContext.authorizer.iam`) and API Gateway's request id
 * (the access log's `requestId`), and two lines say who called which route and what it answered.
 * Routes without an IAM authorizer are left alone.
 */
export const auditCaller = <E extends APIGatewayProxyEventV2>(): middy.MiddlewareObj<
  E,
  APIGatewayProxyResultV2
> => {
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
