import { HttpError } from '#shared/http/index.js';
import type { OrderOutcome } from './order.js';

/**
 * The HTTP answer for recorded orders. A retried request is safe: orders already recorded read as
 * `duplicate`, so a client may resend a whole batch after any failure.
 */
export function outcomesToResponse(outcomes: OrderOutcome[]) {
  const failed = outcomes.find((o) => o.status === 'failed');
  if (failed) throw failed.error;
  if (outcomes.every((o) => o.status === 'not_referred')) {
    throw new HttpError(422, 'not_referred', 'Transactions can only be recorded for referred customers', {
      fields: {
        customer_key: [outcomes[0]?.status === 'not_referred' ? outcomes[0].reason : 'is not referred'],
      },
    });
  }
  const statusCode = outcomes.some((o) => o.status === 'recorded') ? 201 : 200;
  const transactions = outcomes.map((o) =>
    o.status === 'recorded'
      ? { key: o.orderId, status: o.status, reward: o.reward }
      : { key: o.orderId, status: o.status },
  );
  return { statusCode, body: { transactions } };
}
