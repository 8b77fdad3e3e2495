import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic, TopicProps } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CREDIT_METRICS, LEDGER_METRICS, WEBHOOK_METRICS } from '#infra/metric-names.js';
import { createAlarmTopic, createEmailSubscription } from './alarm-topic.js';

/** Where the functions' Powertools metrics (EMF) go: namespace, and the `service` dimension. */
export interface PowertoolsMetricsProps {
  readonly namespace: string;
  readonly service: string;
}

export interface ReferralMonitoringProps {
  /**
   * Functions whose errors and throttles raise an alarm, by name (the name goes into the alarm's id and
   * description).
   * @default - none
   */
  readonly functions?: Readonly<Record<string, IFunction>>;
  /**
   * Dead-letter queues that alarm as soon as a message waits in them, by name.
   * @default - none
   */
  readonly deadLetterQueues?: Readonly<Record<string, IQueue>>;
  /**
   * Queues that alarm when their oldest message is older than `maxQueueAge`: the consumer is failing,
   * stuck or starved.
   * @default - none
   */
  readonly queues?: Readonly<Record<string, IQueue>>;
  /**
   * Age of the oldest message above which a queue alarms. The order consumer delays the orders of a
   * customer Partnero does not know yet by 30 s, 1, 2, 4 minutes…, so a healthy queue stays well below.
   * @default Duration.minutes(15)
   */
  readonly maxQueueAge?: Duration;
  /**
   * DynamoDB tables whose throttled reads or writes raise an alarm, by name.
   * @default - none
   */
  readonly tables?: Readonly<Record<string, ITable>>;
  /**
   * HTTP API stage whose 5xx answers raise an alarm.
   * @default - none
   */
  readonly httpStage?: IHttpStage;
  /**
   * The reconciler's `LedgerRepairs` metric, which alarms when repairs happen in three sweeps in a row:
   * something keeps failing between steps. `period` is the sweep interval.
   * @default - no repair alarm
   */
  readonly ledgerRepairs?: PowertoolsMetricsProps & { readonly period: Duration };
  /**
   * The webhook function's `WebhookDeliveries` and `WebhooksUnauthorized` (answered 401) metrics, which
   * alarm when more than `maxUnauthorizedPercent` of at least `minDeliveries` deliveries in 5 minutes
   * fail their signature: the signing secret is wrong (rotated in Partnero only), or someone is probing.
   * @default - no webhook alarm
   */
  readonly webhookDeliveries?: PowertoolsMetricsProps & {
    /** @default 5 */
    readonly minDeliveries?: number;
    /** @default 50 */
    readonly maxUnauthorizedPercent?: number;
  };
  /**
   * The credit function's `CreditAmount` metric (the amount of each first attempt), which alarms when one
   * credit in a minute is above `threshold`: a large manual credit deserves a second look (who: the
   * credit function's log line "back-office request" and the API access log, by request id).
   * @default - no large-credit alarm
   */
  readonly creditAmount?: PowertoolsMetricsProps & { readonly threshold: number };
  /** Alarm on any order the ledger parks (`LedgerEntriesParked`): it owes Partnero a transaction nobody sends. */
  readonly ledgerParked?: PowertoolsMetricsProps;
  /**
   * An existing topic every alarm notifies.
   * @default - a topic is created (see `alarmTopicProps`)
   */
  readonly existingAlarmTopic?: ITopic;
  /**
   * Properties of the topic created when `existingAlarmTopic` is not set.
   * @default - SSL enforced, display name "Partnero referrals alarms"
   */
  readonly alarmTopicProps?: TopicProps;
  /**
   * An email address subscribed to the alarm topic (AWS mails a confirmation link first).
   * @default - no subscription: subscribe with `aws sns subscribe` (see the AlarmTopicArn output)
   */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * "Something needs a look" alarms, every one notifying the alarm topic: any function error or throttle,
 * any API 5xx, any message in a DLQ, an order queue that stops draining, throttled tables, repairs that
 * keep happening, and webhook deliveries that mostly fail their signature.
 */
export class ReferralMonitoring extends Construct {
  /** Every alarm made here. */
  public readonly alarms: Alarm[] = [];
  /** The topic every alarm notifies (created here unless `existingAlarmTopic` was given). */
  public readonly alarmTopic: ITopic;
  /** Whether this construct created the topic. */
  public readonly alarmTopicCreated: boolean;

