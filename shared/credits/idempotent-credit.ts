import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { HttpError, toHttpError } from '#shared/http/index.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';

export interface CreditRequest {
  customerKey: string;
  idempotencyKey: string;
  body: { amount: number; currency: string; is_currency: boolean };
}

/** A stored answer: replayed as-is for a repeated request. */
export interface CreditAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  replayed?: boolean;
}

/** Records are kept for a day: a client retrying later than that is a new request. */
const RECORD_TTL_SECONDS = 24 * 60 * 60;

/**
 * Credits a customer's balance at most once per (customer, Idempotency-Key), following the IETF
 * Idempotency-Key draft: same key + same body → the first answer replayed; same key + other body →
 * 422; same key while the first is still running → 409.
 *
 * Partnero's credit is not idempotent, so an answer whose outcome is unknown (Partnero may have
 * applied it) is stored like a success: a retry with the same key replays the 502 instead of risking
 * a second credit. Errors that prove nothing was applied (validation, 404, 429, key store down) are
 * not stored, so the same key may be retried.
 */
export function createIdempotentCredit(store: BasePersistenceLayer, partnero: () => PartneroClient) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[customerKey, idempotencyKey]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: RECORD_TTL_SECONDS,
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });

  const credit = async (request: CreditRequest, call: CallOptions): Promise<CreditAnswer> => {
    try {
      const balance = await partnero().customers.creditBalance(
        request.customerKey,
        {
          amount: request.body.amount,
          amount_units: request.body.currency.toLowerCase(),
          is_currency: request.body.is_currency,
        },
        call,
      );
      return {
        statusCode: 201,
        body: {
          customer_key: request.customerKey,
          credited: {
            amount: request.body.amount,
            currency: request.body.currency.toLowerCase(),
            is_currency: request.body.is_currency,
          },
          balance: { amount: balance.balance ?? null, currency: balance.currency ?? null },
        },
      };
    } catch (error) {
      if (!isPartneroError(error) || error.code !== 'unknown_outcome') throw error;
      const http = toHttpError(error);
      return { statusCode: http.statusCode, body: { error: { code: http.code, message: http.message } } };
    }
  };

  const idempotentCredit = makeIdempotent(credit, { persistenceStore: store, config });

  return async (request: CreditRequest, context: Context, call: CallOptions): Promise<CreditAnswer> => {
    config.registerLambdaContext(context);
    try {
      return await idempotentCredit(request, call);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (error instanceof IdempotencyValidationError) {
        throw new HttpError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used with a different request body',
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpError(
          409,
          'request_in_progress',
          'A request with this Idempotency-Key is still in progress',
          {
            headers: { 'retry-after': '1' },
          },
        );
      }
      if (error instanceof IdempotencyPersistenceLayerError && /success record/i.test(error.message)) {
        // Partnero credited, but the answer could not be stored: a retry after the in-progress record
        // expires would credit again, so the client must check the balance rather than retry.
        throw new HttpError(
          502,
          'unknown_outcome',
          'The credit was sent to Partnero but its outcome could not be recorded. Check the balance before retrying.',
        );
      }
      throw cause ?? error;
    }
  };
}
