import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { batchTransactionBody, singleTransactionBody } from '#shared/api/schemas.js';
import { deadlineOf, httpRoute, jsonResponse, readJsonBody, validate } from '#shared/http/index.js';
import { type Order, outcomesToResponse, recordOrders, refundLedgerFromEnv } from '#shared/orders/index.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/** POST /transactions (IAM) — record sales for a referred customer; resending is safe. */
const runtime = lazy(() => createPartneroRuntime());
const ledger = lazy(() => refundLedgerFromEnv());

export const handler = httpRoute<APIGatewayProxyEventV2WithIAMAuthorizer>(async (event, context) => {
  const raw = readJsonBody(event, 64 * 1024);
  // Validate against the shape the client meant, so the 400 names that shape's fields.
  const isBatch = typeof raw === 'object' && raw !== null && 'transactions' in raw;
  const body = validate(isBatch ? batchTransactionBody : singleTransactionBody, raw);
  const items = 'transactions' in body ? body.transactions : [body];
  const orders: Order[] = items.map((t) => ({
    orderId: t.key,
    customerKey: body.customer_key,
    amount: t.amount,
    currency: t.currency.toLowerCase(),
    action: t.action,
    ...(t.product_id ? { productId: t.product_id } : {}),
    ...(t.product_type ? { productType: t.product_type } : {}),
  }));
  const outcomes = await recordOrders(
    runtime().partnero,
    orders,
    { deadline: deadlineOf(context) },
    ledger(),
  );
  const { statusCode, body: answer } = outcomesToResponse(outcomes);
  return jsonResponse(statusCode, answer);
});
