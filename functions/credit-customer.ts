import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { creditBody, customerKeyPath, idempotencyKeyHeader } from '#shared/api/schemas.js';
import { createIdempotentCredit } from '#shared/credits/idempotent-credit.js';
import {
  deadlineOf,
  HttpError,
  headerValue,
  httpRoute,
  jsonResponse,
  readJsonBody,
  validate,
} from '#shared/http/index.js';
import { idempotencyStoreFromEnv } from '#shared/idempotency/index.js';
import { createPartneroRuntime, lazy } from '#shared/runtime/partnero-runtime.js';

/** POST /customers/{key}/credit (IAM) — add to a customer's balance, once per Idempotency-Key. */
const runtime = lazy(() => createPartneroRuntime());
const credit = lazy(() => createIdempotentCredit(idempotencyStoreFromEnv(), () => runtime().partnero));

export const handler = httpRoute<APIGatewayProxyEventV2WithIAMAuthorizer>(async (event, context) => {
  const { key } = validate(customerKeyPath, event.pathParameters ?? {}, 'path');
  const rawIdempotencyKey = headerValue(event.headers, 'idempotency-key');
  if (rawIdempotencyKey === undefined) {
    throw new HttpError(400, 'idempotency_key_required', 'The Idempotency-Key header is required', {
      fields: { 'header.idempotency-key': ['is required'] },
    });
  }
  const idempotencyKey = validate(idempotencyKeyHeader, rawIdempotencyKey, 'header.idempotency-key');
  const body = validate(creditBody, readJsonBody(event));
  const answer = await credit()({ customerKey: key, idempotencyKey, body }, context, {
    deadline: deadlineOf(context),
  });
  return jsonResponse(
    answer.statusCode,
    answer.body,
    answer.replayed ? { headers: { 'idempotent-replayed': 'true' } } : {},
  );
});
