import { Duration, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { entryPath, FUNCTION_TIMEOUT_SECONDS } from '#infra/entries.js';
import { routeKeyOf, routeOf } from '#infra/routes.js';
import { DEFAULT_TOLERANCE_SECONDS } from '#shared/webhooks/constants.js';
import { IDEMPOTENCY_KEY_PREFIXES, type IdempotencyTable } from './idempotency-table.js';
import type { ReferralApi } from './referral-api.js';
import { ReferralFunction, type ReferralFunctionDefaults } from './referral-function.js';
import type { ReferralKeys } from './referral-keys.js';

/** The webhook route of infra/routes.ts. */
const WEBHOOK_ROUTE = routeOf('partneroWebhook');
/** Path of the webhook route. */
export const WEBHOOK_PATH = WEBHOOK_ROUTE.path;

export interface PartneroWebhooksProps {
  /** The API the route is added to. */
  readonly api: ReferralApi;
  /** Directory holding the entry files (docs/runtime-contract.md). */
  readonly functionsDir: string;
  /** Settings every function shares (common environment, log retention, bundling). */
  readonly functionDefaults: ReferralFunctionDefaults;
  /** The bus Partnero events are republished onto. */
  readonly eventBus: IEventBus;
  /** Duplicate deliveries are recorded here. */
  readonly idempotencyTable: IdempotencyTable;
  /**
   * Our public-key map, read to find whose dashboard a transaction's webhook makes stale when Partnero
   * names the referrer by its public key.
   * @default - no look-up: a referrer named by key sees its cached dashboard until it expires
   */
  readonly referralKeys?: ReferralKeys;
  /**
   * The secret holding the signing secret (bare, or JSON `webhookSecret`), apart from the API key. The
   * function may read only this one, and is not told the API key secret (`PARTNERO_SECRET_ID` is left out
   * of its environment).
   */
  readonly signingSecret: ISecret;
  /** Name or ARN the function passes to GetSecretValue (`WEBHOOK_SECRET_ID`). */
  readonly signingSecretId: string;
  /**
   * EventBridge `source` of republished events.
   * @default 'partnero'
   */
  readonly eventSource?: string;
  /**
   * Deliveries older than this (by their `created_at`) are acknowledged and dropped, not published.
   * Must exceed Partnero's retry horizon, or its late retries become lost events, and stay within the
   * 7-day dedup window, or a replay after the window would be published again. `Duration.seconds(0)`
   * turns the check off.
   * @default Duration.days(3)
   */
  readonly maxDeliveryAge?: Duration;
  /**
   * Throttle of the webhook route.
   * @default - the API's throttle for unauthenticated routes (`routeThrottles.none`, 10/20)
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Function timeout: Partnero waits 5 s, and the function answers before that.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}

/**
 * `POST /webhooks/partnero`: no authorizer at the gateway (Partnero cannot sign with SigV4 or send a JWT);
 * the function verifies the HMAC signature of the raw body, drops duplicates and republishes each event.
 */
export class PartneroWebhooks extends Construct {
  /** The webhook function. */
  public readonly handler: ReferralFunction;
  /** The route. */
  public readonly route: HttpRoute;
  /** The URL to register in Partnero. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: PartneroWebhooksProps) {
    super(scope, id);

    const source = props.eventSource ?? 'partnero';
    const { commonEnvironment, ...defaults } = props.functionDefaults;
    this.handler = new ReferralFunction(this, 'Handler', {
      ...defaults,
      commonEnvironment: withoutApiKeySecret(commonEnvironment),
      entry: entryPath(props.functionsDir, 'partneroWebhook'),
      description: `${routeKeyOf(WEBHOOK_ROUTE)} → EventBridge`,
      timeout: props.timeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS.webhook),
      environment: {
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.table.tableName,
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        WEBHOOK_EVENT_SOURCE: source,
        WEBHOOK_TOLERANCE_SECONDS: String(props.maxDeliveryAge?.toSeconds() ?? DEFAULT_TOLERANCE_SECONDS),
        WEBHOOK_SECRET_ID: props.signingSecretId,
        ...(props.referralKeys?.environment(false) ?? {}),
      },
    });
    props.referralKeys?.grantRead(this.handler.function);
    this.handler.grantSecretRead(props.signingSecret);
    props.idempotencyTable.grantUse(this.handler.function, IDEMPOTENCY_KEY_PREFIXES.webhook);
    // Only events of its own source: a forged delivery that got past the signature still cannot pose as
    // the order system (`shop.orders`) and have the rule record a sale. `events:source` is multivalued (one
    // value per entry of a PutEvents call), so every value must match (ForAllValues) and one must be there.
    Grant.addToPrincipal({
      grantee: this.handler.function,
      actions: ['events:PutEvents'],
      resourceArns: [props.eventBus.eventBusArn],
      conditions: {
        'ForAllValues:StringEquals': { 'events:source': [source] },
        Null: { 'events:source': 'false' },
      },
    });

    this.route = props.api.addRoute({
      path: WEBHOOK_ROUTE.path,
      method: HttpMethod[WEBHOOK_ROUTE.method],
      handler: this.handler,
      authorization: WEBHOOK_ROUTE.auth,
      ...(props.throttle ? { throttle: props.throttle } : {}),
    });
    Validations.of(this.route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Partnero webhooks carry no JWT or SigV4: the function authenticates each call by the HMAC signature of the raw body (deduplicated by its hash); the route has its own throttle.',
    });
    this.url = `${props.api.url}${WEBHOOK_PATH}`;
  }
}

/** The common environment without `PARTNERO_SECRET_ID`: the webhook function has no business with the API key. */
function withoutApiKeySecret(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'PARTNERO_SECRET_ID'));
}
