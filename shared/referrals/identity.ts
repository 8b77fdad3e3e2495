import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { isValidKey } from '#shared/schemas/keys.js';

export interface Identity {
  customerKey: string;
  email?: string;
  name?: string;
  surname?: string;
}

type Claims = Record<string, string | number | boolean | string[] | undefined>;

const text = (claims: Claims, name: string): string | undefined => {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

/**
 * Who is calling, from the claims the API Gateway JWT authorizer verified. The customer key comes
 * only from the token, never from the request body, so a user can only ever act as themselves.
 */
export function identityFromEvent(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  keyClaim: string,
): Identity {
  const claims = (event.requestContext?.authorizer?.jwt?.claims ?? {}) as Claims;
  const customerKey = text(claims, keyClaim);
  if (!customerKey) throw new AppError('unauthorized', `The token has no "${keyClaim}" claim`);
  if (!isValidKey(customerKey)) {
    throw new AppError(
      'invalid_identity',
      `The token's "${keyClaim}" claim cannot be used as a customer key`,
    );
  }
  const identity: Identity = { customerKey };
  const email = text(claims, 'email');
  const name = text(claims, 'given_name') ?? text(claims, 'name');
  const surname = text(claims, 'family_name');
  if (email) identity.email = email;
  if (name) identity.name = name;
  if (surname) identity.surname = surname;
  return identity;
}
