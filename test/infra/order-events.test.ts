import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { OrderEvents } from '#infra/constructs/order-events.js';
import { OrderLedgerTable } from '#infra/constructs/order-ledger-table.js';
import { FIXTURE_FUNCTIONS_DIR, lambdaOf, resourceByPrefix, statementsOf, synth } from './synth.js';

const MAPPING = {
  orderId: '$.detail.order.number',
  customerId: '$.detail.customer.ref',
  amount: '$.detail.totals[0].gross',
  currency: '$.detail.totals[0].currency',
};

let defaults: Template;
let custom: Template;
beforeAll(() => {
  defaults = synth().template;
  custom = synth({
    orderEvents: {
      busName: 'shop-bus',
      source: 'acme.checkout',
      placedDetailType: 'CheckoutCompleted',
      refundedDetailType: 'RefundIssued',
      mapping: MAPPING,
      batchSize: 50,
      maxBatchingWindowSeconds: 10,
      maxReceiveCount: 3,
      maxConcurrency: 5,
      consumerTimeoutSeconds: 60,
    },
  }).template;
});

const queue = (template: Template) =>
  resourceByPrefix(template, 'AWS::SQS::Queue', 'OrderEventsQueue').Properties;
const dlqId = (template: Template) =>
  Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
    id.startsWith('OrderEventsDeadLetterQueue'),
  );

describe('rule', () => {
  it('matches the default order events on the bus it creates', () => {
    defaults.resourceCountIs('AWS::Events::EventBus', 1);
    defaults.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^OrderEventsBus') },
      EventPattern: { source: ['shop.orders'], 'detail-type': ['Order Placed', 'Order Refunded'] },
    });
  });

  it('matches the configured source and detail types on an existing bus, creating none', () => {
    custom.resourceCountIs('AWS::Events::EventBus', 0);
    custom.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'shop-bus',
      EventPattern: { source: ['acme.checkout'], 'detail-type': ['CheckoutCompleted', 'RefundIssued'] },
    });
    expect(custom.toJSON().Outputs.EventBusName.Value).toBe('shop-bus');
  });

  it('delivers to the queue, parking undeliverable events in the DLQ after retries', () => {
    defaults.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderEventsQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId(defaults), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          Id: Match.anyValue(),
        },
      ],
    });
    defaults.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId(defaults) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});

