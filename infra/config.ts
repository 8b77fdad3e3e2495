/**
 * Deployment configuration, read from CDK context and validated once, before any construct is built.
 *
 * Where it lives: ONE context key, `referrals`, holding an object. The defaults are written out in
 * cdk.json (`context.referrals`) so they are visible; any key left out falls back to the same default here.
 *
 * Overriding from the CLI (values arrive as strings: JSON is parsed for objects/arrays, numeric strings
 * become numbers, and a comma-separated string is accepted for a list):
 *   npx cdk deploy -c referrals.stageName=prod
 *   npx cdk deploy -c referrals.corsOrigins='["https://app.example.com"]'
 *   npx cdk deploy -c referrals.orderEvents.batchSize=50 -c referrals.orderEvents.maxBatchingWindowSeconds=5
 *   npx cdk deploy -c referrals='{"stageName":"prod","jwt":{"issuer":"https://id.example.com","audience":["web"]}}'
 * A dotted key (`referrals.a.b`) is merged over the `referrals` object; a whole `referrals` replaces cdk.json's.
 *
 * Keys (default):
 *   stageName ('dev')                      [a-z0-9-]{1,20}; names the CloudFormation stack and tags resources
 *   corsOrigins                            https origins or http://localhost:PORT; credentials are allowed. Required
 *                                          for every stage but `dev`, which defaults to ['http://localhost:3000'] (and
 *                                          says so when synthesized)
 *   jwt? {                                 external JWT issuer; absent → the stack creates a Cognito user pool, and the
 *                                          customer functions accept its ID tokens only (REQUIRED_TOKEN_USE=id)
 *     issuer, audience[]                   `iss`, and accepted `aud` (or `client_id` of an access token)
 *     requiredScopes?[]                    the customer routes require a token carrying at least one of these scopes
 *     tokenUse?                            the `token_use` claim a token must carry (issuers that set it, e.g. Cognito)
 *   }
 *   customerKeyClaim ('sub')               JWT claim holding the Partnero customer key: `sub` or `cognito:username`
 *   allowMutableCustomerKeyClaim (false)   true accepts any other claim; a claim users can change (email,
 *                                          preferred_username…) lets one user take another customer's key
 *   blockDisposableEmails (false)          sign-ups from throwaway mailboxes are enrolled without their referral
 *   referralCookieDomain?                  domain of the `partnero_referral` cookie the sign-up route expires
 *   partneroSecret?                        name or ARN of an existing secret holding the API key; absent → created
 *   webhookSecret?                         name or ARN of an existing webhook signing secret; absent → created (its own
 *                                          secret: the webhook function never reads the API key)
 *   partneroApiUrl ('https://api.partnero.com/v1')
 *   secretCacheTtlSeconds (300)            per-container cache of the secret
 *   logLevel ('INFO')                      POWERTOOLS_LOG_LEVEL
 *   logRetentionDays (30)                  one of CloudWatch Logs' retention values (RetentionDays)
 *   throttle {rateLimit 50, burstLimit 100}            stage default (routes without a throttle of their own)
 *   customerThrottle {rateLimit 20, burstLimit 40}     each JWT route (sign-up, dashboard)
 *   backOfficeThrottle {rateLimit 50, burstLimit 100}  each IAM route (transactions, refunds, credits)
 *   webhookThrottle {rateLimit 10, burstLimit 20}      the webhook route
 *                                          (one bucket per route: a flood of public calls is refused at the gateway
 *                                          before it takes the back office's share of Lambda and Partnero)
 *   webhookEventSource ('partnero')        EventBridge `source` of republished Partnero webhook events (and the only
 *                                          `source` the webhook function may put on the bus)
 *   webhookToleranceSeconds (259200 = 3 d) acknowledge and drop (200 `stale`, not published) deliveries older than
 *                                          this: from Partnero's retry horizon (3 days) to the 7-day dedup window, so
 *                                          a captured delivery is never republished; 0 turns the check off
 *   webhookFirewall (false)                a CloudFront distribution with an AWS WAF web ACL (rate-based rule) in
 *                                          front of the webhook path; us-east-1 stacks only (docs/security.md)
 *   webhookFirewallRateLimit (600)         requests per 5 minutes from one IP the web ACL lets through (10–2e9)
 *   creditAlarmThreshold (100)             a credit above this amount (in its currency or points) raises an alarm
 *   currencies?[]                          ISO 4217 codes the program pays in; an amount in any other is refused
 *                                          (400, or an order event parked); absent → every ISO 4217 code
 *   maxAmountPerCall (1e9)                 the most one transaction, refund or credit may move
 *   backOfficePrincipals?[]                who may assume the back-office role: account ids or IAM ARNs;
 *                                          absent → this account (its admins grant sts:AssumeRole themselves)
 *   orderProducers?[]                      who may put `orderEvents.source` events on a bus the stack creates:
 *                                          account ids or IAM ARNs; absent → this account
 *   reconcilerIntervalMinutes (5; 1–60)    how often the order-ledger reconciler sweeps
 *   orderEvents {busName?, source, placedDetailType, refundedDetailType, mapping?, batchSize, …}
 *                                          where order events come from, their shape, and how the consumer drains
 *                                          them (infra/config-order-events.ts)
 *   partneroBudget {callsPerSecond 20, moneyShare 0.5, customerCallsPerMinute 60, dashboardCacheSeconds 30}
 *                                          Partnero's rate limit shared by every function, the money path's reserved
 *                                          share, the per-account limit and the dashboard cache (infra/config-budget.ts)
 *   alarmTopicArn?                         SNS topic notified by every alarm; absent → the stack creates one
 *                                          (output AlarmTopicArn; subscribe with `aws sns subscribe`)
 *   alarmEmail?                            an address subscribed to the alarm topic (confirm the email AWS sends)
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { DEDUP_TTL_SECONDS, DEFAULT_TOLERANCE_SECONDS } from '#shared/webhooks/constants.js';
import { partneroBudget } from './config-budget.js';
import {
  bool,
  corsOrigin,
  emailAddress,
  fromJsonString,
  httpsUrl,
  iamPrincipal,
  int,
  integer,
  list,
  number,
  oauthScope,
  object,
  positive,
  secretNameOrArn,
  snsTopicArn,
  throttle,
} from './config-fields.js';
import { orderEvents } from './config-order-events.js';

/**
 * How long after an event Partnero may still retry its delivery. Partnero does not publish it; its docs
 * speak of retries "minutes or hours apart", so 3 days is a safe floor for an age check.
 */
