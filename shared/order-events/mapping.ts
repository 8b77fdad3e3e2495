import * as z from 'zod/mini';
import { text } from '#shared/schemas/z.js';

/**
 * The order-events mapping: which detail-types mean what, and where each field of an event is, as a path
 * in a deliberately tiny JSON-path subset: `$` followed by dotted names, each optionally indexed with
 * `[n]` (`$.detail.items[0].sku`). Written by hand because the JSONPath libraries implement filters,
 * wildcards and script expressions this project must never evaluate; this subset is all a field
 * mapping needs, is parsed up front, and reads only own data properties (no getters, no prototype).
 */

export type PathStep = { kind: 'name'; name: string } | { kind: 'index'; index: number };

/** A parsed path: the original text and its steps. */
export interface JsonPath {
  readonly source: string;
  readonly steps: readonly PathStep[];
}

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

const MAX_PATH_LENGTH = 256;
const MAX_INDEX = 100_000;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const SEGMENT = /^\.([A-Za-z0-9_-]+)((?:\[\d+\])*)/;

/** Parses `path`, throwing JsonPathError with a readable reason for anything outside the subset. */
export function parseJsonPath(path: unknown): JsonPath {
  if (typeof path !== 'string') throw new JsonPathError('must be a string');
  if (path.length > MAX_PATH_LENGTH) throw new JsonPathError(`must be at most ${MAX_PATH_LENGTH} characters`);
  if (!path.startsWith('$')) throw new JsonPathError('must start with $');
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  if (rest === '') throw new JsonPathError('must name at least one field after $ (e.g. $.detail.orderId)');
  while (rest !== '') {
    const match = SEGMENT.exec(rest);
    if (!match) {
      throw new JsonPathError(
        `unsupported syntax at "${rest.slice(0, 20)}": only .name segments (letters, digits, _ and -) with optional [n] indexes`,
      );
    }
    const name = match[1] as string;
    if (FORBIDDEN.has(name)) throw new JsonPathError(`segment "${name}" is not allowed`);
    steps.push({ kind: 'name', name });
    for (const [, digits] of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      const index = Number(digits);
      if (index > MAX_INDEX) throw new JsonPathError(`index ${digits} is larger than ${MAX_INDEX}`);
      steps.push({ kind: 'index', index });
    }
    rest = rest.slice(match[0].length);
  }
  return { source: path, steps };
}

/** True when `path` is inside the supported subset. */
export function isJsonPath(path: unknown): boolean {
  try {
    parseJsonPath(path);
    return true;
  } catch {
    return false;
  }
}

/** An own data property's value; never runs a getter and never reads the prototype chain. */
function own(target: object, key: string | number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

/**
 * The value at `path` inside `root`, or undefined when any step is missing or of the wrong type
 * (a name on an array or primitive, an index on a non-array or out of range). Never throws.
 */
export function readJsonPath(root: unknown, path: JsonPath): unknown {
  let current: unknown = root;
  try {
    for (const step of path.steps) {
      if (typeof current !== 'object' || current === null) return undefined;
      if (step.kind === 'name') {
        if (Array.isArray(current)) return undefined;
        current = own(current, step.name);
      } else {
        if (!Array.isArray(current) || step.index >= current.length) return undefined;
        current = own(current, step.index);
      }
    }
  } catch {
    return undefined; // e.g. a Proxy whose trap throws; JSON-parsed input never gets here
  }
  return current;
}

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
