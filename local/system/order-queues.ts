import type { ActivityLog } from '#local/bus/activity-log.js';
import { orderRulePattern } from '#local/bus/order-rule.js';
import { LocalQueue, type QueueMessage } from '#local/bus/queue.js';
import { LOCAL_BUS_NAME, ORDER_DLQ_NAME, ORDER_QUEUE_NAME, STACK_DEFAULTS } from '#local/config.js';
import type { AwsResources } from './aws-endpoint.js';
import type { OrderPipelineOptions } from './options.js';

const orderDefaults = STACK_DEFAULTS.orderEvents;

/** The order events the rule forwards, the functions map and the demo order system puts on the bus. */
export const ORDER_EVENT_TYPES = {
  source: orderDefaults.source,
  placedDetailType: orderDefaults.placedDetailType,
  refundedDetailType: orderDefaults.refundedDetailType,
};

export interface OrderQueues {
  orderQueue: LocalQueue;
  deadLetterQueue: LocalQueue;
  close(): void;
}

/** Logs every message that reaches the DLQ: redriven ones and the ones the consumer parks with SendMessage. */
function logDeadLetter(activity: ActivityLog) {
  return (message: QueueMessage, via: 'send' | 'redrive') => {
    const attribute = (name: string) => message.messageAttributes[name]?.StringValue;
    const failureCode = attribute('failure_code');
    const failureReason = attribute('failure_reason');
    activity.append({
      kind: 'dead-letter',
      queue: ORDER_DLQ_NAME,
      messageId: attribute('original_message_id') ?? message.messageId,
      via,
      receiveCount: message.receiveCount,
      ...(failureCode ? { failureCode } : {}),
      ...(failureReason ? { failureReason } : {}),
      body: message.body,
    });
  };
}

/** The order queue, its DLQ and the rule that feeds the queue, as infra/constructs/order-events.ts makes them. */
export function createOrderQueues(
  { bus, queues }: Pick<AwsResources, 'bus' | 'queues'>,
  options: { awsUrl: string; region: string; activity: ActivityLog; pipeline?: OrderPipelineOptions },
): OrderQueues {
  const { awsUrl: endpointUrl, region } = options;
  const deadLetterQueue = queues.add(
    new LocalQueue({ name: ORDER_DLQ_NAME, endpointUrl, region, onMessage: logDeadLetter(options.activity) }),
  );
  const orderQueue = queues.add(
    new LocalQueue({
      name: ORDER_QUEUE_NAME,
      endpointUrl,
      region,
      visibilityTimeoutMs: orderDefaults.consumerTimeoutSeconds * 6 * 1000,
      redrive: {
        deadLetterQueue,
        maxReceiveCount: options.pipeline?.maxReceiveCount ?? orderDefaults.maxReceiveCount,
      },
    }),
  );
  bus.addRule({
    name: 'order-events',
    bus: LOCAL_BUS_NAME,
    pattern: orderRulePattern(ORDER_EVENT_TYPES),
    target: (event) => orderQueue.send(JSON.stringify(event)),
  });
  return {
    orderQueue,
    deadLetterQueue,
    close: () => {
      orderQueue.close();
      deadLetterQueue.close();
    },
  };
}
