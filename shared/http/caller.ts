import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Who made an IAM-authorized (SigV4) request, as API Gateway's IAM authorizer reports it in
 * `requestContext.authorizer.iam`. Only the fields API Gateway filled are kept; the access key id is
 * left out (it names a credential, not a principal, and the principal's ARN says who held it).
 */
export interface IamCaller {
  userArn?: string;
  accountId?: string;
  callerId?: string;
  principalOrgId?: string;
  userId?: string;
}

/** One audit record: the principal and the request id the access log carries too (`$context.requestId`). */
export interface CallerAudit {
  caller: IamCaller;
  requestId?: string;
  routeKey?: string;
}

const FIELDS = ['userArn', 'accountId', 'callerId', 'principalOrgId', 'userId'] as const;

/** The IAM principal of an event, or undefined when the route is not IAM-authorized. */
export function iamCallerOf(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): IamCaller | undefined {
  const authorizer = (event.requestContext as { authorizer?: { iam?: unknown } } | undefined)?.authorizer;
  const iam = authorizer?.iam;
  if (typeof iam !== 'object' || iam === null) return undefined;
  const caller: IamCaller = {};
  for (const field of FIELDS) {
    const value = (iam as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') caller[field] = value;
  }
  return caller;
}

/** The audit record of an IAM-authorized request, or undefined for any other request. */
export function callerAuditOf(
  event: Pick<APIGatewayProxyEventV2, 'requestContext'>,
): CallerAudit | undefined {
  const caller = iamCallerOf(event);
  if (!caller) return undefined;
  const { requestId, routeKey } = event.requestContext ?? {};
  return {
    caller,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof routeKey === 'string' ? { routeKey } : {}),
  };
}