describe('queues', () => {
  it('encrypts both queues and refuses plain-HTTP access', () => {
    const queues = Object.values(defaults.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const q of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(defaults.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('moves a message to the DLQ after maxReceiveCount receives; the DLQ keeps it 14 days', () => {
    expect(queue(defaults).RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId(defaults), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue(custom).RedrivePolicy).toMatchObject({ maxReceiveCount: 3 });
    defaults.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('hides a message for six consumer timeouts (never less than one)', () => {
    for (const template of [defaults, custom]) {
      const timeout = lambdaOf(template, 'orderConsumer').Timeout;
      expect(queue(template).VisibilityTimeout).toBe(6 * timeout);
      expect(queue(template).VisibilityTimeout).toBeGreaterThanOrEqual(timeout);
    }
    expect(lambdaOf(custom, 'orderConsumer').Timeout).toBe(60);
  });
});

describe('consumer', () => {
  it('reads batches with partial failures and bounded concurrency (defaults)', () => {
    defaults.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderEventsQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^OrderEventsConsumerFunction') },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('uses the configured batch size, window and concurrency', () => {
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('can park a message in the DLQ itself, and knows its URL', () => {
    const env = lambdaOf(defaults, 'orderConsumer').Environment.Variables;
    expect(env.ORDER_DLQ_URL).toEqual({ Ref: dlqId(defaults) });
    expect(statementsOf(defaults, 'orderConsumer')).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: { 'Fn::GetAtt': [dlqId(defaults), 'Arn'] },
      }),
    );
  });

  it('can delay the retry of an order whose customer is unknown, and parks it a receive before SQS would', () => {
    const env = lambdaOf(defaults, 'orderConsumer').Environment.Variables;
    expect(env.ORDER_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^OrderEventsQueue[0-9A-F]{8}$/) });
    expect(env.ORDER_UNKNOWN_CUSTOMER_MAX_RECEIVES).toBe('4');
    expect(env.LEDGER_LEASE_SECONDS).toBe('60');
    expect(statementsOf(defaults, 'orderConsumer')).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:ChangeMessageVisibility']),
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OrderEventsQueue[0-9A-F]{8}$/), 'Arn'] },
      }),
    );
  });

  it('receives the declared mapping as ORDER_EVENTS_MAPPING', () => {
    const json = lambdaOf(custom, 'orderConsumer').Environment.Variables.ORDER_EVENTS_MAPPING as string;
    expect(JSON.parse(json)).toEqual({
      placed: 'CheckoutCompleted',
      refunded: 'RefundIssued',
      fields: MAPPING,
    });
  });

  it('receives the default detail types and no field overrides when nothing is mapped', () => {
    const json = lambdaOf(defaults, 'orderConsumer').Environment.Variables.ORDER_EVENTS_MAPPING as string;
    expect(JSON.parse(json)).toEqual({ placed: 'Order Placed', refunded: 'Order Refunded', fields: {} });
  });

  it('lets the webhook publish onto the existing bus (one project bus)', () => {
    expect(lambdaOf(custom, 'partneroWebhook').Environment.Variables.EVENT_BUS_NAME).toBe('shop-bus');
    expect(statementsOf(custom, 'partneroWebhook')).toContainEqual(
      expect.objectContaining({
        Action: 'events:PutEvents',
        Resource: {
          'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:event-bus\/shop-bus$/)])],
        },
      }),
    );
  });
});

describe('invalid mapping', () => {
  it('fails the synth, naming the field', () => {
    expect(() =>
      synth({ orderEvents: { mapping: { orderId: '$.detail.id', amount: 'detail.total' } } }),
    ).toThrow(/Invalid config: orderEvents\.mapping\.amount: must be a \$-rooted dotted JSON path/);
  });

  it('is refused by the construct too, when used without the config loader', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Standalone');
    expect(
      () =>
        new OrderEvents(stack, 'OrderEvents', {
          functionsDir: FIXTURE_FUNCTIONS_DIR,
          functionDefaults: { commonEnvironment: {} },
          partneroSecret: new Secret(stack, 'Secret'),
          orderLedger: new OrderLedgerTable(stack, 'Ledger'),
          mapping: { orderId: '$.detail[*].id' },
        }),
    ).toThrow(/invalid order event mapping: orderId: "\$\.detail\[\*\]\.id" is not a \$-rooted path/);
  });
});

describe('alarms and outputs', () => {
  it('alarms as soon as a message waits in the DLQ, and when the consumer fails', () => {
    defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId(defaults), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^OrderEventsConsumerFunction') } },
      ],
      Threshold: 0,
    });
  });

  it('outputs the queue URLs, the DLQ ARN and a ready redrive command', () => {
    const outputs = defaults.toJSON().Outputs;
    const dlq = dlqId(defaults);
    expect(outputs.OrderQueueUrl.Value).toEqual({ Ref: expect.stringMatching(/^OrderEventsQueue/) });
    expect(outputs.OrderDlqUrl.Value).toEqual({ Ref: dlq });
    expect(outputs.OrderDlqArn.Value).toEqual({ 'Fn::GetAtt': [dlq, 'Arn'] });
    expect(outputs.OrderDlqRedriveCommand.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws sqs start-message-move-task --source-arn ',
          { 'Fn::GetAtt': [dlq, 'Arn'] },
          ' --destination-arn ',
          { 'Fn::GetAtt': [expect.stringMatching(/^OrderEventsQueue/), 'Arn'] },
        ],
      ],
    });
  });
});
