import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';

/**
 * One JSON line per request in the stage's access log: who, which route, what came of it, how long. On
 * the IAM-authorized (back-office) routes "who" is the signing principal: its ARN, account, caller id and
 * organization (empty, `-`, on other routes), so every money operation can be traced to its caller.
 */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    callerArn: '$context.identity.userArn',
    callerAccount: '$context.identity.accountId',
    caller: '$context.identity.caller',
    callerOrg: '$context.identity.principalOrgId',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);
