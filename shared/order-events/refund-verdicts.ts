import type { SQSRecord } from 'aws-lambda';
import { type RefundOutcome, refundOrder, refundPart } from '#shared/orders/index.js';
import type { OrderMessage } from './parse-message.js';
import { type Count, type OrderBatchDeps, type Verdict, verdictOf, waitOrPark } from './verdicts.js';

type Refund = Extract<OrderMessage, { kind: 'refunded' }>;

const DONE: Partial<Record<RefundOutcome['status'], Count>> = {
  refunded: 'refunded',
  partially_refunded: 'partiallyRefunded',
  refund_pending: 'refundPending',
  nothing_to_reverse: 'nothingToReverse',
  already_refunded: 'nothingToReverse',
  duplicate_refund: 'nothingToReverse',
};

function refundVerdict(outcome: RefundOutcome, record: SQSRecord, deps: OrderBatchDeps): Verdict {
  const count = DONE[outcome.status];
  if (count) return { status: 'done', count };
  if (outcome.status === 'not_recorded') {
    // A partial refund that overtook its sale: it waits for the sale like an order waits for its customer.
    return waitOrPark(record, deps.unknownCustomerMaxReceives ?? 4, {
      code: 'order_not_recorded',
      reason: `order ${outcome.orderId} is not recorded, so part of it cannot be refunded yet`,
      count: 'pending',
    });
  }
  if (outcome.status === 'refund_id_reused') {
    // Final: two refunds under one id; the first stands, someone must look at the second.
    const reason = `refund id of order ${outcome.orderId} was applied before with another amount; the first stands`;
    return { status: 'park', reason: { code: 'refund_id_reused', reason } };
  }
  if (outcome.status === 'order_refused') {
    // Final: the sale was refused or parked; someone must look (a redrive after fixing the sale).
    const reason = `order ${outcome.orderId} was not recorded, so part of it cannot be refunded: ${outcome.reason}`;
    return { status: 'park', reason: { code: 'order_refused', reason } };
  }
  return {
    status: 'retry',
    error: new Error(`order ${outcome.orderId} is ${outcome.status}`),
    count: 'pending',
  };
}

/**
 * The refunds of one batch, one order at a time and in arrival order within an order (two partial
 * refunds of one order add up; they must not race each other for nothing). A whole refund delivered
 * twice in one batch costs one call: the later copies have nothing to reverse.
 */
export async function refundVerdicts(refunds: [SQSRecord, Refund][], deps: OrderBatchDeps) {
  const verdicts = new Map<SQSRecord, Verdict>();
  const groups = new Map<string, [SQSRecord, Refund][]>();
  for (const item of refunds) groups.set(item[1].orderId, [...(groups.get(item[1].orderId) ?? []), item]);
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let wholeDone = false;
      for (const [record, { orderId, part }] of group) {
        if (!part && wholeDone) {
          verdicts.set(record, { status: 'done', count: 'nothingToReverse' });
          continue;
        }
        const outcome = part
          ? refundPart(deps, orderId, part, deps.call)
          : refundOrder(deps, orderId, deps.call);
        const verdict = await outcome.then(
          (r) => refundVerdict(r, record, deps),
          (error: unknown) => verdictOf(error, record),
        );
        if (!part && verdict.status === 'done') wholeDone = true;
        verdicts.set(record, verdict);
      }
    }),
  );
  return verdicts;
}
