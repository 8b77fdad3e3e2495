import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
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
import {
  HttpIamAuthorizer,
  HttpJwtAuthorizer,
  HttpUserPoolAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
  type UserPoolProps,
} from 'aws-cdk-lib/aws-cognito';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '#infra/cors.js';
import { type EntryName, entryPath, FUNCTION_TIMEOUT_SECONDS } from '#infra/entries.js';
import { ROUTES, type Route, type RouteAuthorization, routeKeyOf, routeOf } from '#infra/routes.js';
import type { IdempotencyTable } from './idempotency-table.js';
import type { OrderLedgerTable } from './order-ledger-table.js';
import { ReferralFunction, type ReferralFunctionDefaults } from './referral-function.js';

export type { RouteAuthorization } from '#infra/routes.js';

/** An external OpenID Connect issuer whose JWTs the customer routes accept. */
export interface JwtIssuerProps {
  /** Issuer URL (`iss` claim), https. */
  readonly issuer: string;
  /** Accepted audiences (`aud`, or `client_id` of an access token); at least one. */
  readonly audience: string[];
}

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
  /** Origins allowed by CORS (credentials are allowed, so never `*`). */
  readonly corsOrigins: string[];
  /**
   * Default throttle of the stage (every route).
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * Issuer and audience of the JWTs the customer routes accept. When set, no user pool is created.
   * @default - a Cognito user pool and web client are created and used
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
   * Throttle for this route only (stage RouteSettings), instead of the stage default.
   * @default - the stage default
   */
  readonly throttle?: ThrottleSettings;
}

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
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
  /** The IAM-authorized routes (`POST /transactions`, `DELETE /transactions/{key}`, `POST /customers/{key}/credit`). */
  public readonly backOfficeRoutes: HttpRoute[];
  /** One function per route. */
  public readonly functions: {
    readonly signup: ReferralFunction;
    readonly me: ReferralFunction;
    readonly createTransactions: ReferralFunction;
    readonly refundTransaction: ReferralFunction;
    readonly creditCustomer: ReferralFunction;
  };

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
    const jwt = this.createJwtAuthorizer(props);
    this.jwtAuthorizer = jwt.authorizer;
    if (jwt.userPool) this.userPool = jwt.userPool;
    if (jwt.client) this.userPoolClient = jwt.client;
    this.iamAuthorizer = new HttpIamAuthorizer();
    this.functions = this.createFunctions(props);

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

  /** The external issuer's authorizer, or a Cognito user pool made here with its web client. */
  private createJwtAuthorizer(props: ReferralApiProps): {
    authorizer: IHttpRouteAuthorizer;
    userPool?: UserPool;
    client?: UserPoolClient;
  } {
    if (props.existingJwtIssuer) {
      const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.existingJwtIssuer.issuer, {
        jwtAudience: props.existingJwtIssuer.audience,
      });
      return { authorizer };
    }
    const userPool = this.createUserPool(props.userPoolProps);
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
    return { authorizer, userPool, client };
  }

  /** One function per route, each with only the variables and grants its code uses. */
  private createFunctions(props: ReferralApiProps): ReferralApi['functions'] {
    const timeout = props.functionTimeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS.route);
    const routeFunction = (fnId: string, entry: EntryName, env: Record<string, string> = {}) => {
      const route = routeOf(entry as Route['entry']);
      const fn = new ReferralFunction(this, fnId, {
        ...props.functionDefaults,
        entry: entryPath(props.functionsDir, entry),
        description: routeKeyOf(route),
        timeout,
        environment: env,
      });
      fn.grantSecretRead(props.partneroSecret);
      return fn;
    };
    const claim = { CUSTOMER_KEY_CLAIM: props.customerKeyClaim ?? 'sub' };
    const ledger = {
      ORDER_LEDGER_TABLE_NAME: props.orderLedger.table.tableName,
      // A claim outlives the function that holds it: no one takes over while it may still send.
      LEDGER_LEASE_SECONDS: String(timeout.toSeconds() + 30),
    };
    const cookie: Record<string, string> = props.referralCookieDomain
      ? { REFERRAL_COOKIE_DOMAIN: props.referralCookieDomain }
      : {};
    const functions = {
      signup: routeFunction('Signup', 'signup', { ...claim, ...cookie }),
      me: routeFunction('Me', 'me', claim),
      createTransactions: routeFunction('CreateTransactions', 'createTransactions', ledger),
      refundTransaction: routeFunction('RefundTransaction', 'refundTransaction', ledger),
      creditCustomer: routeFunction('CreditCustomer', 'creditCustomer', {
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.table.tableName,
      }),
    };
    props.idempotencyTable.grantUse(functions.creditCustomer.function);
    props.orderLedger.grantUse(functions.createTransactions.function);
    props.orderLedger.grantUse(functions.refundTransaction.function);
    return functions;
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
    });
    if (!route) throw new Error(`No route was created for ${method} ${path}`);
    if (options.throttle) {
      this.routeSettings[`${method} ${path}`] = {
        ThrottlingRateLimit: options.throttle.rateLimit,
        ThrottlingBurstLimit: options.throttle.burstLimit,
      };
      this.stage.node.addDependency(route); // route settings may only name an existing route
    }
    return route;
  }

  /** Lets `grantee` (a back-office role or user) call the IAM-authorized routes (execute-api:Invoke). */
  public grantBackOfficeInvoke(grantee: IGrantable): void {
    for (const route of this.backOfficeRoutes) route.grantInvoke(grantee);
  }

  private authorizerFor(authorization: Exclude<RouteAuthorization, 'none'>): IHttpRouteAuthorizer {
    return authorization === 'jwt' ? this.jwtAuthorizer : this.iamAuthorizer;
  }

  private createUserPool(overrides: UserPoolProps | undefined): UserPool {
    const userPool = new UserPool(this, 'UserPool', {
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
}
