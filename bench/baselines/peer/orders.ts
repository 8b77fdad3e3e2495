/**
 * Peer — SQS order events the guide's way. The guide has no queue consumer and serverless-http cannot
 * take an SQS event, so this is the guide's per-order code in a loop: one `POST /transactions` per
 * `Order Placed` and one `DELETE /transactions/{key}` per `Order Refunded`, one message at a time.
 */
import type { SQSEvent } from 'aws-lambda';
import { partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: SQSEvent) => {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const { 'detail-type': type, detail } = JSON.parse(record.body);
    const answer =
      type === 'Order Refunded'
        ? await partnero('DELETE', `/transactions/${encodeURIComponent(detail.orderId)}`)
        : await partnero('POST', '/transactions', {
            customer: { key: detail.customerId },
            key: detail.orderId,
            amount: detail.amount,
            amount_units: String(detail.currency).toLowerCase(),
            action: detail.action ?? 'sale',
          });
    // 422: already recorded (a redelivery); 404: already refunded.
    if (answer.status >= 300 && answer.status !== 422 && answer.status !== 404) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
