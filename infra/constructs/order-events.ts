import { Duration } from 'aws-cdk-lib';
import { EventBus, type EventBusProps, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isOrderEventPath, type OrderEventMapping } from '#infra/config-order-events.js';
import { entryPath } from '#infra/entries.js';
import { orderRulePattern } from '#infra/order-rule.js';
import { ORDER_EVENT_FIELDS } from '#shared/order-events/mapping.js';
import type { OrderLedgerTable } from './order-ledger-table.js';
import { ReferralFunction, type ReferralFunctionDefaults } from './referral-function.js';

export interface OrderEventsProps {
  /** Directory holding the entry files (docs/runtime-contract.md). */
  readonly functionsDir: string;
  /** Settings every function shares (common environment, log retention, bundling). */
  readonly functionDefaults: ReferralFunctionDefaults;
  /** The secret holding the Partnero API key, read by the consumer. */
  readonly partneroSecret: ISecret;
  /** The order ledger, which makes every order exactly once. */
  readonly orderLedger: OrderLedgerTable;
  /**
   * An existing bus the order systems already publish to.
   * @default - a new bus is created (see `eventBusProps`)
   */
  readonly existingEventBusInterface?: IEventBus;
  /**
   * Properties of the bus created when `existingEventBusInterface` is not set.
   * @default - a bus with a generated name
   */
  readonly eventBusProps?: EventBusProps;
  /**
   * `source` of order events.
   * @default 'shop.orders'
   */
  readonly source?: string;
  /**
   * `detail-type` of a placed order.
   * @default 'Order Placed'
   */
  readonly placedDetailType?: string;
  /**
   * `detail-type` of a refunded order.
   * @default 'Order Refunded'
   */
  readonly refundedDetailType?: string;
  /**
   * JSON path per canonical order field, for events of another shape. Passed to the consumer as
   * `ORDER_EVENTS_MAPPING` (the same mapping runs locally), instead of an EventBridge input transformer.
   * @default - the default contract (docs/runtime-contract.md)
   */
  readonly mapping?: OrderEventMapping;
  /**
   * Timeout of the consumer; the queue's visibility timeout is six times this (AWS guidance).
   * @default Duration.seconds(30)
   */
  readonly consumerTimeout?: Duration;
  /**
   * Messages per consumer invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers a batch.
   * @default Duration.seconds(2)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Concurrent consumer invocations (keeps Partnero's rate limit); 2 is Lambda's minimum.
   * @default 2
   */
  readonly maxConcurrency?: number;
}

/**
 * Order events → EventBridge rule → SQS queue (with DLQ) → consumer Lambda (partial batch failures,
 * bounded concurrency). Events the rule cannot deliver land in the same DLQ, so one alarm and one
 * redrive (`start-message-move-task` with the queue as destination) cover both failure paths.
 */
export class OrderEvents extends Construct {
  /** The bus order systems publish to (also the one the webhook republishes onto). */
  public readonly eventBus: IEventBus;
  /** The rule matching placed/refunded orders. */
  public readonly rule: Rule;
  /** The queue between the rule and the consumer. */
  public readonly queue: Queue;
  /** Where failed messages wait for a redrive. */
  public readonly deadLetterQueue: Queue;
  /** The consumer function. */
  public readonly consumer: ReferralFunction;
  /** The value of the consumer's `ORDER_EVENTS_MAPPING`. */
  public readonly mappingJson: string;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    const source = props.source ?? 'shop.orders';
    const placed = props.placedDetailType ?? 'Order Placed';
    const refunded = props.refundedDetailType ?? 'Order Refunded';
    const fields = validMapping(this, props.mapping ?? {});
    this.mappingJson = JSON.stringify({ placed, refunded, fields });

    this.eventBus = props.existingEventBusInterface ?? new EventBus(this, 'Bus', props.eventBusProps);

    const consumerTimeout = props.consumerTimeout ?? Duration.seconds(30);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.rule = this.orderRule(source, placed, refunded);
    this.consumer = this.orderConsumer(props, consumerTimeout, maxReceiveCount);
  }

  /** The rule sending placed and refunded orders to the queue; what it cannot deliver goes to the DLQ. */
  private orderRule(source: string, placed: string, refunded: string): Rule {
    const pattern = orderRulePattern({ source, placedDetailType: placed, refundedDetailType: refunded });
    const rule = new Rule(this, 'Rule', {
      eventBus: this.eventBus,
      description: `Orders (${source}: ${placed} / ${refunded}) → Partnero transactions`,
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'] },
    });
    rule.addTarget(
      new SqsQueue(this.queue, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    return rule;
  }

  /** The consumer, its grants, and the queue as its event source (partial batch failures). */
  private orderConsumer(
    props: OrderEventsProps,
    timeout: Duration,
    maxReceiveCount: number,
  ): ReferralFunction {
    const consumer = new ReferralFunction(this, 'Consumer', {
      ...props.functionDefaults,
      entry: entryPath(props.functionsDir, 'orderConsumer'),
      description: 'Order events (SQS) → Partnero transactions',
      timeout,
      environment: {
        ORDER_EVENTS_MAPPING: this.mappingJson,
        ORDER_DLQ_URL: this.deadLetterQueue.queueUrl,
        ORDER_QUEUE_URL: this.queue.queueUrl,
        ORDER_LEDGER_TABLE_NAME: props.orderLedger.table.tableName,
        LEDGER_LEASE_SECONDS: String(timeout.toSeconds() + 30),
        // Parked with its reason one receive before SQS would move it without one.
        ORDER_UNKNOWN_CUSTOMER_MAX_RECEIVES: String(Math.max(1, maxReceiveCount - 1)),
      },
    });
    consumer.grantSecretRead(props.partneroSecret);
    props.orderLedger.grantUse(consumer.function);
    // Orders of a customer Partnero does not know yet come back with a growing delay.
    this.queue.grant(consumer.function, 'sqs:ChangeMessageVisibility');
    // A rate-limited event goes back on the queue as a delayed copy (its receive count starts again).
    this.queue.grantSendMessages(consumer.function);
    // Non-retryable failures are parked in the DLQ at once instead of burning the receive count.
    this.deadLetterQueue.grantSendMessages(consumer.function);

    const batchingWindow = props.maxBatchingWindow ?? Duration.seconds(2);
    consumer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: batchingWindow.toSeconds() > 0 ? batchingWindow : undefined,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 2,
      }),
    );
    return consumer;
  }
}

function validMapping(scope: Construct, mapping: OrderEventMapping): OrderEventMapping {
  const problems: string[] = [];
  for (const [field, path] of Object.entries(mapping)) {
    if (!(ORDER_EVENT_FIELDS as readonly string[]).includes(field))
      problems.push(`${field}: not an order field`);
    else if (path !== undefined && !isOrderEventPath(path))
      problems.push(`${field}: "${path}" is not a $-rooted path`);
  }
  if (problems.length)
    throw new Error(`${scope.node.path}: invalid order event mapping: ${problems.join('; ')}`);
  return Object.fromEntries(Object.entries(mapping).filter(([, path]) => path !== undefined));
}
