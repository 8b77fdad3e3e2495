import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  PeriodOverride,
  SearchExpression,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CREDIT_METRICS,
  CREDIT_SERIES,
  DROP_REASONS,
  LEDGER_METRICS,
  LEDGER_SERIES,
  ORDER_METRICS,
  PLACED_SERIES,
  REFUND_SERIES,
  SIGNUP_METRICS,
  SIGNUP_OUTCOMES,
  WEBHOOK_METRICS,
  WEBHOOK_SERIES,
} from '#infra/metric-names.js';
import type { PowertoolsMetricsProps } from './monitoring.js';

export interface ReferralDashboardProps {
  /** Namespace and `service` dimension of the functions' Powertools metrics. */
  readonly metrics: PowertoolsMetricsProps;
  /** The functions whose errors, throttles and duration are shown, by name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /**
   * The HTTP API stage (requests, 4xx, 5xx, latency).
   * @default - no API widgets
   */
  readonly httpStage?: IHttpStage;
  /**
   * The order queue (depth and age of the oldest message).
   * @default - no queue widget
   */
  readonly orderQueue?: IQueue;
  /**
   * Dead-letter queues whose depth is shown, by name.
   * @default - none
   */
  readonly deadLetterQueues?: Readonly<Record<string, IQueue>>;
  /**
   * Alarms shown in the status widget.
   * @default - no status widget
   */
  readonly alarms?: readonly IAlarm[];
  /**
   * Name of the dashboard (dashboards are per account, not per region).
   * @default - `<stack name>-<region>`
   */
  readonly dashboardName?: string;
  /**
   * Period of every graph.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

const W = 8; // three widgets per 24-unit row
const H = 6;

/**
 * One CloudWatch dashboard for the funnel (sign-ups by outcome, dropped referrals by reason, orders,
 * refunds, credits, webhooks) and the pipeline's health (API, order queue and DLQ, functions, alarms).
 */
export class ReferralDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: Dashboard;
  /** Its address in the CloudWatch console. */
  public readonly url: string;

