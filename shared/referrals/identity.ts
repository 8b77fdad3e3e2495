import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { isValidKey } from '#shared/schemas/fields.js';

export interface Identity {
  customerKey: string;
  /** Only an email the issuer verified (`email_verified`); never one the caller typed. */
  email?: string;
  name?: string;
  surname?: string;
}

export interface IdentityRules {
  /** The claim holding the customer key (`CUSTOMER_KEY_CLAIM`); immutable by default (`sub`). */
  keyClaim: string;
  /**
   * The `token_use` a token must carry (`REQUIRED_TOKEN_USE`): `id` on the stack's Cognito pool, whose
   * access tokens also pass API Gateway's audience check (through `client_id`) but carry no email.
   */
  requiredTokenUse?: string;
}

type Claims = Record<string, string | number | boolean | string[] | undefined>;

const text = (claims: Claims, name: string): string | undefined => {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

/** API Gateway's JWT authorizer hands every claim over as a string: `"true"` as well as `true`. */
const isTrue = (value: unknown) => value === true || value === 'true';

/**
 * Who is calling, from the claims the API Gateway JWT authorizer verified. The customer key comes
 * only from the token, never from the request body, so a user can only ever act as themselves; the
 * email only from a claim the issuer verified, so nobody can enrol someone else's address.
 */
export function identityFromEvent(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  rules: IdentityRules,
): Identity {
  const claims = (event.requestContext?.authorizer?.jwt?.claims ?? {}) as Claims;
  const { keyClaim, requiredTokenUse } = rules;
  if (requiredTokenUse && claims.token_use !== requiredTokenUse) {
    throw new AppError(
      'unauthorized',
      `Send the ${requiredTokenUse === 'id' ? 'ID token' : `"${requiredTokenUse}" token`} of the sign-in (token_use "${requiredTokenUse}"), not an access token`,
    );
  }
  const raw = claims[keyClaim];
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new AppError('unauthorized', `The token has no "${keyClaim}" claim`);
  // Trimming would make " alice" and "alice" one customer: a key is used exactly as the issuer wrote it.
  if (raw !== raw.trim() || !isValidKey(raw)) {
    throw new AppError(
      'invalid_identity',
      `The token's "${keyClaim}" claim cannot be used as a customer key`,
    );
  }
  const identity: Identity = { customerKey: raw };
  const email = isTrue(claims.email_verified) ? text(claims, 'email') : undefined;
  const name = text(claims, 'given_name') ?? text(claims, 'name');
  const surname = text(claims, 'family_name');
  if (email) identity.email = email;
  if (name) identity.name = name;
  if (surname) identity.surname = surname;
  return identity;
}

/** The identity rules from the function's environment. */
export const identityRulesFromEnv = (env: NodeJS.ProcessEnv): IdentityRules => ({
  keyClaim: env.CUSTOMER_KEY_CLAIM || 'sub',
  ...(env.REQUIRED_TOKEN_USE ? { requiredTokenUse: env.REQUIRED_TOKEN_USE } : {}),
});
