import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import {
  type CfnStage,
  type CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient, UserPoolProps } from 'aws-cdk-lib/aws-cognito';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '#infra/cors.js';
import { ROUTES, type RouteAuthorization } from '#infra/routes.js';
import { ACCESS_LOG_FORMAT } from './access-log.js';
import { createCustomerAuth, type JwtIssuerProps } from './customer-auth.js';
import type { IdempotencyTable } from './idempotency-table.js';
import type { OrderLedgerTable } from './order-ledger-table.js';
import type { ReferralFunction, ReferralFunctionDefaults } from './referral-function.js';
import type { ReferralKeys } from './referral-keys.js';
import { createRouteFunctions, type RouteFunctions } from './route-functions.js';

export type { RouteAuthorization } from '#infra/routes.js';
export type { JwtIssuerProps } from './customer-auth.js';

/** A throttle per kind of route (infra/routes.ts `auth`): customers (JWT), back office (IAM), webhook (none). */
export type RouteThrottles = Readonly<Record<RouteAuthorization, ThrottleSettings>>;

/** The defaults of `routeThrottles` (the same as infra/config.ts). */
export const DEFAULT_ROUTE_THROTTLES: RouteThrottles = {
  jwt: { rateLimit: 20, burstLimit: 40 },
  iam: { rateLimit: 50, burstLimit: 100 },
  none: { rateLimit: 10, burstLimit: 20 },
};

export interface ReferralApiProps {
  /** Directory holding the entry files (docs/runtime-contract.md). */
  readonly functionsDir: string;
  /** Settings every function shares (common environment, log retention, bundling). */
  readonly functionDefaults: ReferralFunctionDefaults;
  /** The secret holding the Partnero API key; every route function may read it. */
  readonly partneroSecret: ISecret;
  /** Idempotency records; only the credit function gets access. */
  readonly idempotencyTable: IdempotencyTable;
  /** The order ledger; only the transaction routes get access. */
  readonly orderLedger: OrderLedgerTable;
  /** Our public referral keys; sign-up enrols, the dashboard reads. */
  readonly referralKeys: ReferralKeys;
  /** Origins allowed by CORS (credentials are allowed, so never `*`). */
  readonly corsOrigins: string[];
  /**
   * Default throttle of the stage, for routes without a throttle of their own.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Throttle of each route by its kind (stage RouteSettings, one bucket per route), so a flood of public
   * calls is refused at the gateway before it takes the back office's share of Lambda and Partnero.
   * Kinds left out get the default.
   * @default DEFAULT_ROUTE_THROTTLES: jwt 20/40, iam 50/100, none 10/20 (rate per second / burst)
   */
  readonly routeThrottles?: Partial<RouteThrottles>;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * Issuer and audience of the JWTs the customer routes accept. When set, no user pool is created.
   * @default - a Cognito user pool and web client are created and used, and the customer functions
   *   accept its ID tokens only (`REQUIRED_TOKEN_USE=id`)
   */
  readonly existingJwtIssuer?: JwtIssuerProps;
  /**
   * Overrides for the user pool created when `existingJwtIssuer` is not set.
   * @default - email sign-in and self sign-up, 12+ character password with all classes, MFA optional (TOTP),
   *   email-only recovery, Essentials feature plan (no threat protection), retained on stack deletion
   */
  readonly userPoolProps?: UserPoolProps;
  /**
   * JWT claim holding the Partnero customer key.
   * @default 'sub'
   */
  readonly customerKeyClaim?: string;
  /**
   * Sign-ups from a disposable mailbox are enrolled without their referral (`BLOCK_DISPOSABLE_EMAILS`).
   * @default false
   */
  readonly blockDisposableEmails?: boolean;
  /**
   * Domain of the `partnero_referral` cookie, so sign-up can expire it.
   * @default - the cookie is left alone (API on another domain than the site)
   */
  readonly referralCookieDomain?: string;
  /**
   * Timeout of the route functions.
   * @default Duration.seconds(10)
   */
  readonly functionTimeout?: Duration;
}

/** Options of one route added with `addRoute`. */
export interface ReferralRouteOptions {
  readonly path: string;
  readonly method: HttpMethod;
  readonly handler: ReferralFunction;
  readonly authorization: RouteAuthorization;
  /**
   * Throttle for this route only (stage RouteSettings).
   * @default - the API's throttle for routes of this `authorization` (`routeThrottles`)
   */
  readonly throttle?: ThrottleSettings;
}

/**
 * The HTTP API: CORS allow-list, a throttled `$default` stage with JSON access logs, a JWT authorizer
 * (external issuer or a Cognito user pool made here) for customer routes, IAM for back-office routes,
 * and one function per route.
 */
