import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Request } from 'express';

/** The verified JWT claims: serverless-http puts the Lambda event on `req.apiGateway.event`. */
export const claimsOf = (req: Request) =>
  (req as unknown as { apiGateway: { event: APIGatewayProxyEventV2WithJWTAuthorizer } }).apiGateway.event
    .requestContext.authorizer.jwt.claims as Record<string, string>;
