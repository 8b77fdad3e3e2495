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
 *   corsOrigins (['http://localhost:3000']) https origins or http://localhost:PORT; credentials are allowed
 *   jwt? {issuer, audience[]}              external JWT issuer; absent → the stack creates a Cognito user pool
 *   customerKeyClaim ('sub')               JWT claim holding the Partnero customer key
 *   referralCookieDomain?                  domain of the `partnero_referral` cookie the sign-up route expires
 *   partneroSecret?                        name or ARN of an existing secret; absent → the stack creates one
 *   webhookSecret?                         name or ARN of a separate webhook signing secret; absent → the Partnero secret
 *   partneroApiUrl ('https://api.partnero.com/v1')
 *   secretCacheTtlSeconds (300)            per-container cache of the secret
 *   logLevel ('INFO')                      POWERTOOLS_LOG_LEVEL
 *   logRetentionDays (30)                  one of CloudWatch Logs' retention values (RetentionDays)
 *   throttle {rateLimit 50, burstLimit 100}          API stage default
 *   webhookThrottle {rateLimit 10, burstLimit 20}    POST /webhooks/partnero only
 *   webhookEventSource ('partnero')        EventBridge `source` of republished Partnero webhook events
 *   webhookToleranceSeconds (0 = off)      drop (200, not published) deliveries older than this; when set, between
 *                                          Partnero's retry horizon (3 days) and the 7-day dedup window
 *   reconcilerIntervalMinutes (5; 1–60)    how often the order-ledger reconciler sweeps
 *   orderEvents {
 *     busName?                             existing EventBridge bus; absent → the stack creates one
 *     source ('shop.orders'), placedDetailType ('Order Placed'), refundedDetailType ('Order Refunded')
 *     mapping? {orderId|customerId|amount|currency|productId|productType|action: '$.json.path[0]'}
 *     batchSize (10; 1–10000, ≤ 10 when maxBatchingWindowSeconds is 0), maxBatchingWindowSeconds (2; 0–300)
 *     maxReceiveCount (5; 1–1000), maxConcurrency (2; 2–1000), consumerTimeoutSeconds (30; 1–900)
 *   }
 *   alarmTopicArn?                         SNS topic notified by every alarm
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { isJsonPath } from '#shared/order-events/json-path.js';
import { ORDER_EVENT_FIELDS, type OrderEventField } from '#shared/order-events/mapping.js';
import { DEDUP_TTL_SECONDS } from '#shared/webhooks/constants.js';

/**
 * How long after an event Partnero may still retry its delivery. Partnero does not publish it; its docs
 * speak of retries "minutes or hours apart", so 3 days is a safe floor for an age check.
 */
export const PARTNERO_RETRY_HORIZON_SECONDS = 3 * 86_400;
/** The webhook dedup window (shared/webhooks/publish-once.ts): an age check beyond it would guard nothing. */
export const WEBHOOK_DEDUP_SECONDS = DEDUP_TTL_SECONDS;

/** The CDK context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'referrals';

/**
 * Mapping paths are checked with the consumer's own parser (shared/order-events/json-path.ts), so a
 * path the stack accepts is one the consumer can read.
 */
export const isOrderEventPath = (path: string): boolean => isJsonPath(path);
export { ORDER_EVENT_FIELDS, type OrderEventField };

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

// ---- coercion of CLI strings ------------------------------------------------------------------

const fromJsonString = (value: unknown): unknown => {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // the schema then reports a type error at this path
  }
};
const fromListString = (value: unknown): unknown => {
  const parsed = fromJsonString(value);
  if (typeof parsed !== 'string') return parsed;
  return parsed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
};
const fromNumericString = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

const int = (min: number, max: number) => z.preprocess(fromNumericString, z.number().int().min(min).max(max));
const positive = (max: number) => z.preprocess(fromNumericString, z.number().positive().max(max));
const object = <T extends z.ZodRawShape>(shape: T) => z.preprocess(fromJsonString, z.strictObject(shape));
const list = <T extends z.ZodType>(item: T, what: string) =>
  z.preprocess(fromListString, z.array(item).min(1, { error: `must list at least one ${what}` }));

// ---- field schemas -----------------------------------------------------------------------------

const isHttpsUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
};
const httpsUrl = z.string().refine(isHttpsUrl, { error: 'must be an https URL' });

