import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { lazy } from '#lambda';
import { AppError } from '#shared/errors.js';
import { readJsonBody } from '#shared/http/request.js';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { type TransactionDeps, transactionDepsFromEnv } from '#shared/lambda/transaction-deps.js';
import { countRefundOutcome, type RefundOutcome } from '#shared/orders/order-outcomes.js';
import { refundOrder, refundPart } from '#shared/orders/refund-orders.js';
import { refundBody, transactionKeyPath } from '#shared/schemas/transaction-routes.js';
import { validate } from '#shared/schemas/validate.js';

/**
 * DELETE /transactions/{key} (IAM) — a refund: deletes the transaction, which reverses its reward. The
 * ledger remembers it, so the order can never be recorded again (not even by a late or replayed sale).
 * With a body `{amount, refund_id}`, only that much is refunded: the reward follows what is left.
 * 200 refunded or partially refunded, 202 when the order is being recorded right now (a whole refund is
 * applied when it finishes).
 */
export const createHandler = (deps: () => TransactionDeps) =>
  httpRoute(deps, async (event: APIGatewayProxyEventV2WithIAMAuthorizer, routeDeps, { deadline }) => {
    const { key } = validate(transactionKeyPath, event.pathParameters ?? {}, 'path');
    const body = validate(refundBody, readJsonBody(event));
    const outcome = body
      ? await refundPart(routeDeps, key, { refundId: body.refund_id, amount: body.amount }, { deadline })
      : await refundOrder(routeDeps, key, { deadline });
    countRefundOutcome(routeDeps.metrics, outcome);
    return answer(key, outcome);
  });

function answer(key: string, outcome: RefundOutcome) {
  switch (outcome.status) {
    case 'nothing_to_reverse':
      throw new AppError('transaction_not_found', 'No transaction with this key exists (already refunded?)');
    case 'not_recorded':
      throw new AppError(
        'transaction_not_found',
        'No recorded order with this key: part of an order can be refunded once its sale is recorded',
      );
    case 'order_refused':
      // Final: the sale was refused (or parked after retries), so there is nothing to take part of.
      throw new AppError(
        'transaction_not_found',
        'The order was not recorded (Partnero refused it, or it was parked): there is nothing to refund part of',
        { fields: { key: [outcome.reason] } },
      );
    case 'refund_id_reused':
      throw new AppError(
        'refund_id_reused',
        'This refund_id was applied before with another amount; the first refund stands. Use a new refund_id per refund.',
        { fields: { refund_id: ['was applied before with another amount'] } },
      );
    case 'in_progress':
      throw new AppError('order_in_progress', 'The order is being recorded right now; retry shortly', {
        retryable: true,
      });
    case 'partially_refunded':
      return jsonResponse(200, { key, status: outcome.status, remaining: outcome.remaining });
    default:
      return jsonResponse(outcome.status === 'refund_pending' ? 202 : 200, { key, status: outcome.status });
  }
}

export const fromEnv = transactionDepsFromEnv;

export const handler = createHandler(lazy(() => fromEnv()));