export class ReferralApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: HttpApi;
  /** Its `$default` stage. */
  public readonly stage: HttpStage;
  /** Base URL, without a trailing slash (`https://<id>.execute-api.<region>.amazonaws.com`). */
  public readonly url: string;
  /** Access log group of the stage. */
  public readonly accessLogGroup: LogGroup;
  /** Authorizer of the customer routes. */
  public readonly jwtAuthorizer: IHttpRouteAuthorizer;
  /** Authorizer of the back-office routes. */
  public readonly iamAuthorizer: IHttpRouteAuthorizer;
  /** The user pool, when the API created one. */
  public readonly userPool?: UserPool;
  /** The user pool's web client, when the API created one. */
  public readonly userPoolClient?: UserPoolClient;
  /** The `token_use` the customer functions require (`id` on the pool made here). */
  public readonly requiredTokenUse?: string;
  /** Scopes the customer routes require (one of them). */
  public readonly requiredScopes?: string[];
  /** The throttle of each kind of route. */
  public readonly routeThrottles: RouteThrottles;
  /** The IAM-authorized routes (`POST /transactions`, `DELETE /transactions/{key}`, `POST /customers/{id}/credit`). */
  public readonly backOfficeRoutes: HttpRoute[];
  /** One function per route. */
  public readonly functions: RouteFunctions;

  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
  > = {};

  constructor(scope: Construct, id: string, props: ReferralApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'Refer-a-friend backend (Partnero)',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.corsOrigins,
        allowCredentials: true,
        allowMethods: CORS_ALLOW_METHODS.map((m) => m as CorsHttpMethod),
        allowHeaders: [...CORS_ALLOW_HEADERS],
        maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      },
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = this.createStage(props.throttle);
    this.url = this.httpApi.apiEndpoint;
    this.routeThrottles = { ...DEFAULT_ROUTE_THROTTLES, ...props.routeThrottles };
    const auth = createCustomerAuth(this, props.existingJwtIssuer, props.userPoolProps);
    this.jwtAuthorizer = auth.authorizer;
    if (auth.userPool) this.userPool = auth.userPool;
    if (auth.client) this.userPoolClient = auth.client;
    if (auth.requiredTokenUse) this.requiredTokenUse = auth.requiredTokenUse;
    if (auth.requiredScopes) this.requiredScopes = auth.requiredScopes;
    this.iamAuthorizer = new HttpIamAuthorizer();
    this.functions = createRouteFunctions(this, {
      ...props,
      ...(this.requiredTokenUse ? { requiredTokenUse: this.requiredTokenUse } : {}),
    });

    // Every route of infra/routes.ts this construct serves; the webhook route is added by PartneroWebhooks.
    const routes = ROUTES.filter((r) => r.entry in this.functions).map((r) => ({
      auth: r.auth,
      route: this.addRoute({
        path: r.path,
        method: HttpMethod[r.method],
        handler: this.functions[r.entry as keyof ReferralApi['functions']],
        authorization: r.auth,
      }),
    }));
    this.backOfficeRoutes = routes.filter((r) => r.auth === 'iam').map((r) => r.route);
  }

  private createStage(throttle: ThrottleSettings | undefined): HttpStage {
    const stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
    (stage.node.defaultChild as CfnStage).routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length ? this.routeSettings : undefined),
    });
    return stage;
  }

  /**
   * Adds a route served by `handler`. `authorization: 'none'` is for routes that authenticate inside the
   * function (the Partnero webhook's HMAC signature); the caller acknowledges AwsSolutions-APIG4 with why.
   */
  public addRoute(options: ReferralRouteOptions): HttpRoute {
    const { path, method, handler, authorization } = options;
    const [route] = this.httpApi.addRoutes({
      path,
      methods: [method],
      integration: new HttpLambdaIntegration(
        `${method}${path.replace(/[^A-Za-z0-9]+/g, '-')}`,
        handler.function,
      ),
      authorizer: authorization === 'none' ? undefined : this.authorizerFor(authorization),
      ...(authorization === 'jwt' && this.requiredScopes ? { authorizationScopes: this.requiredScopes } : {}),
    });
    if (!route) throw new Error(`No route was created for ${method} ${path}`);
    const throttle = options.throttle ?? this.routeThrottles[authorization];
    this.routeSettings[`${method} ${path}`] = {
      ThrottlingRateLimit: throttle.rateLimit,
      ThrottlingBurstLimit: throttle.burstLimit,
    };
    this.stage.node.addDependency(route); // route settings may only name an existing route
    return route;
  }

  /**
   * Lets `grantee` (a back-office role or user) call the IAM-authorized routes, and nothing else:
   * `execute-api:Invoke` on each route's own ARN (any stage, method and path, each `{param}` segment a
   * wildcard), not on the whole API.
   */
  public grantBackOfficeInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: this.backOfficeRouteArns(),
    });
  }

  /** The ARN of each IAM-authorized route, for any stage (the API has one, `$default`). */
  public backOfficeRouteArns(): string[] {
    return ROUTES.filter((r) => r.auth === 'iam').map((r) =>
      Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.httpApi.apiId,
        resourceName: `*/${r.method}${r.path.replace(/\{[^}/]+\}/g, '*')}`,
      }),
    );
  }

  private authorizerFor(authorization: Exclude<RouteAuthorization, 'none'>): IHttpRouteAuthorizer {
    return authorization === 'jwt' ? this.jwtAuthorizer : this.iamAuthorizer;
  }
}
