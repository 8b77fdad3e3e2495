/**
 * The environment the stack gives the functions (docs/runtime-contract.md), pointed at the local
 * pieces. It is set on this process before the first handler module is imported, because the
 * handlers run in-process and their SDK clients read `AWS_ENDPOINT_URL_*` when first used.
 */
export interface HandlerEnvInput {
  awsUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  sandboxApiUrl: string;
  secretName: string;
  /** The webhook signing secret (`WEBHOOK_SECRET_ID`), the only secret the webhook function reads. */
  webhookSecretName: string;
  busName: string;
  dlqUrl: string;
  queueUrl: string;
  customerKeyClaim: string;
  webhookEventSource: string;
  webhookToleranceSeconds: number;
  secretCacheTtlSeconds: number;
  orderEventsMapping: string;
  tables: { idempotency: string; orderLedger: string; referralKeys: string; quota?: string };
  /** The stack's `partneroBudget` (used with `tables.quota`). */
  partneroBudget?: {
    callsPerSecond: number;
    moneyShare: number;
    customerCallsPerMinute: number;
    dashboardCacheSeconds: number;
  };
  emailHashSecretName: string;
}

export function handlerEnvironment(input: HandlerEnvInput): Record<string, string> {
  return {
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_ACCESS_KEY_ID: input.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: input.awsUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: input.awsUrl,
    AWS_ENDPOINT_URL_SQS: input.awsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: input.awsUrl,
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    PARTNERO_SECRET_ID: input.secretName,
    WEBHOOK_SECRET_ID: input.webhookSecretName,
    PARTNERO_API_URL: input.sandboxApiUrl,
    SECRET_CACHE_TTL_SECONDS: String(input.secretCacheTtlSeconds),
    CUSTOMER_KEY_CLAIM: input.customerKeyClaim,
    // The stack's default: its own Cognito pool, whose access tokens must not pass as sign-ins.
    REQUIRED_TOKEN_USE: 'id',
    IDEMPOTENCY_TABLE_NAME: input.tables.idempotency,
    ORDER_LEDGER_TABLE_NAME: input.tables.orderLedger,
    REFERRAL_KEYS_TABLE_NAME: input.tables.referralKeys,
    ...budgetEnvironment(input),
    EMAIL_HASH_SECRET_ID: input.emailHashSecretName,
    EVENT_BUS_NAME: input.busName,
    WEBHOOK_EVENT_SOURCE: input.webhookEventSource,
    WEBHOOK_TOLERANCE_SECONDS: String(input.webhookToleranceSeconds),
    ORDER_DLQ_URL: input.dlqUrl,
    ORDER_QUEUE_URL: input.queueUrl,
    ORDER_EVENTS_MAPPING: input.orderEventsMapping,
    POWERTOOLS_SERVICE_NAME: 'partnero-referrals-local',
    POWERTOOLS_METRICS_NAMESPACE: 'PartneroReferralsLocal',
  };
}

/** The Partnero budget's variables (infra/constructs/partnero-budget.ts), as the stack sets them. */
function budgetEnvironment({ tables, partneroBudget }: HandlerEnvInput): Record<string, string> {
  if (!tables.quota) return {};
  return {
    QUOTA_TABLE_NAME: tables.quota,
    ...(partneroBudget
      ? {
          PARTNERO_CALLS_PER_SECOND: String(partneroBudget.callsPerSecond),
          PARTNERO_MONEY_SHARE: String(partneroBudget.moneyShare),
          CUSTOMER_CALLS_PER_MINUTE: String(partneroBudget.customerCallsPerMinute),
          DASHBOARD_CACHE_SECONDS: String(partneroBudget.dashboardCacheSeconds),
        }
      : {}),
  };
}

/** Variables removed while the local system runs: they would send the local SDK calls elsewhere. */
const CLEARED = ['AWS_SESSION_TOKEN', 'AWS_PROFILE'];

/** Applies `vars` to process.env; the returned function puts back what was there before. */
export function applyEnvironment(
  vars: Record<string, string>,
  defaults: Record<string, string> = {},
): () => void {
  const names = [...Object.keys(vars), ...Object.keys(defaults), ...CLEARED];
  const saved = new Map(names.map((n) => [n, process.env[n]]));
  for (const name of CLEARED) delete process.env[name];
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
  Object.assign(process.env, vars);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
