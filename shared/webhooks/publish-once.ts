import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyUnknownError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { AppError } from '#shared/errors.js';
import { logger } from '#shared/lambda/runtime.js';
import { DEDUP_TTL_SECONDS } from './constants.js';

/** Records share the idempotency table with credits; this prefix keeps their keys apart. */
export const DEDUP_KEY_PREFIX = 'webhook';

export interface PublishOutcome {
  status: 'published' | 'duplicate';
  deliveryId: string;
  eventId: string | null;
}

/** What the idempotent step records as its result (and replays for a duplicate). */
interface StoredResult {
  event_id: string | null;
  duplicate?: boolean;
}

/** The hashed argument: only `delivery_id` makes the key. */
interface Job {
  delivery_id: string;
  entry: PutEventsRequestEntry;
}

/** Per-call state the idempotent step reports through (not part of the key). */
interface Call {
  deadline: number;
  published: boolean;
  eventId: string | null;
}

export type Publish = (entry: PutEventsRequestEntry, deadline: number) => Promise<{ eventId: string | null }>;

/**
 * Publishes each delivery at most once per `DEDUP_TTL_SECONDS`, with Powertools idempotency keyed by
 * the delivery id (a conditional write of an in-progress record, then the result):
 * - an id already published → `duplicate`, nothing put on the bus;
 * - an id whose first delivery is still publishing → 409, so Partnero retries later;
 * - a failed publish throws, and Powertools deletes the in-progress record: the retry publishes.
 * If the publish succeeded but the record could not be completed, the delivery still counts as
 * published (answering 5xx would make Partnero send it again).
 */
export function createPublishOnce(store: BasePersistenceLayer, publish: Publish) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'delivery_id',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: DEDUP_TTL_SECONDS,
    responseHook: (response) => ({ ...(response as object), duplicate: true }),
  });

  const step = async (job: Job, call: Call): Promise<StoredResult> => {
    const { eventId } = await publish(job.entry, call.deadline);
    call.published = true;
    call.eventId = eventId;
    return { event_id: eventId };
  };
  const once = makeIdempotent(step, { persistenceStore: store, config, keyPrefix: DEDUP_KEY_PREFIX });

  return async (
    deliveryId: string,
    entry: PutEventsRequestEntry,
    context: Context,
    deadline: number,
  ): Promise<PublishOutcome> => {
    // The in-progress record expires with this invocation, so a crashed attempt does not block retries.
    config.registerLambdaContext(context);
    const call: Call = { deadline, published: false, eventId: null };
    try {
      const result = await once({ delivery_id: deliveryId, entry }, call);
      return {
        status: result.duplicate ? 'duplicate' : 'published',
        deliveryId,
        eventId: result.event_id ?? null,
      };
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new AppError('delivery_in_progress', 'This delivery is already being processed; retry later', {
          retryable: true,
        });
      }
      if (call.published) {
        logger.warn('webhook published but its dedup record was not completed', { deliveryId, error });
        return { status: 'published', deliveryId, eventId: call.eventId };
      }
      if (error instanceof IdempotencyUnknownError) {
        logger.error('webhook dedup store failed', { deliveryId, error });
        throw new AppError('dedup_unavailable', 'Deliveries cannot be recorded right now; retry later', {
          retryable: true,
          cause: error,
        });
      }
      throw error;
    }
  };
}
