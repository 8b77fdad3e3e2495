import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTION_ID_PREFIX, FUNCTION_NAMES, nagFindings, type Synthesized, synth } from './synth.js';

/** The stack with nothing configured: alarms must still reach someone. */
let defaults: Synthesized;
beforeAll(() => {
  defaults = synth();
});

type Props = Record<string, unknown>;
const alarms = (s: Synthesized = defaults) =>
  Object.entries(s.template.findResources('AWS::CloudWatch::Alarm')).map(
    ([id, a]) => [id, a.Properties as Props] as const,
  );
const alarmsOf = (metricName: string, namespace: string) =>
  alarms()
    .map(([, a]) => a)
    .filter((a) => a.MetricName === metricName && a.Namespace === namespace);
/** The metrics of a metric-math alarm, by id. */
const mathMetrics = (alarm: Props) =>
  Object.fromEntries(
    (alarm.Metrics as { Id: string; MetricStat?: { Metric: Props; Stat: string } }[])
      .filter((m) => m.MetricStat)
      .map((m) => [m.Id, m.MetricStat]),
  );
const expressionOf = (alarm: Props) =>
  ((alarm.Metrics ?? []) as { Expression?: string }[]).find((m) => m.Expression)?.Expression;
const topicRef = { Ref: expect.stringMatching(/^MonitoringAlarmTopic[0-9A-F]{8}$/) };

describe('alarm topic', () => {
  it('is created when none is configured, refuses plain HTTP, and every alarm notifies it', () => {
    defaults.template.resourceCountIs('AWS::SNS::Topic', 1);
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      }),
    });
    expect(alarms().length).toBeGreaterThan(FUNCTION_NAMES.length * 2);
    for (const [id, alarm] of alarms()) {
      expect([id, alarm.AlarmActions]).toEqual([id, [topicRef]]);
      expect([id, alarm.TreatMissingData]).toEqual([id, 'notBreaching']);
    }
  });

  it('has no subscription unless alarmEmail is configured, then an email one', () => {
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { template } = synth({ alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic[0-9A-F]{8}$') },
    });
  });
});