const corsOrigin = z
  .string()
  .regex(
    /^(https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?|http:\/\/localhost(:\d{1,5})?)$/,
    {
      error:
        'must be an https URL or http://localhost:PORT, as an origin (lower-case scheme://host[:port], no path or trailing slash)',
    },
  );

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const secretNameOrArn = z
  .string()
  .refine((v) => SECRET_ARN.test(v) || (!v.startsWith('arn:') && SECRET_NAME.test(v)), {
    error: 'must be a Secrets Manager secret name ([A-Za-z0-9/_+=.@-], up to 512) or secret ARN',
  });

const throttle = (rateLimit: number, burstLimit: number) =>
  object({
    rateLimit: positive(10_000).default(rateLimit),
    burstLimit: int(0, 5_000).default(burstLimit),
  }).prefault({});

const orderEventPath = z.string().refine(isOrderEventPath, {
  error:
    'must be a $-rooted dotted JSON path with optional [n] indexes, e.g. $.detail.items[0].sku (no __proto__/constructor/prototype)',
});

const orderEvents = object({
  busName: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,256}$/, {
      error: 'must be an EventBridge bus name ([A-Za-z0-9._/-], up to 256)',
    })
    .optional(),
  source: z.string().min(1).max(256).default('shop.orders'),
  placedDetailType: z.string().min(1).max(128).default('Order Placed'),
  refundedDetailType: z.string().min(1).max(128).default('Order Refunded'),
  mapping: object(
    Object.fromEntries(ORDER_EVENT_FIELDS.map((f) => [f, orderEventPath.optional()])),
  ).optional(),
  batchSize: int(1, 10_000).default(10),
  maxBatchingWindowSeconds: int(0, 300).default(2),
  maxReceiveCount: int(1, 1_000).default(5),
  maxConcurrency: int(2, 1_000).default(2),
  consumerTimeoutSeconds: int(1, 900).default(30),
})
  .prefault({})
  .superRefine((o, ctx) => {
    if (o.batchSize > 10 && o.maxBatchingWindowSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: 'must be ≤ 10 when maxBatchingWindowSeconds is 0 (SQS event source rule)',
      });
    }
    if (o.placedDetailType === o.refundedDetailType) {
      ctx.addIssue({
        code: 'custom',
        path: ['refundedDetailType'],
        message: 'must differ from placedDetailType',
      });
    }
  });

export const referralConfigSchema = object({
  stageName: z
    .string()
    .regex(/^[a-z0-9-]{1,20}$/, { error: 'must be 1–20 characters of a-z, 0-9 and -' })
    .default('dev'),
  corsOrigins: list(corsOrigin, 'origin').default(['http://localhost:3000']),
  jwt: object({
    issuer: httpsUrl,
    audience: list(z.string().min(1), 'audience'),
  }).optional(),
  customerKeyClaim: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]{1,128}$/, { error: 'must be a JWT claim name' })
    .default('sub'),
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
  logRetentionDays: z
    .preprocess(fromNumericString, z.number())
    .refine((v) => RETENTION_VALUES.includes(v), {
      error: `must be one of ${RETENTION_VALUES.join(', ')} (CloudWatch Logs retention values)`,
    })
    .default(30),
  throttle: throttle(50, 100),
  webhookThrottle: throttle(10, 20),
  webhookEventSource: z.string().min(1).max(256).default('partnero'),
  webhookToleranceSeconds: z
    .preprocess(fromNumericString, z.number().int())
    .refine((v) => v === 0 || (v >= PARTNERO_RETRY_HORIZON_SECONDS && v <= WEBHOOK_DEDUP_SECONDS), {
      error: `must be 0 (off) or from ${PARTNERO_RETRY_HORIZON_SECONDS} (Partnero's retries) to ${WEBHOOK_DEDUP_SECONDS} (the dedup window)`,
    })
    .default(0),
  reconcilerIntervalMinutes: int(1, 60).default(5),
  orderEvents,
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, {
      error: 'must be an SNS topic ARN',
    })
    .optional(),
}).prefault({});

export type ReferralConfig = z.output<typeof referralConfigSchema>;
export type OrderEventsConfig = ReferralConfig['orderEvents'];
export type OrderEventMapping = Partial<Record<OrderEventField, string>>;

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
