import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { lazy } from '#lambda';
import {
  CREDIT_METRICS,
  type CreditResult,
  createIdempotentCredit,
} from '#shared/credits/idempotent-credit.js';
import { AppError, validationError } from '#shared/errors.js';
import { headerValue, isHeaderSigned, readJsonBody } from '#shared/http/request.js';
import { httpRoute, jsonResponse } from '#shared/http/route.js';
import { partneroFromEnv } from '#shared/lambda/partnero.js';
import { createMetrics, type PublishableMetrics, requiredEnv } from '#shared/lambda/runtime.js';
import { invalidateDashboards } from '#shared/referrals/dashboard-cache.js';
import { creditBody, customerIdPath, idempotencyKeyHeader } from '#shared/schemas/credit-route.js';
import { parseFields, validate } from '#shared/schemas/validate.js';

/** POST /customers/{id}/credit (IAM) — add to a customer's balance, once per Idempotency-Key. */
export interface CreditDeps {
  credit: ReturnType<typeof createIdempotentCredit>;
  /** `CREDIT_METRICS` (shared/credits/idempotent-credit.ts). */
  metrics?: Pick<Metrics, 'addMetric'> & PublishableMetrics;
}

export const createHandler = (deps: () => CreditDeps) =>
  httpRoute(
    deps,
    async (event: APIGatewayProxyEventV2WithIAMAuthorizer, { credit, metrics }, { deadline }) => {
      const { id } = validate(customerIdPath, event.pathParameters ?? {}, 'path');
      const { idempotencyKey, body } = creditRequest(event);
      const { result, replayed } = await credit({ customerKey: id, idempotencyKey, body }, { deadline });
      // Every first attempt may have moved money (an unknown outcome too); a replay moved nothing.
      if (!replayed) {
        metrics?.addMetric(CREDIT_METRICS.amount, 'None', Number(body.amount));
        // The customer's cached dashboard shows the old balance.
        await invalidateDashboards([id]);
      }
      const metric =
        result.status !== 'credited'
          ? CREDIT_METRICS.unknownOutcome
          : replayed
            ? CREDIT_METRICS.replayed
            : CREDIT_METRICS.issued;
      metrics?.addMetric(metric, 'Count', 1);
      const headers = replayed ? { 'idempotent-replayed': 'true' } : undefined;
      return answer(result, headers);
    },
  );

/** The Idempotency-Key and the body, each parsed once and checked together: one answer names every invalid field. */
function creditRequest(event: APIGatewayProxyEventV2WithIAMAuthorizer) {
  const rawKey = headerValue(event.headers, 'idempotency-key');
  const body = parseFields(creditBody, readJsonBody(event));
  const bodyFields = body.ok ? {} : body.fields;
  if (rawKey === undefined) {
    throw new AppError('idempotency_key_required', 'The Idempotency-Key header is required', {
      fields: { 'header.idempotency-key': ['is required'], ...bodyFields },
    });
  }
  // Signed, or a captured request could be replayed within its signature's lifetime under new keys.
  if (!isHeaderSigned(event, 'idempotency-key')) {
    throw new AppError(
      'idempotency_key_unsigned',
      'The Idempotency-Key header must be signed: list idempotency-key in the SigV4 SignedHeaders',
      { fields: { 'header.idempotency-key': ['must be signed (SigV4 SignedHeaders)'] } },
    );
  }
  const key = parseFields(idempotencyKeyHeader, rawKey, 'header.idempotency-key');
  if (!key.ok || !body.ok) throw validationError({ ...(key.ok ? {} : key.fields), ...bodyFields });
  return { idempotencyKey: key.data, body: body.data };
}

function answer(result: CreditResult, headers: Record<string, string> | undefined) {
  const extra = headers ? { headers } : {};
  if (result.status === 'credited') {
    const { status: _, ...body } = result;
    return jsonResponse(201, body, extra);
  }
  const error = {
    code: 'unknown_outcome',
    message:
      'Partnero did not confirm the credit; it may or may not have been applied. Check the balance before ' +
      'crediting again with a new Idempotency-Key (this key keeps answering the same).',
  };
  return jsonResponse(502, { error }, extra);
}

export function fromEnv(env: NodeJS.ProcessEnv = process.env): CreditDeps {
  const { partnero } = partneroFromEnv(env);
  const store = new DynamoDBPersistenceLayer({ tableName: requiredEnv(env, 'IDEMPOTENCY_TABLE_NAME') });
  return { credit: createIdempotentCredit(store, () => partnero), metrics: createMetrics(env) };
}

export const handler = createHandler(lazy(() => fromEnv()));
