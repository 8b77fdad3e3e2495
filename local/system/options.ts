import type { LocalDynamoDbOptions } from '#local/aws/dynamodb/index.js';
import type { FunctionName } from '#local/functions.js';
import type { AccessEntry } from '#local/gateway/server.js';
import type { Credentials } from '#local/gateway/sigv4.js';
import type { SandboxOptions } from '#local/sandbox/index.js';

export interface OrderPipelineOptions {
  /** @default 10 */
  batchSize?: number;
  /** @default 2000 (the stack's 2 s) */
  maxBatchingWindowMs?: number;
  /** @default 2 */
  maxConcurrency?: number;
  /** @default 5 */
  maxReceiveCount?: number;
  /** Delay before failed messages are received again (the rest of the visibility timeout on AWS). @default 3000 */
  retryDelayMs?: number;
}

/** A Partnero the local system does not run: its API base URL and key. */
export interface ExternalPartnero {
  apiUrl: string;
  apiKey: string;
}

export interface LocalSystemOptions {
  /** Interface every server listens on. @default '127.0.0.1' */
  host?: string;
  /** Demo page + API gateway. 0 = any free port. @default 3000 */
  port?: number;
  /** Partnero sandbox. @default 4010 */
  sandboxPort?: number;
  /** Local AWS endpoint (Secrets Manager, EventBridge, SQS, DynamoDB). @default 4566 */
  awsPort?: number;
  /** Keep the sandbox's state in this JSON file across restarts. */
  stateFile?: string;
  region?: string;
  credentials?: Credentials;
  /** The signing secret of the sandbox's pre-made webhook subscription. @default 'whsec_local_demo' */
  webhookSecret?: string;
  /**
   * `true`: the system starts connected, so the demo works at once: both secrets filled and the sandbox
   * subscribed to the webhook route with `webhookSecret`. `false`: as `cdk deploy` leaves a stack, before
   * `npm run connect`: both secrets empty and no webhook subscription.
   * @default true
   */
  connected?: boolean;
  /**
   * Write the system's stack outputs to this file, as `cdk deploy --outputs-file` does, with the local
   * endpoint file beside it (what `npm run connect -- --local` reads); both are removed at close.
   * @default - no file
   */
  outputsFile?: string;
  /** Extra CORS origins, besides the stack default and the demo page's own. */
  corsOrigins?: string[];
  orderPipeline?: OrderPipelineOptions;
  /**
   * Run against another Partnero (a test program, a test double) instead of starting the sandbox. The
   * system then neither subscribes nor fakes webhooks there, and the sandbox options above are unused.
   * @default - the embedded sandbox
   */
  partnero?: ExternalPartnero;
  /** The shared Partnero budget and dashboard cache, over the stack's defaults (tests raise the limits). */
  partneroBudget?: Partial<PartneroBudgetSettings>;
  /** Passed to the sandbox (e.g. `webhooks.baseDelayMs`, `rewardPercent`). */
  sandbox?: Pick<SandboxOptions, 'rewardPercent' | 'referralPoints' | 'seed' | 'program' | 'variants'> & {
    webhookBaseDelayMs?: number;
  };
  /** Every gateway request, once answered (`start.ts` prints them). */
  onAccess?: (entry: AccessEntry) => void;
  /** Every event handed to a function, API routes and the consumer alike (tests and debugging). */
  onInvoke?: (fn: FunctionName, event: unknown) => void;
  /** How often the ledger reconciler runs (0: only on `reconcile()`). @default 30_000 */
  reconcilerIntervalMs?: number;
  /** Bus activity kept for the events panel. @default 500 */
  activityLimit?: number;
  /** The local DynamoDB's clock and fault randomness (tests). */
  dynamodb?: LocalDynamoDbOptions;
}

/** The options every step needs, with their defaults applied. */
export interface SystemSettings {
  host: string;
  region: string;
  credentials: Credentials;
  webhookSecret: string;
  connected: boolean;
  partneroBudget: PartneroBudgetSettings;
}

/** The stack's `partneroBudget` settings (infra/config-budget.ts). */
export type PartneroBudgetSettings = {
  callsPerSecond: number;
  moneyShare: number;
  customerCallsPerMinute: number;
  dashboardCacheSeconds: number;
};