  private readonly props: ReferralDashboardProps;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: ReferralDashboardProps) {
    super(scope, id);
    this.props = props;
    this.period = props.period ?? Duration.minutes(5);
    const stack = Stack.of(this);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${stack.stackName}-${stack.region}`,
      defaultInterval: Duration.days(1),
      periodOverride: PeriodOverride.AUTO,
    });
    this.dashboard.addWidgets(...this.funnelWidgets());
    this.dashboard.addWidgets(...this.healthWidgets());
    this.url = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }

  /** A Powertools counter (Sum), with the `service` dimension and any extra one. */
  private app(metricName: string, extra: Record<string, string> = {}, label?: string): Metric {
    const { namespace, service } = this.props.metrics;
    return new Metric({
      namespace,
      metricName,
      dimensionsMap: { service, ...extra },
      statistic: 'Sum',
      period: this.period,
      ...(label ? { label } : {}),
    });
  }

  /** Every value of a dimension that appears (e.g. each Partnero event name), one line each. */
  private search(metricName: string, dimension: string, label: string): SearchExpression {
    const { namespace } = this.props.metrics;
    return new SearchExpression({
      // The schema {namespace,service,<dimension>} matches only the series with exactly those dimensions.
      expression: `SEARCH('{${namespace},service,${dimension}} MetricName="${metricName}"', 'Sum', ${this.period.toSeconds()})`,
      label,
      period: this.period,
    });
  }

  private graph(title: string, left: IMetric[], options: { right?: IMetric[]; stacked?: boolean } = {}) {
    return new GraphWidget({ title, left, width: W, height: H, ...options });
  }

  /** Sign-ups are counted by `outcome` only (one EMF record per sign-up): the total is their sum. */
  private signupsTotal(): MathExpression {
    const usingMetrics = Object.fromEntries(
      SIGNUP_OUTCOMES.map((outcome, i) => [`s${i}`, this.app(SIGNUP_METRICS.signups, { outcome })]),
    );
    return new MathExpression({
      expression: Object.keys(usingMetrics)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics,
      label: SIGNUP_METRICS.signups,
      period: this.period,
    });
  }

  private funnelWidgets(): IWidget[] {
    const signups = [
      this.signupsTotal(),
      ...SIGNUP_OUTCOMES.map((outcome) => this.app(SIGNUP_METRICS.signups, { outcome }, outcome)),
    ];
    const dropped = [
      this.app(SIGNUP_METRICS.referralsDropped, {}, 'all'),
      ...DROP_REASONS.map((reason) => this.app(SIGNUP_METRICS.referralsDropped, { reason }, reason)),
    ];
    const counters = (names: readonly string[]) => names.map((name) => this.app(name));
    return [
      new TextWidget({
        markdown: '## Referral funnel\nSign-ups → attributed referrals → orders rewarded → refunds reversed',
        width: 24,
        height: 1,
      }),
      this.graph('Sign-ups by outcome', signups),
      this.graph('Referrals dropped by reason', dropped),
      new SingleValueWidget({
        title: 'Totals over the time range',
        metrics: [
          this.signupsTotal(),
          ...counters([
            SIGNUP_METRICS.referralsDropped,
            ORDER_METRICS.recorded,
            ORDER_METRICS.refunded,
            CREDIT_METRICS.issued,
          ]),
        ],
        setPeriodToTimeRange: true,
        width: W,
        height: H,
      }),
      this.graph('Orders', counters(PLACED_SERIES)),
      this.graph('Refunds', counters(REFUND_SERIES)),
      this.graph('Manual credits', counters(CREDIT_SERIES)),
      this.graph('Webhook deliveries', counters(WEBHOOK_SERIES)),
      this.graph('Webhooks published by event', [
        this.search(WEBHOOK_METRICS.published, 'event', 'published'),
      ]),
      this.graph('Order ledger (reconciler)', [
        this.app(LEDGER_METRICS.repairs, {}, 'repairs'),
        this.search(LEDGER_METRICS.repairs, 'reason', 'repairs'),
        ...counters(LEDGER_SERIES),
      ]),
    ];
  }

  private healthWidgets(): IWidget[] {
    const { alarms } = this.props;
    const widgets: IWidget[] = [new TextWidget({ markdown: '## Pipeline health', width: 24, height: 1 })];
    if (alarms?.length) {
      widgets.push(new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 }));
    }
    return [...widgets, ...this.apiWidgets(), ...this.queueWidgets(), ...this.functionWidgets()];
  }

  /** Requests, 4xx and 5xx, and latency percentiles of the HTTP API stage. */
  private apiWidgets(): IWidget[] {
    const { httpStage } = this.props;
    const period = this.period;
    if (!httpStage) return [];
    return [
      this.graph('API requests and errors', [httpStage.metricCount({ period, label: 'requests' })], {
        right: [
          httpStage.metricClientError({ period, label: '4xx' }),
          httpStage.metricServerError({ period, label: '5xx' }),
        ],
      }),
      this.graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((statistic) =>
          httpStage.metricLatency({ period, statistic, label: statistic }),
        ),
      ),
    ];
  }

  /** The order queue's depth and oldest message, and every dead-letter queue's depth. */
  private queueWidgets(): IWidget[] {
    const { orderQueue } = this.props;
    const period = this.period;
    const widgets: IWidget[] = [];
    if (orderQueue) {
      widgets.push(
        this.graph(
          'Order queue',
          [
            orderQueue.metricApproximateNumberOfMessagesVisible({
              period,
              statistic: 'Maximum',
              label: 'waiting',
            }),
          ],
          {
            right: [
              orderQueue.metricApproximateAgeOfOldestMessage({
                period,
                statistic: 'Maximum',
                label: 'oldest (s)',
              }),
            ],
          },
        ),
      );
    }
    const dlqs = Object.entries(this.props.deadLetterQueues ?? {});
    if (dlqs.length) {
      widgets.push(
        this.graph(
          'Dead-letter queues',
          dlqs.map(([name, q]) =>
            q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: name }),
          ),
        ),
      );
    }
    return widgets;
  }

  /** Errors, throttles and p95 duration of every function, one line each. */
  private functionWidgets(): IWidget[] {
    const period = this.period;
    const fns = Object.entries(this.props.functions);
    return [
      this.graph(
        'Function errors',
        fns.map(([name, fn]) => fn.metricErrors({ period, label: name })),
      ),
      this.graph(
        'Function throttles',
        fns.map(([name, fn]) => fn.metricThrottles({ period, label: name })),
      ),
      this.graph(
        'Function duration p95 (ms)',
        fns.map(([name, fn]) => fn.metricDuration({ period, statistic: 'p95', label: name })),
      ),
    ];
  }
}
