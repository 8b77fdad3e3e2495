import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { lazy } from '#lambda';
import { AppError } from '#shared/errors.js';
import { readJsonBody } from '#shared/http/request.js';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { type TransactionDeps, transactionDepsFromEnv } from '#shared/lambda/transaction-deps.js';
import type { Order } from '#shared/orders/order.js';
import { countOrderOutcomes, type OrderOutcome } from '#shared/orders/order-outcomes.js';
import { recordOrders } from '#shared/orders/record-orders.js';
import { batchTransactionBody, buyerOf, singleTransactionBody } from '#shared/schemas/transaction-routes.js';
import { validate } from '#shared/schemas/validate.js';

/**
 * POST /transactions (IAM) — record sales for a referred customer, each exactly once through the order
 * ledger: resending the same request (after a timeout, a 5xx) never pays twice.
 */
export const createHandler = (deps: () => TransactionDeps) =>
  httpRoute(deps, async (event: APIGatewayProxyEventV2WithIAMAuthorizer, routeDeps, { deadline }) => {
    const raw = readJsonBody(event, 64 * 1024);
    // Validate against the shape the client meant, so the 400 names that shape's fields.
    const isBatch = typeof raw === 'object' && raw !== null && 'transactions' in raw;
    const body = validate(isBatch ? batchTransactionBody : singleTransactionBody, raw);
    const items = 'transactions' in body ? body.transactions : [body];
    const orders: Order[] = items.map((t) => ({
      orderId: t.key,
      customerKey: buyerOf(body),
      amount: t.amount,
      currency: t.currency.toLowerCase(),
      action: t.action,
      ...(t.product_id ? { productId: t.product_id } : {}),
      ...(t.product_type ? { productType: t.product_type } : {}),
    }));
    const outcomes = await recordOrders(routeDeps, orders, { deadline });
    countOrderOutcomes(routeDeps.metrics, outcomes);
    return answer(outcomes);
  });

/**
 * 201 when something was recorded, 202 when an order is still being settled (its answer from Partnero
 * was lost or another request holds it: the ledger finishes it, resending is safe), else 200. One
 * customer per request, so "not referred" and "unknown customer" are answers for the whole request.
 */
function answer(outcomes: OrderOutcome[]) {
  const failed = outcomes.find((o) => o.status === 'failed');
  if (failed) throw failed.error;
  const first = outcomes[0];
  if (first?.status === 'not_referred' && outcomes.every((o) => o.status === 'not_referred')) {
    throw new AppError('not_referred', 'Transactions can only be recorded for referred customers', {
      fields: { customer_id: [first.reason] },
    });
  }
  if (first?.status === 'unknown_customer' && outcomes.every((o) => o.status === 'unknown_customer')) {
    throw new AppError(
      'unknown_customer',
      'Partnero does not know this customer yet: enrol them, then resend',
      {
        fields: { customer_id: [first.reason] },
      },
    );
  }
  if (first?.status === 'key_reused' && outcomes.every((o) => o.status === 'key_reused')) {
    throw new AppError(
      'transaction_key_reused',
      'These keys were used before for other orders; nothing was recorded. Use a new key per order.',
      { fields: { key: outcomes.flatMap((o) => (o.status === 'key_reused' ? [o.reason] : [])) } },
    );
  }
  const has = (...statuses: OrderOutcome['status'][]) => outcomes.some((o) => statuses.includes(o.status));
  const statusCode = has('recorded') ? 201 : has('pending', 'in_progress') ? 202 : 200;
  // No reward: Partnero computes it by the program's rules and publishes no field for it in its answer;
  // it shows in the referrer's balance.
  const transactions = outcomes.map((o) => ({ key: o.orderId, status: o.status }));
  return jsonResponse(statusCode, { transactions });
}

export const fromEnv = transactionDepsFromEnv;

export const handler = createHandler(lazy(() => fromEnv()));
