import * as z from 'zod/mini';
import { text } from '#shared/schemas/z.js';
import { type JsonPath, parseJsonPath } from './json-path.js';

/** Fields of the canonical order an event mapping points at (docs/runtime-contract.md). */
export const ORDER_EVENT_FIELDS = [
  'orderId',
  'customerId',
  'amount',
  'currency',
  'productId',
  'productType',
  'action',
  'refundId',
] as const;
export type OrderEventField = (typeof ORDER_EVENT_FIELDS)[number];

/** How the consumer reads an EventBridge event: which detail-types mean what, and where each field is. */
export interface OrderEventMapping {
  placed: string;
  refunded: string;
  fields: Readonly<Record<OrderEventField, JsonPath>>;
}

/** The default contract, as the `ORDER_EVENTS_MAPPING` JSON it is equivalent to. */
export const DEFAULT_ORDER_EVENTS_MAPPING_SPEC = {
  placed: 'Order Placed',
  refunded: 'Order Refunded',
  fields: {
    orderId: '$.detail.orderId',
    customerId: '$.detail.customerId',
    amount: '$.detail.amount',
    currency: '$.detail.currency',
    productId: '$.detail.productId',
    productType: '$.detail.productType',
    action: '$.detail.action',
    refundId: '$.detail.refundId',
  },
} as const satisfies { placed: string; refunded: string; fields: Record<OrderEventField, string> };

/** Thrown for an unusable `ORDER_EVENTS_MAPPING`; the message lists every problem as `path: reason`. */
export class OrderEventsMappingError extends Error {
  override readonly name = 'OrderEventsMappingError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`ORDER_EVENTS_MAPPING is invalid: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const pathSchema = z.pipe(
  z.string(),
  z.transform((value: string, ctx) => {
    try {
      return parseJsonPath(value);
    } catch (e) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `${(e as Error).message} (got ${JSON.stringify(value.slice(0, 60))})`,
      });
      return z.NEVER;
    }
  }),
);

const detailType = text(1, 128);

const mappingSchema = z
  .strictObject({
    placed: z.optional(detailType),
    refunded: z.optional(detailType),
    fields: z.optional(
      z.strictObject(Object.fromEntries(ORDER_EVENT_FIELDS.map((f) => [f, z.optional(pathSchema)]))),
    ),
  })
  .check(
    z.superRefine((m, ctx) => {
      const placed = m.placed ?? DEFAULT_ORDER_EVENTS_MAPPING_SPEC.placed;
      const refunded = m.refunded ?? DEFAULT_ORDER_EVENTS_MAPPING_SPEC.refunded;
      if (placed === refunded)
        ctx.addIssue({ code: 'custom', path: ['refunded'], input: m, message: 'must differ from placed' });
    }),
  );

function build(parsed: z.output<typeof mappingSchema>): OrderEventMapping {
  const given = (parsed.fields ?? {}) as Partial<Record<OrderEventField, JsonPath>>;
  const fields = Object.fromEntries(
    ORDER_EVENT_FIELDS.map((f) => [
      f,
      given[f] ?? parseJsonPath(DEFAULT_ORDER_EVENTS_MAPPING_SPEC.fields[f]),
    ]),
  ) as Record<OrderEventField, JsonPath>;
  return {
    placed: parsed.placed ?? DEFAULT_ORDER_EVENTS_MAPPING_SPEC.placed,
    refunded: parsed.refunded ?? DEFAULT_ORDER_EVENTS_MAPPING_SPEC.refunded,
    fields: Object.freeze(fields),
  };
}

/** The default contract: detail-types `Order Placed` / `Order Refunded`, fields under `$.detail`. */
export const DEFAULT_ORDER_EVENTS_MAPPING: OrderEventMapping = Object.freeze(build({}));

/**
 * Parses `ORDER_EVENTS_MAPPING`: `{"placed"?, "refunded"?, "fields"?: {"orderId"?: "$.a.b[0]", ...}}`.
 * Absent or blank → the default contract; every key left out keeps the default's value.
 * Throws OrderEventsMappingError naming every problem (unknown keys included, so typos surface).
 */
export function parseOrderEventsMapping(raw: string | undefined): OrderEventMapping {
  if (raw === undefined || raw.trim() === '') return DEFAULT_ORDER_EVENTS_MAPPING;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new OrderEventsMappingError([`(root): not valid JSON (${(e as Error).message})`]);
  }
  const result = mappingSchema.safeParse(json);
  if (!result.success) {
    throw new OrderEventsMappingError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return build(result.data);
}

let cached: { raw: string | undefined; mapping: OrderEventMapping } | undefined;

/** The mapping from `env.ORDER_EVENTS_MAPPING`, parsed once per distinct value (per container in practice). */
export function orderEventsMappingFromEnv(env: NodeJS.ProcessEnv = process.env): OrderEventMapping {
  const raw = env.ORDER_EVENTS_MAPPING;
  if (!cached || cached.raw !== raw) cached = { raw, mapping: parseOrderEventsMapping(raw) };
  return cached.mapping;
}