export const PARTNERO_RETRY_HORIZON_SECONDS = 3 * 86_400;
/** The webhook dedup window (shared/webhooks/publish-once.ts): an age check beyond it would guard nothing. */
export const WEBHOOK_DEDUP_SECONDS = DEDUP_TTL_SECONDS;

/** The CORS origins of the `dev` stage when none are configured (every other stage must name its own). */
export const DEV_CORS_ORIGINS: readonly string[] = ['http://localhost:3000'];

/** The webhook age check's default (the function's own default): Partnero's retry horizon, inside the dedup window. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = DEFAULT_TOLERANCE_SECONDS;

/** The CDK context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'referrals';

const RETENTION_VALUES = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

/** Thrown for an invalid configuration; the message lists every problem, one `path: reason` each. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid config: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Subject claims a user cannot change: the only safe sources of the customer key. */
export const IMMUTABLE_CUSTOMER_KEY_CLAIMS = ['sub', 'cognito:username'] as const;

const jwt = object({
  issuer: httpsUrl,
  audience: list(z.string().min(1), 'audience'),
  requiredScopes: list(oauthScope, 'scope').optional(),
  tokenUse: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'must be a token_use value such as id or access' })
    .optional(),
});

export const referralConfigSchema = object({
  stageName: z
    .string()
    .regex(/^[a-z0-9-]{1,20}$/, { error: 'must be 1–20 characters of a-z, 0-9 and -' })
    .default('dev'),
  corsOrigins: list(corsOrigin, 'origin').optional(),
  jwt: jwt.optional(),
  customerKeyClaim: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]{1,128}$/, { error: 'must be a JWT claim name' })
    .default('sub'),
  allowMutableCustomerKeyClaim: bool().default(false),
  blockDisposableEmails: bool().default(false),
  referralCookieDomain: z
    .string()
    .regex(/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
      error: 'must be a lower-case domain such as example.com or .example.com',
    })
    .optional(),
  partneroSecret: secretNameOrArn.optional(),
  webhookSecret: secretNameOrArn.optional(),
  partneroApiUrl: httpsUrl.default('https://api.partnero.com/v1'),
  secretCacheTtlSeconds: int(0, 86_400).default(300),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  logRetentionDays: number()
    .refine((v) => RETENTION_VALUES.includes(v), {
      error: `must be one of ${RETENTION_VALUES.join(', ')} (CloudWatch Logs retention values)`,
    })
    .default(30),
  throttle: throttle(50, 100),
  customerThrottle: throttle(20, 40),
  backOfficeThrottle: throttle(50, 100),
  webhookThrottle: throttle(10, 20),
  webhookEventSource: z.string().min(1).max(256).default('partnero'),
  webhookToleranceSeconds: integer()
    .refine((v) => v === 0 || (v >= PARTNERO_RETRY_HORIZON_SECONDS && v <= WEBHOOK_DEDUP_SECONDS), {
      error: `must be 0 (off) or from ${PARTNERO_RETRY_HORIZON_SECONDS} (Partnero's retries) to ${WEBHOOK_DEDUP_SECONDS} (the dedup window)`,
    })
    .default(DEFAULT_WEBHOOK_TOLERANCE_SECONDS),
  webhookFirewall: bool().default(false),
  webhookFirewallRateLimit: int(10, 2_000_000_000).default(600),
  creditAlarmThreshold: positive(1e12).default(100),
  currencies: list(
    z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 currency code')
      .transform((c) => c.toUpperCase()),
    'currency',
  ).optional(),
  maxAmountPerCall: positive(1e12).default(1e9),
  backOfficePrincipals: list(iamPrincipal, 'principal').optional(),
  orderProducers: list(iamPrincipal, 'principal').optional(),
  reconcilerIntervalMinutes: int(1, 60).default(5),
  orderEvents,
  partneroBudget,
  alarmTopicArn: snsTopicArn.optional(),
  alarmEmail: emailAddress.optional(),
})
  .superRefine((config, ctx) => {
    // (A stage name that is itself invalid is reported on its own.)
    const validStage = /^[a-z0-9-]{1,20}$/.test(config.stageName);
    if (config.corsOrigins === undefined && config.stageName !== 'dev' && validStage) {
      ctx.addIssue({
        code: 'custom',
        path: ['corsOrigins'],
        message: `is required for stage "${config.stageName}" (only dev defaults to ${DEV_CORS_ORIGINS.join(', ')}): list the origins of your site, e.g. -c referrals.corsOrigins='["https://app.example.com"]'`,
      });
    }
    const claim = config.customerKeyClaim;
    const immutable = (IMMUTABLE_CUSTOMER_KEY_CLAIMS as readonly string[]).includes(claim);
    if (immutable || config.allowMutableCustomerKeyClaim) return;
    ctx.addIssue({
      code: 'custom',
      path: ['customerKeyClaim'],
      message:
        `"${claim}" is not an immutable subject claim (${IMMUTABLE_CUSTOMER_KEY_CLAIMS.join(', ')}): the key names ` +
        'the Partnero customer, so a user who can change a claim such as email or preferred_username could set ' +
        "it to another customer's value and act as that customer. Use sub or cognito:username, or, if your " +
        `issuer never lets users change "${claim}", accept the risk with allowMutableCustomerKeyClaim: true`,
    });
  })
  .transform((config) => ({ ...config, corsOrigins: config.corsOrigins ?? [...DEV_CORS_ORIGINS] }))
  .prefault({});

