import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { transactionKeyPath } from '#shared/api/schemas.js';
import { deadlineOf, HttpError, httpRoute, jsonResponse, validate } from '#shared/http/index.js';
import { refundLedgerFromEnv, refundOrder } from '#shared/orders/index.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/** DELETE /transactions/{key} (IAM) — a refund: deletes the transaction, which reverses its reward. */
const runtime = lazy(() => createPartneroRuntime());
const ledger = lazy(() => refundLedgerFromEnv());

export const handler = httpRoute<APIGatewayProxyEventV2WithIAMAuthorizer>(async (event, context) => {
  const { key } = validate(transactionKeyPath, event.pathParameters ?? {}, 'path');
  const outcome = await refundOrder(runtime().partnero, key, { deadline: deadlineOf(context) }, ledger());
  if (outcome.status === 'nothing_to_reverse') {
    throw new HttpError(
      404,
      'transaction_not_found',
      'No transaction with this key exists (already refunded?)',
    );
  }
  return jsonResponse(200, { key, status: outcome.status });
});