  constructor(scope: Construct, id: string, props: ReferralMonitoringProps) {
    super(scope, id);
    this.alarmTopic = props.existingAlarmTopic ?? createAlarmTopic(this, 'AlarmTopic', props.alarmTopicProps);
    this.alarmTopicCreated = props.existingAlarmTopic === undefined;
    if (props.alarmEmail) this.alarmTopic.addSubscription(createEmailSubscription(props.alarmEmail));

    for (const [name, fn] of Object.entries(props.functions ?? {})) {
      this.alarmAboveZero(
        `${name}Errors`,
        fn.metricErrors({ period: FIVE_MINUTES }),
        `${name}: the function failed (error or timeout) at least once in 5 minutes.`,
      );
      this.alarmAboveZero(
        `${name}Throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES }),
        `${name}: Lambda refused invocations in 5 minutes (the account's concurrency is used up): requests got 5xx or waited for a retry.`,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {})) {
      this.alarmAboveZero(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        `${name}: messages are waiting in the dead-letter queue; fix the cause, then redrive (see the stack outputs).`,
      );
    }
    this.addQueueAgeAlarms(props.queues ?? {}, props.maxQueueAge ?? Duration.minutes(15));
    for (const [name, table] of Object.entries(props.tables ?? {})) {
      this.alarmAboveZero(
        `${name}Throttles`,
        new MathExpression({
          expression: 'FILL(reads, 0) + FILL(writes, 0)',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
            writes: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
          },
          label: `${name} throttled reads and writes`,
          period: FIVE_MINUTES,
        }),
        `${name}: DynamoDB throttled reads or writes in 5 minutes (a hot key, or a burst beyond on-demand's ramp); the functions retried or failed.`,
      );
    }
    if (props.ledgerRepairs) this.addLedgerRepairsAlarm(props.ledgerRepairs);
    if (props.webhookDeliveries) this.addWebhookUnauthorizedAlarm(props.webhookDeliveries);
    if (props.creditAmount) this.addLargeCreditAlarm(props.creditAmount);
    if (props.ledgerParked) this.addLedgerParkedAlarm(props.ledgerParked);
    if (props.httpStage) {
      this.alarmAboveZero(
        'Api5xx',
        props.httpStage.metricServerError({ period: FIVE_MINUTES }),
        'HTTP API answered 5xx at least once in 5 minutes.',
      );
    }
  }

  private addQueueAgeAlarms(queues: Readonly<Record<string, IQueue>>, maxAge: Duration): void {
    for (const [name, queue] of Object.entries(queues)) {
      this.addAlarm(`${name}Age`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: maxAge.toSeconds(),
        description: `${name}: its oldest message has waited more than ${maxAge.toHumanString()}: the consumer is failing, stuck or starved (see its errors and throttles).`,
      });
    }
  }

  private addLedgerRepairsAlarm({
    namespace,
    service,
    period,
  }: PowertoolsMetricsProps & { period: Duration }) {
    this.addAlarm('LedgerRepairsKeepHappening', {
      metric: new Metric({
        namespace,
        metricName: LEDGER_METRICS.repairs,
        dimensionsMap: { service },
        statistic: 'Sum',
        period,
      }),
      threshold: 0,
      evaluationPeriods: 3,
      description:
        'The order-ledger reconciler repaired entries in three sweeps in a row: crashes, lost Partnero answers or failed refunds keep happening. See the reconciler log ("ledger repair", by reason).',
    });
  }

  private addWebhookUnauthorizedAlarm(props: NonNullable<ReferralMonitoringProps['webhookDeliveries']>) {
    const { namespace, service } = props;
    const minDeliveries = props.minDeliveries ?? 5;
    const maxPercent = props.maxUnauthorizedPercent ?? 50;
    const sum = (metricName: string) =>
      new Metric({
        namespace,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    this.addAlarm('WebhooksUnauthorizedRate', {
      metric: new MathExpression({
        // Too few deliveries say nothing (one bad retry would be 100 %): 0 below the minimum.
        expression: `IF(deliveries >= ${minDeliveries}, 100 * FILL(unauthorized, 0) / deliveries, 0)`,
        usingMetrics: {
          deliveries: sum(WEBHOOK_METRICS.deliveries),
          unauthorized: sum(WEBHOOK_METRICS.unauthorized),
        },
        label: 'Webhook deliveries answered 401 (%)',
        period: FIVE_MINUTES,
      }),
      threshold: maxPercent,
      description: `More than ${maxPercent} % of at least ${minDeliveries} webhook deliveries in 5 minutes failed their signature (401): the signing secret in the webhook secret is not the one Partnero signs with (rotated?), or someone is probing the URL.`,
    });
  }

  private addLargeCreditAlarm({
    namespace,
    service,
    threshold,
  }: PowertoolsMetricsProps & { threshold: number }) {
    this.addAlarm('LargeCredit', {
      metric: new Metric({
        namespace,
        metricName: CREDIT_METRICS.amount,
        dimensionsMap: { service },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold,
      description: `A credit above ${threshold} (POST /customers/{id}/credit, in its currency or points) was made. Who made it: the credit function's "back-office request" log line (caller, apiRequestId) and the API access log (callerArn).`,
    });
  }

  private addLedgerParkedAlarm({ namespace, service }: PowertoolsMetricsProps) {
    this.alarmAboveZero(
      LEDGER_METRICS.parked,
      new Metric({
        namespace,
        metricName: LEDGER_METRICS.parked,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      'The order ledger parked an order: Partnero kept not knowing its customer through every retry, so the sale is recorded nowhere. Enrol the customer, then resend the order (or redrive it from the DLQ); the log line "order parked" names it.',
    );
  }

  private alarmAboveZero(id: string, metric: IMetric, description: string): void {
    this.addAlarm(id, { metric, threshold: 0, description });
  }

  private addAlarm(
    id: string,
    options: { metric: IMetric; threshold: number; description: string; evaluationPeriods?: number },
  ): Alarm {
    const evaluationPeriods = options.evaluationPeriods ?? 1;
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      ...(evaluationPeriods > 1 ? { datapointsToAlarm: evaluationPeriods } : {}),
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }
}
