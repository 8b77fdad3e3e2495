import type { SQSRecord } from 'aws-lambda';
import { type OrderOutcome, recordOrders } from '#shared/orders/index.js';
import type { OrderMessage } from './parse-message.js';
import { type OrderBatchDeps, type Verdict, verdictOf, waitOrPark } from './verdicts.js';

function placedVerdict(outcome: OrderOutcome, record: SQSRecord, deps: OrderBatchDeps): Verdict {
  switch (outcome.status) {
    case 'recorded':
      return { status: 'done', count: 'recorded' };
    case 'duplicate':
      return { status: 'done', count: 'duplicates' };
    case 'already_refunded':
      return { status: 'done', count: 'alreadyRefunded' };
    case 'key_reused':
      // Not a redelivery: another order under a settled id. A retry cannot fix it; someone must look.
      return { status: 'park', reason: { code: 'order_key_reused', reason: outcome.reason } };
    case 'not_referred':
      deps.logger?.info('order skipped: customer is not referred', {
        orderId: outcome.orderId,
        reason: outcome.reason,
      });
      return { status: 'done', count: 'skipped' };
    case 'unknown_customer':
      return waitOrPark(record, deps.unknownCustomerMaxReceives ?? 4, {
        code: 'unknown_customer',
        reason: 'Partnero does not know the customer',
        detail: outcome.reason,
        count: 'unknownCustomer',
      });
    case 'pending':
    case 'in_progress':
      return {
        status: 'retry',
        error: new Error(`order ${outcome.orderId} is ${outcome.status}`),
        count: 'pending',
      };
    default:
      return verdictOf(outcome.error, record);
  }
}

export async function placedVerdicts(
  placed: [SQSRecord, Extract<OrderMessage, { kind: 'placed' }>][],
  deps: OrderBatchDeps,
) {
  const verdicts = new Map<SQSRecord, Verdict>();
  if (placed.length === 0) return verdicts;
  let outcomes: OrderOutcome[];
  try {
    outcomes = await recordOrders(
      deps,
      placed.map(([, m]) => m.order),
      deps.call,
    );
  } catch (error) {
    outcomes = placed.map(([, m]) => ({ orderId: m.order.orderId, status: 'failed', error }));
  }
  placed.forEach(([record, { order }], i) => {
    const outcome = outcomes[i] ?? {
      orderId: order.orderId,
      status: 'failed',
      error: new Error('no outcome'),
    };
    verdicts.set(record, placedVerdict(outcome, record, deps));
  });
  return verdicts;
}
