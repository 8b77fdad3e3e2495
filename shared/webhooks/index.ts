export { deliveryIdOf } from './delivery-id.js';
export { handleDelivery } from './handle-delivery.js';
export { type Delivery, deliverySchema, EVENT_NAME, parseDelivery, readTimestamp } from './parse-delivery.js';
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
export {
  createPublishOnce,
  DEDUP_KEY_PREFIX,
  DEDUP_TTL_SECONDS,
  type PublishOutcome,
} from './publish-once.js';
export { createWebhookRuntime, MAX_WEBHOOK_BODY_BYTES, type WebhookRuntime } from './runtime.js';
export {
  isValidSignature,
  parseSignature,
  SIGNATURE_HEADERS,
  signatureHeader,
  signBody,
} from './signature.js';
export { createDeliveryVerifier, invalidSignature } from './verify-delivery.js';
export { createDedicatedWebhookSecret, parseWebhookSecret, webhookSecretFromEnv } from './webhook-secret.js';
