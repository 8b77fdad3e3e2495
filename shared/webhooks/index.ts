export { acceptDelivery, type DeliveryOutcome } from './accept-delivery.js';
export { DEDUP_TTL_SECONDS, DEFAULT_TOLERANCE_SECONDS } from './constants.js';
export { deliveryIdOf } from './delivery-id.js';
export { nestsDeeperThan } from './json-depth.js';
export {
  type Delivery,
  deliverySchema,
  EVENT_NAME,
  isStale,
  MAX_DELIVERY_DEPTH,
  parseDelivery,
  readTimestamp,
} from './parse-delivery.js';
export {
  eventDetail,
  eventEntry,
  isPublishError,
  MAX_EVENT_ENTRY_BYTES,
  type PartneroEventDetail,
  type PartneroEventMetadata,
  PublishError,
  publishEntry,
} from './publish.js';
export { createPublishOnce, DEDUP_KEY_PREFIX, type PublishOutcome } from './publish-once.js';
export { createWebhookRuntime, MAX_WEBHOOK_BODY_BYTES, type WebhookRuntime } from './runtime.js';
export {
  isValidSignature,
  matchesSignature,
  parseSignature,
  SIGNATURE_HEADERS,
  signBody,
} from './signature.js';
export { createDeliveryVerifier, invalidSignature } from './verify-delivery.js';
export { createDedicatedWebhookSecret, parseWebhookSecret, webhookSecretFromEnv } from './webhook-secret.js';
