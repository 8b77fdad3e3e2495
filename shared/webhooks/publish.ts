import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { AppError } from '#shared/errors.js';
import { msUntil } from '#shared/lambda/runtime.js';
import type { Delivery } from './parse-delivery.js';

/** EventBridge's limit for one PutEvents entry (Source + DetailType + Detail, UTF-8 bytes). */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

/** The metadata every republished event carries under `detail.partnero`. */
export interface PartneroEventMetadata {
  /** The Partnero event name (also the event's `detail-type`). */
  event: string;
  /** `sha256:<hex of the raw body>`: the same for every retry of a delivery, so consumers can key on it. */
  delivery_id: string;
  /** The key of the Partnero webhook subscription that sent it (the same on every delivery), or null. */
  webhook_key: string | null;
  /** When the event happened at Partnero (payload `created_at`) as ISO 8601, or null when absent/unreadable. */
  created_at: string | null;
}

/** `detail` of a republished event: the payload's `data`, plus `partnero` (which wins over a `data.partnero`). */
export type PartneroEventDetail = Record<string, unknown> & { partnero: PartneroEventMetadata };

export interface PublishTarget {
  client: Pick<EventBridgeClient, 'send'>;
  eventBusName: string;
  /** EventBridge `source`, `partnero` unless configured. */
  source: string;
}

export function eventDetail(delivery: Delivery): PartneroEventDetail {
  return {
    ...delivery.data,
    partnero: {
      event: delivery.event,
      delivery_id: delivery.deliveryId,
      webhook_key: delivery.webhookKey ?? null,
      created_at: delivery.createdAt?.toISOString() ?? null,
    },
  };
}

/** The one PutEvents entry a delivery becomes; 413 when EventBridge could never accept it. */
export function eventEntry(delivery: Delivery, target: Omit<PublishTarget, 'client'>): PutEventsRequestEntry {
  const entry = {
    EventBusName: target.eventBusName,
    Source: target.source,
    DetailType: delivery.event,
    Detail: JSON.stringify(eventDetail(delivery)),
  };
  const bytes =
    Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
  if (bytes > MAX_EVENT_ENTRY_BYTES) {
    throw new AppError(
      'payload_too_large',
      `The event would exceed EventBridge's ${MAX_EVENT_ENTRY_BYTES} byte limit`,
    );
  }
  return entry;
}

/** PutEvents failed or rejected the entry: nothing was published, so the delivery should be retried. */
export class PublishError extends AppError {
  override readonly name = 'PublishError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('publish_failed', message, { retryable: true, ...options });
  }
}

/**
 * Puts one entry on the bus, giving up at `deadline`. Throws `PublishError` when the call fails or the
 * entry is rejected (`FailedEntryCount > 0`); resolves with the EventBridge event id.
 */
export async function publishEntry(
  client: PublishTarget['client'],
  entry: PutEventsRequestEntry,
  deadline: number,
): Promise<{ eventId: string | null }> {
  let out: PutEventsCommandOutput | undefined;
  try {
    out = await client.send(new PutEventsCommand({ Entries: [entry] }), {
      abortSignal: AbortSignal.timeout(msUntil(deadline)),
    });
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    throw new PublishError(`PutEvents failed (${name})`, { cause: error });
  }
  const [result] = out?.Entries ?? [];
  if ((out?.FailedEntryCount ?? 0) > 0 || result?.ErrorCode) {
    throw new PublishError(
      `PutEvents rejected the entry (${result?.ErrorCode ?? 'unknown'}: ${result?.ErrorMessage ?? ''})`,
    );
  }
  return { eventId: result?.EventId ?? null };
}
