import { z } from 'zod';
import { isJsonPath, ORDER_EVENT_FIELDS, type OrderEventField } from '#shared/order-events/mapping.js';
import { int, object } from './config-fields.js';

/**
 * `orderEvents` in the deployment configuration (infra/config.ts): where order events come from, their
 * shape, and how the consumer drains them.
 *
 *   busName?                             existing EventBridge bus; absent → the stack creates one
 *   source ('shop.orders'), placedDetailType ('Order Placed'), refundedDetailType ('Order Refunded')
 *   mapping? {orderId|customerId|amount|currency|productId|productType|action: '$.json.path[0]'}
 *   batchSize (10; 1–10000, ≤ 10 when maxBatchingWindowSeconds is 0), maxBatchingWindowSeconds (2; 0–300)
 *   maxReceiveCount (5; 1–1000), maxConcurrency (2; 2–1000), consumerTimeoutSeconds (30; 1–900)
 */

/** JSON path per canonical order field (`mapping`). */
export type OrderEventMapping = Partial<Record<OrderEventField, string>>;

/**
 * Mapping paths are checked with the consumer's own parser (shared/order-events/mapping.ts), so a
 * path the stack accepts is one the consumer can read.
 */
export const isOrderEventPath = (path: string): boolean => isJsonPath(path);

const orderEventPath = z.string().refine(isOrderEventPath, {
  error:
    'must be a $-rooted dotted JSON path with optional [n] indexes, e.g. $.detail.items[0].sku (no __proto__/constructor/prototype)',
});

export const orderEvents = object({
  busName: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,256}$/, {
      error: 'must be an EventBridge bus name ([A-Za-z0-9._/-], up to 256)',
    })
    .optional(),
  source: z.string().min(1).max(256).default('shop.orders'),
  placedDetailType: z.string().min(1).max(128).default('Order Placed'),
  refundedDetailType: z.string().min(1).max(128).default('Order Refunded'),
  mapping: object(
    Object.fromEntries(ORDER_EVENT_FIELDS.map((f) => [f, orderEventPath.optional()])),
  ).optional(),
  batchSize: int(1, 10_000).default(10),
  maxBatchingWindowSeconds: int(0, 300).default(2),
  maxReceiveCount: int(1, 1_000).default(5),
  maxConcurrency: int(2, 1_000).default(2),
  consumerTimeoutSeconds: int(1, 900).default(30),
})
  .prefault({})
  .superRefine((o, ctx) => {
    if (o.batchSize > 10 && o.maxBatchingWindowSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: 'must be ≤ 10 when maxBatchingWindowSeconds is 0 (SQS event source rule)',
      });
    }
    if (o.placedDetailType === o.refundedDetailType) {
      ctx.addIssue({
        code: 'custom',
        path: ['refundedDetailType'],
        message: 'must differ from placedDetailType',
      });
    }
  });
