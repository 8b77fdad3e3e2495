import { Duration } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ReferralMonitoringProps {
  /**
   * Functions whose errors raise an alarm, by name (the name goes into the alarm's id and description).
   * @default - none
   */
  readonly functions?: Readonly<Record<string, IFunction>>;
  /**
   * Dead-letter queues that alarm as soon as a message waits in them, by name.
   * @default - none
   */
  readonly deadLetterQueues?: Readonly<Record<string, IQueue>>;
  /**
   * HTTP API stage whose 5xx answers raise an alarm.
   * @default - none
   */
  readonly httpStage?: IHttpStage;
  /**
   * The reconciler's `LedgerRepairs` metric (Powertools EMF: `namespace`, dimension `service`), which
   * alarms when repairs happen in three sweeps in a row: something keeps failing between steps.
   * @default - no repair alarm
   */
  readonly ledgerRepairs?: {
    readonly namespace: string;
    readonly service: string;
    readonly period: Duration;
  };
  /**
   * Topic notified when an alarm fires.
   * @default - alarms without actions (visible in the console)
   */
  readonly alarmTopic?: ITopic;
}

/** "Something needs a look" alarms: any function error, any API 5xx, any message in a DLQ. */
export class ReferralMonitoring extends Construct {
  /** Every alarm made here. */
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ReferralMonitoringProps) {
    super(scope, id);
    for (const [name, fn] of Object.entries(props.functions ?? {})) {
      this.alarmAboveZero(
        `${name}Errors`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        `${name}: the function failed (error or timeout) at least once in 5 minutes.`,
        props.alarmTopic,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {})) {
      this.alarmAboveZero(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        `${name}: messages are waiting in the dead-letter queue; fix the cause, then redrive (see the stack outputs).`,
        props.alarmTopic,
      );
    }
    if (props.ledgerRepairs) {
      const { namespace, service, period } = props.ledgerRepairs;
      const repairs = new Metric({
        namespace,
        metricName: 'LedgerRepairs',
        dimensionsMap: { service },
        statistic: 'Sum',
        period,
      });
      const alarm = new Alarm(this, 'LedgerRepairsKeepHappening', {
        metric: repairs,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription:
          'The order-ledger reconciler repaired entries in three sweeps in a row: crashes, lost Partnero answers or failed refunds keep happening. See the reconciler log ("ledger repair", by reason).',
      });
      if (props.alarmTopic) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(alarm);
    }
    if (props.httpStage) {
      this.alarmAboveZero(
        'Api5xx',
        props.httpStage.metricServerError({ period: Duration.minutes(5) }),
        'HTTP API answered 5xx at least once in 5 minutes.',
        props.alarmTopic,
      );
    }
  }

  private alarmAboveZero(id: string, metric: IMetric, description: string, topic: ITopic | undefined): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (topic) alarm.addAlarmAction(new SnsAction(topic));
    this.alarms.push(alarm);
  }
}
