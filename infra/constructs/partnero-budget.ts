import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable, TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ReferralFunction } from './referral-function.js';
import { ttlTable } from './ttl-table.js';

/** What a function does with the table: the items (by key prefix `<prefix>#`) and the operations. */
export const BUDGET_USES = {
  /** shared/quota/store.ts: one-second windows, per-account minutes, the 429 pause. */
  quota: { prefix: 'quota', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
  /** shared/referrals/dashboard-cache.ts: reads and stores cached dashboards, invalidates them. */
  dashboard: { prefix: 'dash', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
  /** `invalidateDashboards` only (a new generation is an UpdateItem). */
  invalidate: { prefix: 'dash', actions: ['dynamodb:UpdateItem'] },
} as const;
export type BudgetItems = keyof typeof BUDGET_USES;

/**
 * Which function uses what: every function that calls Partnero takes from the budget; the dashboard
 * reads and stores its cache; sign-up, credit and the webhook function (which never calls Partnero)
 * invalidate it. Keyed by the stack's function names.
 */
export const BUDGET_USERS: Readonly<Record<string, readonly BudgetItems[]>> = {
  signup: ['quota', 'invalidate'],
  me: ['quota', 'dashboard'],
  createTransactions: ['quota'],
  refundTransaction: ['quota'],
  creditCustomer: ['quota', 'invalidate'],
  orderConsumer: ['quota'],
  reconciler: ['quota'],
  partneroWebhook: ['invalidate'],
};

export interface PartneroBudgetProps {
  /** Partnero calls per second for the whole stack (PARTNERO_CALLS_PER_SECOND). */
  readonly callsPerSecond: number;
  /** Share of each second reserved for the money path (PARTNERO_MONEY_SHARE). */
  readonly moneyShare: number;
  /** Partnero calls one account may cause per minute on the customer routes; 0: no limit. */
  readonly customerCallsPerMinute: number;
  /** How long a dashboard is served from the cache; 0: no cache. */
  readonly dashboardCacheSeconds: number;
  /**
   * Overrides for the table.
   * @default - on-demand, TTL on `expiration`, destroyed with the stack
   */
  readonly tableProps?: Partial<TableProps>;
}

/**
 * Partnero's rate limit as a resource every function shares, and the dashboard cache that spares it:
 * one on-demand table (partition key `id`, TTL `expiration`) whose items all expire within minutes.
 */
export class PartneroBudget extends Construct {
  public readonly table: ITable;
  private readonly props: PartneroBudgetProps;

  constructor(scope: Construct, id: string, props: PartneroBudgetProps) {
    super(scope, id);
    this.props = props;
    // Counters and cached pages live for minutes: nothing to recover, so no point-in-time recovery.
    this.table = ttlTable(this, 'Table', RemovalPolicy.DESTROY, {
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      ...props.tableProps,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Rate-limit counters and cached dashboards that expire within minutes: a restore would bring back only stale counts and pages.',
    });
  }

  /** The variables a function needs to use the budget and the cache (docs/runtime-contract.md). */
  public environment(): Record<string, string> {
    return {
      QUOTA_TABLE_NAME: this.table.tableName,
      PARTNERO_CALLS_PER_SECOND: String(this.props.callsPerSecond),
      PARTNERO_MONEY_SHARE: String(this.props.moneyShare),
      CUSTOMER_CALLS_PER_MINUTE: String(this.props.customerCallsPerMinute),
      DASHBOARD_CACHE_SECONDS: String(this.props.dashboardCacheSeconds),
    };
  }

  /** For each use, its operations on its own items only (`dynamodb:LeadingKeys`): one statement each. */
  public grantUse(grantee: IGrantable, uses: readonly BudgetItems[]) {
    for (const use of uses) {
      const { prefix, actions } = BUDGET_USES[use];
      Grant.addToPrincipal({
        grantee,
        actions: [...actions],
        resourceArns: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}#*`] } },
      });
    }
  }

  /** Gives each function of `BUDGET_USERS` present in `functions` the variables and its grant. */
  public attach(functions: Readonly<Record<string, ReferralFunction>>): void {
    for (const [name, items] of Object.entries(BUDGET_USERS)) {
      const fn = functions[name];
      if (!fn) continue;
      for (const [key, value] of Object.entries(this.environment())) fn.function.addEnvironment(key, value);
      this.grantUse(fn.function, items);
    }
  }
}