describe('alarms', () => {
  it('on every function’s errors and throttles, above zero in 5 minutes', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      const found = alarmsOf(metricName, 'AWS/Lambda');
      expect(found).toHaveLength(FUNCTION_NAMES.length);
      const functionsWatched = found.map((a) => JSON.stringify(a.Dimensions));
      for (const fn of FUNCTION_NAMES) {
        expect(functionsWatched.some((d) => d.includes(`${FUNCTION_ID_PREFIX[fn]}Function`))).toBe(true);
      }
      for (const alarm of found) {
        expect(alarm).toMatchObject({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          Period: 300,
          Statistic: 'Sum',
        });
      }
    }
  });

  it('on the API’s 5xx and any message in the order DLQ', () => {
    expect(alarmsOf('5xx', 'AWS/ApiGateway')).toEqual([expect.objectContaining({ Threshold: 0 })]);
    const dlq = alarmsOf('ApproximateNumberOfMessagesVisible', 'AWS/SQS');
    expect(dlq).toEqual([expect.objectContaining({ Threshold: 0, Statistic: 'Maximum' })]);
    expect(JSON.stringify(dlq[0]?.Dimensions)).toContain('OrderEventsDeadLetterQueue');
  });

  it('when the oldest order waits more than 15 minutes (the consumer’s own retry delays stay below)', () => {
    const age = alarmsOf('ApproximateAgeOfOldestMessage', 'AWS/SQS');
    expect(age).toHaveLength(1);
    expect(age[0]).toMatchObject({
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
      Period: 300,
    });
    // The order queue, not its dead-letter queue.
    expect(JSON.stringify(age[0]?.Dimensions)).toMatch(/OrderEventsQueue[0-9A-F]{8}/);
    expect(JSON.stringify(age[0]?.Dimensions)).not.toContain('DeadLetter');
  });

  it('on throttled reads or writes of both tables', () => {
    const tableAlarms = alarms()
      .map(([, a]) => a)
      .filter((a) => JSON.stringify(a.Metrics ?? []).includes('ThrottleEvents'));
    expect(tableAlarms).toHaveLength(2);
    const tables = tableAlarms.map((a) => {
      const metrics = mathMetrics(a);
      expect(Object.keys(metrics).sort()).toEqual(['reads', 'writes']);
      expect(metrics.reads?.Metric).toMatchObject({
        MetricName: 'ReadThrottleEvents',
        Namespace: 'AWS/DynamoDB',
      });
      expect(metrics.writes?.Metric).toMatchObject({
        MetricName: 'WriteThrottleEvents',
        Namespace: 'AWS/DynamoDB',
      });
      expect(a).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      return JSON.stringify(metrics.reads?.Metric.Dimensions);
    });
    expect(tables.some((d) => d.includes('IdempotencyTable'))).toBe(true);
    expect(tables.some((d) => d.includes('OrderLedgerTable'))).toBe(true);
  });

  it('when more than half of at least 5 webhook deliveries in 5 minutes are answered 401', () => {
    const [rate] = alarms()
      .map(([, a]) => a)
      .filter((a) => expressionOf(a)?.includes('unauthorized'));
    expect(rate).toBeDefined();
    const alarm = rate as Props;
    expect(alarm).toMatchObject({
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(expressionOf(alarm)).toBe('IF(deliveries >= 5, 100 * FILL(unauthorized, 0) / deliveries, 0)');
    const metrics = mathMetrics(alarm);
    for (const [id, name] of [
      ['deliveries', 'WebhookDeliveries'],
      ['unauthorized', 'WebhooksUnauthorized'],
    ] as const) {
      expect(metrics[id]).toEqual({
        Metric: {
          MetricName: name,
          Namespace: 'PartneroReferrals',
          Dimensions: [{ Name: 'service', Value: 'partnero-referrals' }],
        },
        Period: 300,
        Stat: 'Sum',
      });
    }
  });

  it('when ledger repairs happen in three sweeps in a row', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LedgerRepairs',
      Namespace: 'PartneroReferrals',
      Dimensions: [{ Name: 'service', Value: 'partnero-referrals' }],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Period: 300,
    });
  });
});

