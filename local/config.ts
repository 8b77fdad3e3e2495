/** Defaults of the local system; what mirrors the stack is derived from the stack's definitions. */
import { parseConfig } from '#infra/config.js';
import { FUNCTION_TIMEOUT_SECONDS } from '#infra/entries.js';

/** Account id of every local ARN (the conventional all-zero local account). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Credentials the local AWS endpoint and the IAM routes of the gateway accept. Not secret: local only. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'AKIALOCALREFERRALS00',
  secretAccessKey: 'local-referrals-secret-key-do-not-use-on-aws',
} as const;

export const DEFAULT_REGION = 'us-east-1';

export const DEFAULT_PORTS = { gateway: 3000, sandbox: 4010, aws: 4566 } as const;

/** The local Secrets Manager secret holding `{apiKey}` (PARTNERO_SECRET_ID). */
export const LOCAL_SECRET_NAME = 'referrals/partnero';
export const LOCAL_WEBHOOK_SECRET = 'whsec_local_demo';

/** The project's bus (EVENT_BUS_NAME); order systems and the webhook function put events on it. */
export const LOCAL_BUS_NAME = 'referrals-local';
export const ORDER_QUEUE_NAME = 'referrals-local-order-events';
export const ORDER_DLQ_NAME = 'referrals-local-order-events-dlq';

/** The functions' DynamoDB tables (IDEMPOTENCY_TABLE_NAME, ORDER_LEDGER_TABLE_NAME), laid out as infra makes them. */
export const LOCAL_TABLES = {
  idempotency: 'referrals-local-idempotency',
  orderLedger: 'referrals-local-order-ledger',
  referralKeys: 'referrals-local-referral-keys',
  /** QUOTA_TABLE_NAME: the Partnero budget and the dashboard cache. */
  quota: 'referrals-local-quota',
} as const;

/** The key of the email hash in the key map (the stack generates its own). */
export const LOCAL_EMAIL_HASH_SECRET_NAME = 'partnero-referrals/local/email-hash-key';

/** Audience of the tokens the local issuer signs (the API's JWT authorizer accepts only this). */
export const LOCAL_JWT_AUDIENCE = 'referrals-local-web';

/** The stack's defaults (infra/config.ts, infra/entries.ts), read from the stack's own definitions. */
const stack = parseConfig({});
export const STACK_DEFAULTS = {
  corsOrigins: stack.corsOrigins,
  customerKeyClaim: stack.customerKeyClaim,
  webhookEventSource: stack.webhookEventSource,
  webhookToleranceSeconds: stack.webhookToleranceSeconds,
  secretCacheTtlSeconds: stack.secretCacheTtlSeconds,
  reconcilerIntervalMinutes: stack.reconcilerIntervalMinutes,
  orderEvents: stack.orderEvents,
  partneroBudget: stack.partneroBudget,
  routeTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.route,
  webhookTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.webhook,
  reconcilerTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.reconciler,
} as const;

/** Demo users shown at start-up and on the demo page. */
export const DEMO_USERS = [
  { user_id: 'alice', email: 'alice@example.com', name: 'Alice' },
  { user_id: 'bob', email: 'bob@example.com', name: 'Bob' },
] as const;
