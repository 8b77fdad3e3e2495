import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import {
  type BalanceUnit,
  type CallOptions,
  isPartneroError,
  type PartneroClient,
} from '#shared/partnero/index.js';

export interface CreditRequest {
  /** The customer's private id (its account id), the one Partnero addresses it by. */
  customerKey: string;
  idempotencyKey: string;
  body: { amount: number; currency: string; is_currency: boolean };
}

/** What a credit came to; stored per Idempotency-Key and replayed as-is for a repeated request. */
export type CreditResult =
  | {
      status: 'credited';
      customer_id: string;
      credited: { amount: number; currency: string; is_currency: boolean };
      /** The balance after the credit, every unit; null when Partnero's answer does not carry it. */
      balances: BalanceUnit[] | null;
    }
  /** Partnero may or may not have applied it; replayed so a retry can never credit twice. */
  | { status: 'unknown_outcome' };

export interface CreditAnswer {
  result: CreditResult;
  /** True when this is the stored answer of an earlier request with the same key and body. */
  replayed: boolean;
}

/**
 * The credit route's metrics: what became of a request, and `amount` (unit None: the amount asked for,
 * once per Idempotency-Key; the stack alarms on a large one).
 */
export const CREDIT_METRICS = {
  issued: 'CreditsIssued',
  /** An Idempotency-Key seen before: nothing moved. */
  replayed: 'CreditsReplayed',
  unknownOutcome: 'CreditsUnknownOutcome',
  amount: 'CreditAmount',
} as const;

/** Records are kept for a day: a client retrying later than that is a new request. */
const RECORD_TTL_SECONDS = 24 * 60 * 60;

/**
 * Credits a customer's balance at most once per (customer, Idempotency-Key), following the IETF
 * Idempotency-Key draft: same key + same body → the first answer replayed; same key + other body →
 * `idempotency_key_reused`; same key while the first is still running (or after it stopped before its
 * outcome was stored) → `request_in_progress`.
 *
 * Partnero's credit is not idempotent, so an outcome that is unknown (a 5xx, a timeout, a 2xx we cannot
 * read) is stored like a success: a retry with the same key replays it instead of risking a second
 * credit. Only errors that prove nothing was applied (a 4xx, the key store down before the call) leave
 * no record, so the same key may be retried.
 */
export function createIdempotentCredit(store: BasePersistenceLayer, partnero: () => PartneroClient) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[customerKey, idempotencyKey]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: RECORD_TTL_SECONDS,
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });

  const credit = async (request: CreditRequest, call: CallOptions): Promise<CreditResult> => {
    const { amount, is_currency } = request.body;
    const currency = request.body.currency.toLowerCase();
    try {
      const balance = await partnero().customers.creditBalance(
        request.customerKey,
        { amount, amount_units: currency, is_currency },
        call,
      );
      return {
        status: 'credited',
        customer_id: request.customerKey,
        credited: { amount, currency, is_currency },
        balances: balance?.units ?? null,
      };
    } catch (error) {
      if (isPartneroError(error) && error.code === 'unknown_outcome') return { status: 'unknown_outcome' };
      throw error;
    }
  };

  const idempotentCredit = makeIdempotent(credit, { persistenceStore: store, config, keyPrefix: 'credit' });

  // Not the invocation's context: Powertools would let the in-progress record lapse when this
  // invocation's time is up, and a retry after a stop between Partnero's answer and the stored outcome
  // would then credit again. Registered with the record's whole lifetime, an in-progress record holds its
  // key until the record itself expires.
  config.registerLambdaContext({ getRemainingTimeInMillis: () => RECORD_TTL_SECONDS * 1000 } as Context);
  return async (request: CreditRequest, call: CallOptions): Promise<CreditAnswer> => {
    try {
      const { replayed, ...result } = (await idempotentCredit(request, call)) as CreditResult & {
        replayed?: boolean;
      };
      return { result: result as CreditResult, replayed: replayed === true };
    } catch (error) {
      throw creditError(error);
    }
  };
}

function creditError(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new AppError(
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request body',
    );
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new AppError(
      'request_in_progress',
      'A request with this Idempotency-Key is in progress, or stopped before its outcome was recorded. ' +
        'Retry shortly; if this keeps coming, check the balance and use a new key only if the credit is missing.',
      { retryable: true },
    );
  }
  if (error instanceof IdempotencyPersistenceLayerError && /success record/i.test(error.message)) {
    // Partnero answered, but the answer could not be stored: a retry after the in-progress record expires
    // would credit again. Distinct from unknown_outcome so the client knows not to reuse this key.
    return new AppError(
      'outcome_not_recorded',
      'The credit was sent to Partnero but its outcome could not be recorded. Do not retry with this ' +
        'Idempotency-Key: check the balance, then use a new key only if the credit is missing.',
    );
  }
  // Powertools wraps a store failure (IdempotencyPersistenceLayerError…) around its cause.
  const { name, cause } = error as { name?: unknown; cause?: unknown };
  return typeof name === 'string' && name.startsWith('Idempotency') && cause !== undefined ? cause : error;
}