describe('dashboard', () => {
  const FUNNEL_METRICS = [
    'Signups',
    'attributed',
    'unattributed',
    'existing',
    'ReferralsDropped',
    'self_referral',
    'unknown_referrer',
    'already_enrolled',
    'invalid_referral',
    'disposable_email',
    'OrdersRecorded',
    'OrdersDuplicate',
    'OrdersAlreadyRefunded',
    'OrdersRefunded',
    'OrdersPartiallyRefunded',
    'OrdersNothingToReverse',
    'OrdersRefundPending',
    'OrdersSkippedNotReferred',
    'OrdersUnknownCustomer',
    'OrdersPending',
    'OrdersParked',
    'OrdersRetried',
    'CreditsIssued',
    'CreditsReplayed',
    'WebhookDeliveries',
    'WebhooksUnauthorized',
    'WebhooksPublished',
    'WebhooksDuplicate',
    'LedgerRepairs',
    'LedgerEntriesChecked',
    'LedgerEntriesUnsettled',
  ];

  /** A reference in the body as plain text: `{Ref: X}` → `X`, `{Fn::GetAtt: [X, 'Arn']}` → `X.Arn`. */
  const plain = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const { Ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
    return Ref ?? getAtt?.join('.') ?? JSON.stringify(part);
  };
  type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[] } };
  /** The dashboard body, parsed. */
  const widgets = (): Widget[] => {
    const [dashboard] = Object.values(defaults.template.findResources('AWS::CloudWatch::Dashboard'));
    const join = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] } | undefined;
    return JSON.parse((join?.['Fn::Join'][1] ?? []).map(plain).join('')).widgets;
  };
  /** Every metric row of every graph: [namespace, name, dimension, value, …, {options}] or [{expression}]. */
  const metricRows = () => widgets().flatMap((w) => w.properties.metrics ?? []);
  const rowsNamed = (namespace: string, name: string) =>
    metricRows().filter((row) => row[0] === namespace && row[1] === name);
  const expressions = () =>
    metricRows().flatMap((row) => {
      const options = row.at(-1) as { expression?: string };
      return options.expression ? [options.expression] : [];
    });

  it('is one dashboard', () => {
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it.each(FUNNEL_METRICS)('shows %s', (name) => {
    expect(JSON.stringify(metricRows())).toContain(`"${name}"`);
  });

  it('reads the funnel from the functions’ namespace and service, by outcome and by reason', () => {
    const dimensions = (row: unknown[]) => row.filter((x) => typeof x === 'string').slice(2);
    const signups = rowsNamed('PartneroReferrals', 'Signups').map(dimensions);
    // Sign-ups are published by outcome only; the total is their sum (a math expression).
    expect(signups).not.toContainEqual(['service', 'partnero-referrals']);
    expect(expressions()).toContain('FILL(s0, 0) + FILL(s1, 0) + FILL(s2, 0)');
    expect(signups).toEqual(
      expect.arrayContaining([
        ['outcome', 'attributed', 'service', 'partnero-referrals'],
        ['outcome', 'unattributed', 'service', 'partnero-referrals'],
        ['outcome', 'existing', 'service', 'partnero-referrals'],
      ]),
    );
    const dropped = rowsNamed('PartneroReferrals', 'ReferralsDropped').map(dimensions);
    for (const reason of ['self_referral', 'unknown_referrer', 'already_enrolled', 'invalid_referral']) {
      expect(dropped).toContainEqual(['reason', reason, 'service', 'partnero-referrals']);
    }
    expect(dropped).toContainEqual(['reason', 'disposable_email', 'service', 'partnero-referrals']);
    expect(expressions()).toEqual(
      expect.arrayContaining([
        `SEARCH('{PartneroReferrals,service,event} MetricName="WebhooksPublished"', 'Sum', 300)`,
        `SEARCH('{PartneroReferrals,service,reason} MetricName="LedgerRepairs"', 'Sum', 300)`,
      ]),
    );
  });

  it.each([
    ['AWS/ApiGateway', '4xx'],
    ['AWS/ApiGateway', '5xx'],
    ['AWS/ApiGateway', 'Latency'],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    ['AWS/Lambda', 'Errors'],
    ['AWS/Lambda', 'Throttles'],
    ['AWS/Lambda', 'Duration'],
  ])('shows the pipeline health: %s %s', (namespace, name) => {
    expect(rowsNamed(namespace, name).length).toBeGreaterThan(0);
  });

  it('shows the order queue and its DLQ, every function, and the status of every alarm', () => {
    const queues = JSON.stringify(rowsNamed('AWS/SQS', 'ApproximateNumberOfMessagesVisible'));
    expect(queues).toMatch(/OrderEventsQueue[0-9A-F]{8}\.QueueName/);
    expect(queues).toMatch(/OrderEventsDeadLetterQueue[0-9A-F]{8}\.QueueName/);
    for (const name of ['Errors', 'Throttles', 'Duration']) {
      const shown = JSON.stringify(rowsNamed('AWS/Lambda', name));
      for (const fn of FUNCTION_NAMES) expect(shown).toContain(`${FUNCTION_ID_PREFIX[fn]}Function`);
    }
    const alarmWidgets = widgets().filter((w) => w.type === 'alarm');
    expect(alarmWidgets).toHaveLength(1);
    const shown = alarmWidgets[0]?.properties.alarms ?? [];
    expect(shown.sort()).toEqual(
      alarms()
        .map(([id]) => `${id}.Arn`)
        .sort(),
    );
  });

  it('is linked from the DashboardUrl output', () => {
    const output = defaults.template.toJSON().Outputs.DashboardUrl;
    const url = (output.Value['Fn::Join'][1] as unknown[]).map(plain).join('');
    expect(url).toMatch(
      /^https:\/\/AWS::Region\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=AWS::Region#dashboards:name=Dashboard[0-9A-F]{8}$/,
    );
  });
});

describe('cdk-nag (AwsSolutions) with the alarm email configured', () => {
  it('has no unacknowledged error or warning', () => {
    expect(nagFindings(synth({ alarmEmail: 'ops@example.com' }).stack)).toEqual([]);
  });
});