export type ReferralConfig = z.output<typeof referralConfigSchema>;

/** Validates a raw configuration object (or JSON string); throws ConfigError listing every problem. */
export function parseConfig(raw: unknown): ReferralConfig {
  const result = referralConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    ),
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets `value` at a dotted path inside `target`; an object value is merged over an object already there. */
function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cursor = target;
  for (const key of path.slice(0, -1)) {
    const next = fromJsonString(cursor[key]);
    cursor[key] = isPlainObject(next) ? { ...next } : {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  const last = path.at(-1);
  if (last === undefined) return;
  const existing = fromJsonString(cursor[last]);
  const incoming = fromJsonString(value);
  cursor[last] = isPlainObject(existing) && isPlainObject(incoming) ? { ...existing, ...incoming } : value;
}

/**
 * Reads `referrals` plus any `referrals.<dotted.path>` overrides from the CDK context of `node`
 * (cdk.json, `-c`, or `new App({ context })`) and validates the result.
 */
export function loadConfig(node: Node): ReferralConfig {
  const base = fromJsonString(node.tryGetContext(CONFIG_CONTEXT_KEY));
  const merged: Record<string, unknown> = isPlainObject(base) ? structuredClone(base) : {};
  if (base !== undefined && !isPlainObject(base)) {
    throw new ConfigError([`(root): context "${CONFIG_CONTEXT_KEY}" must be an object (or its JSON)`]);
  }
  const prefix = `${CONFIG_CONTEXT_KEY}.`;
  const overrides = Object.entries(node.getAllContext()).filter(([key]) => key.startsWith(prefix));
  for (const [key, value] of overrides.sort(([a], [b]) => a.length - b.length)) {
    setPath(merged, key.slice(prefix.length).split('.'), value);
  }
  return parseConfig(merged);
}
