import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { httpRoute, jsonResponse } from '#shared/http/index.js';
import { deadlineOf } from '#shared/lambda/deadline.js';
import { lazy } from '#shared/lambda/lazy.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { orderLedgerFromEnv } from '#shared/orders/ledger-env.js';
import { type RefundDeps, refundOrder } from '#shared/orders/refund-order.js';
import { transactionKeyPath } from '#shared/schemas/api.js';
import { validate } from '#shared/schemas/validate.js';

/**
 * DELETE /transactions/{key} (IAM) — a refund: deletes the transaction, which reverses its reward. The
 * ledger remembers it, so the order can never be recorded again (not even by a late or replayed sale).
 * 200 refunded, 202 when the order is being recorded right now (the refund is applied when it finishes).
 */
export const createHandler = (deps: () => RefundDeps) =>
  httpRoute<APIGatewayProxyEventV2WithIAMAuthorizer>(async (event, context) => {
    const { key } = validate(transactionKeyPath, event.pathParameters ?? {}, 'path');
    const outcome = await refundOrder(deps(), key, { deadline: deadlineOf(context) });
    if (outcome.status === 'nothing_to_reverse') {
      throw new AppError('transaction_not_found', 'No transaction with this key exists (already refunded?)');
    }
    return jsonResponse(outcome.status === 'refund_pending' ? 202 : 200, { key, status: outcome.status });
  });

export const fromEnv = (env: NodeJS.ProcessEnv = process.env): RefundDeps => ({
  partnero: partneroFromEnv(env).partnero,
  ledger: orderLedgerFromEnv(env),
});

export const handler = createHandler(lazy(() => fromEnv()));
