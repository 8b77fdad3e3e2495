import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
  type UserPoolProps,
} from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';

/** An external OpenID Connect issuer whose JWTs the customer routes accept. */
export interface JwtIssuerProps {
  /** Issuer URL (`iss` claim), https. */
  readonly issuer: string;
  /** Accepted audiences (`aud`, or `client_id` of an access token); at least one. */
  readonly audience: string[];
  /**
   * OAuth scopes of the customer routes (route `authorizationScopes`): API Gateway lets a token through
   * only when its `scope` claim carries at least one of them.
   * @default - no scope is required
   */
  readonly requiredScopes?: string[];
  /**
   * The `token_use` claim a token must carry, checked by the customer functions (`REQUIRED_TOKEN_USE`);
   * for issuers that set it, such as a Cognito user pool of your own.
   * @default - not checked
   */
  readonly tokenUse?: string;
}

/** How the customer routes authenticate: the authorizer, and what the functions check on top of it. */
export interface CustomerAuth {
  readonly authorizer: IHttpRouteAuthorizer;
  /** The pool made here, when no external issuer is configured. */
  readonly userPool?: UserPool;
  /** Its web client. */
  readonly client?: UserPoolClient;
  /** `REQUIRED_TOKEN_USE` of the customer functions. */
  readonly requiredTokenUse?: string;
  /** `authorizationScopes` of the customer routes. */
  readonly requiredScopes?: string[];
}

/**
 * The external issuer's JWT authorizer, or a Cognito user pool made in `scope` with its web client. On
 * the pool, ID tokens only: its access tokens carry `client_id`, which API Gateway accepts as the
 * audience too, but no email and no profile, so the functions refuse `token_use` other than `id`.
 */
export function createCustomerAuth(
  scope: Construct,
  issuer: JwtIssuerProps | undefined,
  userPoolProps: UserPoolProps | undefined,
): CustomerAuth {
  if (issuer) {
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer.issuer, {
      jwtAudience: issuer.audience,
    });
    return {
      authorizer,
      ...(issuer.tokenUse ? { requiredTokenUse: issuer.tokenUse } : {}),
      ...(issuer.requiredScopes?.length ? { requiredScopes: issuer.requiredScopes } : {}),
    };
  }
  const userPool = createUserPool(scope, userPoolProps);
  const client = userPool.addClient('WebClient', {
    authFlows: { userSrp: true },
    generateSecret: false,
    // The frontend signs in with SRP (e.g. Amplify Auth); no hosted-UI OAuth flows or placeholder callbacks.
    disableOAuth: true,
    preventUserExistenceErrors: true,
  });
  const authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', userPool, {
    userPoolClients: [client],
  });
  return { authorizer, userPool, client, requiredTokenUse: 'id' };
}

function createUserPool(scope: Construct, overrides: UserPoolProps | undefined): UserPool {
  const userPool = new UserPool(scope, 'UserPool', {
    signInAliases: { email: true },
    autoVerify: { email: true },
    selfSignUpEnabled: true,
    standardAttributes: { email: { required: true, mutable: true } },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
    },
    mfa: Mfa.OPTIONAL,
    mfaSecondFactor: { otp: true, sms: false },
    accountRecovery: AccountRecovery.EMAIL_ONLY,
    featurePlan: FeaturePlan.ESSENTIALS,
    removalPolicy: RemovalPolicy.RETAIN,
    ...overrides,
  });
  Validations.of(userPool).acknowledge(
    {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP offered): customers of a consumer site sign up themselves; requiring MFA is the site owner’s call.',
    },
    {
      id: 'AwsSolutions-COG3',
      reason:
        'Threat protection (advanced security) needs the Plus feature plan and its cost; off by default, enable via userPoolProps.',
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials plan on purpose: Plus is billed per active user and only adds threat protection (see COG3).',
    },
  );
  return userPool;
}
