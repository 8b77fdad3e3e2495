import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DEFAULT_ORDER_EVENTS_MAPPING,
  ORDER_EVENT_FIELDS,
  type OrderEventField,
  type OrderEventMapping,
  type PathStep,
  parseOrderEventsMapping,
  readJsonPath,
} from '#shared/order-events/mapping.js';
import {
  type PoisonCode,
  PoisonMessageError,
  parseOrderMessage,
} from '#shared/order-events/parse-message.js';
import { orderSchema } from '#shared/orders/order.js';
import { isValidKey, KEY_PATTERN } from '#shared/schemas/fields.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260303, numRuns: 300 } as const;

/**
 * Counts the runs that reached a property's assertions, by kind of case: a property that returns early,
 * branches or skips (fc.pre) passes vacuously when its generator misses, so each test asserts how many
 * cases of each kind it really hit. The fixed seed reaches about twice each minimum.
 */
function counter() {
  const hits = new Map<string, number>();
  return {
    hit: (kind: string) => hits.set(kind, (hits.get(kind) ?? 0) + 1),
    expectAtLeast: (minimums: Record<string, number>) => {
      const short = Object.entries(minimums)
        .filter(([kind, min]) => (hits.get(kind) ?? 0) < min)
        .map(([kind, min]) => `${kind}: ${hits.get(kind) ?? 0} cases, fewer than ${min}`);
      expect(short).toEqual([]);
    },
  };
}

const POISON_CODES: readonly PoisonCode[] = [
  'not_json',
  'not_an_event',
  'unknown_detail_type',
  'invalid_fields',
];

/** A 40-character value that appears nowhere else: an error message containing it echoes input. */
const MARKER = 'MRK-7f3a9c1e-5b2d-4e8f-a6c0-d9e1b2c3f4a5';

/** A foreign order system's shape, with indexes, as an operator would configure it. */
const FOREIGN = parseOrderEventsMapping(
  JSON.stringify({
    placed: 'checkout.completed',
    refunded: 'checkout.refunded',
    fields: {
      orderId: '$.detail.order.id',
      customerId: '$.detail.buyer[0].ref',
      amount: '$.detail.totals[1][0]',
      currency: '$.detail.order.currency',
      productId: '$.detail.lines[0].sku',
      productType: '$.detail.lines[0].type',
      action: '$.kind',
    },
  }),
);

// ---- generated mappings -------------------------------------------------------------------------

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const segmentName = fc.oneof(
  fc.constantFrom('detail', 'order', 'id', 'buyer', 'ref', 'amount', 'lines', 'x', '0', 'a-b', '_'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/).filter((s) => !FORBIDDEN.has(s)),
);
const pathText = fc
  .array(fc.tuple(segmentName, fc.array(fc.nat({ max: 3 }), { maxLength: 2 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((segments) => `$${segments.map(([n, ix]) => `.${n}${ix.map((i) => `[${i}]`).join('')}`).join('')}`);
const detailTypeName = fc.stringMatching(/^[A-Za-z][A-Za-z .]{0,20}$/);

/** Any mapping `parseOrderEventsMapping` accepts: each key left out keeps the default. */
const generatedMapping = fc
  .record(
    {
      placed: detailTypeName,
      refunded: detailTypeName,
      fields: fc.record(Object.fromEntries(ORDER_EVENT_FIELDS.map((f) => [f, pathText])), {
        requiredKeys: [],
      }),
    },
    { requiredKeys: [] },
  )
  .map((spec) => {
    try {
      return parseOrderEventsMapping(JSON.stringify(spec));
    } catch {
      return undefined; // e.g. placed equal to refunded once trimmed
    }
  })
  .filter((m): m is OrderEventMapping => m !== undefined);

const anyMapping = fc.oneof(
  { weight: 2, arbitrary: fc.constant(DEFAULT_ORDER_EVENTS_MAPPING) },
  { weight: 2, arbitrary: fc.constant(FOREIGN) },
  { weight: 1, arbitrary: fc.constant(parseOrderEventsMapping('{"fields":{"orderId":"$.detail.ids[2]"}}')) },
  { weight: 2, arbitrary: generatedMapping },
);

// ---- events -------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sets `value` at `steps` inside `root`, creating (or replacing) containers on the way. */
function put(root: Record<string, Json>, steps: readonly PathStep[], value: Json): void {
  let current: Json = root;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const next = steps[i + 1];
    const fresh = (): Json => (next?.kind === 'index' ? [] : {});
    if (step.kind === 'name') {
      const target = current as Record<string, Json>;
      if (last) target[step.name] = value;
      else {
        const child = target[step.name];
        const fits =
          next?.kind === 'index'
            ? Array.isArray(child)
            : typeof child === 'object' && child && !Array.isArray(child);
        if (!fits) target[step.name] = fresh();
        current = target[step.name] as Json;
      }
    } else {
      const target = current as Json[];
      while (target.length <= step.index) target.push(null);
      if (last) target[step.index] = value;
      else {
        const child = target[step.index];
        const fits =
          next?.kind === 'index'
            ? Array.isArray(child)
            : typeof child === 'object' && child && !Array.isArray(child);
        if (!fits) target[step.index] = fresh();
        current = target[step.index] as Json;
      }
    }
  });
}

const validKey = fc.stringMatching(KEY_PATTERN).filter(isValidKey);
const padded = (arb: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', ' ', '\t'), arb, fc.constantFrom('', ' ', '\n'))
    .map(([a, s, b]) => `${a}${s}${b}`);
const goodId = fc.oneof(padded(validKey), fc.maxSafeInteger());
/** Money in real units of the currencies below (at most 2 decimals): floats with more are refused. */
const goodAmount = fc.oneof(
  fc.integer({ min: 1, max: 1e9 }),
  fc
    .tuple(
      fc.integer({ min: 1, max: 99_999_999 }),
      fc.option(fc.stringMatching(/^\d{1,2}$/), { nil: undefined }),
    )
    .map(([int, frac]) => (frac === undefined ? String(int) : `${int}.${frac}`)),
  padded(fc.constantFrom('49.90', '1', '0.5', '007')),
);
const goodCurrency = fc.constantFrom('USD', 'usd', 'Eur', 'GBP', 'CHF');
const goodText = (max: number) =>
  padded(fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim() !== '' && s.trim() === s));

/** A value to set at a field's path, or undefined to leave the path absent. */
const anyJson = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }) as fc.Arbitrary<Json>;
const junk = fc.oneof(
  anyJson,
  fc.constantFrom<Json>(
    null,
    '',
    ' ',
    0,
    -1,
    1e10,
    Number.MAX_SAFE_INTEGER + 2,
    '1e5',
    '-3',
    'US',
    'ABC',
    [],
    {},
  ),
);
/** Mostly good values (so successes come up), sometimes junk, sometimes absent. */
const fieldValue = (good: fc.Arbitrary<Json>) =>
  fc.option(fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: junk }), {
    nil: undefined,
    freq: 12,
  });

const fieldValues = fc.record(
  {
    orderId: fieldValue(goodId),
    customerId: fieldValue(goodId),
    amount: fieldValue(goodAmount),
    currency: fieldValue(goodCurrency),
    productId: fieldValue(goodText(128)),
    productType: fieldValue(goodText(64)),
    action: fieldValue(goodText(64)),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Partial<Record<OrderEventField, Json | undefined>>>;

/** A detail-type to put in the envelope; `undefined` leaves it out. */
const detailTypeFor = (mapping: OrderEventMapping) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(mapping.placed, mapping.refunded) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Json | undefined>('Order Shipped', undefined, null, 7, ['Order Placed']),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  );

function envelope(
  mapping: OrderEventMapping,
  detailType: Json | undefined,
  values: Partial<Record<OrderEventField, Json | undefined>>,
): Record<string, Json> {
  const event: Record<string, Json> = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    source: 'shop.orders',
    time: '2026-01-01T12:00:00Z',
    detail: {},
  };
  if (detailType !== undefined) event['detail-type'] = detailType;
  for (const field of ORDER_EVENT_FIELDS) {
    const value = values[field];
    if (value !== undefined) put(event, mapping.fields[field].steps, value);
  }
  return event;
}

const anyEvent = anyMapping.chain((mapping) =>
  fc
    .tuple(detailTypeFor(mapping), fieldValues)
    .map(([detailType, values]) => ({ mapping, event: envelope(mapping, detailType, values) })),
);

// ---- assertions ---------------------------------------------------------------------------------

/** Any JSON, and objects with a detail-type (of any type) over any JSON detail. */
const anyJsonBody = fc.oneof(
  fc.jsonValue({ stringUnit: 'binary' }),
  fc.record({
    'detail-type': fc.oneof(
      fc.constantFrom('Order Placed', 'Order Refunded', 'checkout.completed'),
      fc.jsonValue(),
    ),
    detail: fc.jsonValue({ stringUnit: 'binary' }),
    kind: fc.jsonValue({ maxDepth: 1 }),
  }),
);

/** Runs the parser; anything thrown must be a PoisonMessageError with a known code and well-formed problems. */
function outcome(body: string, mapping: OrderEventMapping) {
  try {
    return { message: parseOrderMessage(body, mapping), error: undefined } as const;
  } catch (e) {
    expect(e).toBeInstanceOf(PoisonMessageError);
    const error = e as PoisonMessageError;
    expect(POISON_CODES).toContain(error.code);
    expect(error.retryable).toBe(false);
    if (error.code === 'invalid_fields') {
      expect(error.problems.length).toBeGreaterThan(0);
      const fields = error.problems.map((p) => {
        const field = ORDER_EVENT_FIELDS.find((f) => p.startsWith(`${f} (${mapping.fields[f].source}): `));
        expect(field).toBeDefined();
        return field;
      });
      expect(new Set(fields).size).toBe(fields.length);
    } else {
      expect(error.problems).toEqual([]);
    }
    return { message: undefined, error } as const;
  }
}

function expectValidMessage(message: ReturnType<typeof parseOrderMessage>) {
  if (message.kind === 'placed') {
    const reparsed = orderSchema.safeParse(message.order);
    expect(reparsed.success).toBe(true);
    expect(reparsed.data).toEqual(message.order);
  } else {
    expect(message.kind).toBe('refunded');
    expect(orderSchema.shape.orderId.safeParse(message.orderId)).toEqual({
      success: true,
      data: message.orderId,
    });
  }
}

/** Whether values put at `a` and at `b` would clobber each other (one is a prefix, or they branch by kind). */
function overlap(a: readonly PathStep[], b: readonly PathStep[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i] as PathStep, b[i] as PathStep];
    if (x.kind !== y.kind) return true;
    if (x.kind === 'name' ? x.name !== (y as typeof x).name : x.index !== (y as typeof x).index) return false;
  }
  return true;
}

const asId = (v: unknown) => (typeof v === 'number' ? String(v) : (v as string).trim());

describe('parseOrderMessage (property)', () => {
  it('any string body yields a valid message or a PoisonMessageError with a known code', () => {
    const cases = counter();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), anyMapping, (body, mapping) => {
        const result = outcome(body, mapping);
        cases.hit(result.error?.code ?? 'message');
        if (result.message) expectValidMessage(result.message);
      }),
      RUNS,
    );
    cases.expectAtLeast({ not_json: 150 });
  });

  it('any JSON value as the body: not an object → not_an_event, never another kind of failure', () => {
    const cases = counter();
    fc.assert(
      fc.property(anyJsonBody, anyMapping, (value, mapping) => {
        const result = outcome(JSON.stringify(value), mapping);
        cases.hit(result.error?.code ?? 'message');
        if (result.message) expectValidMessage(result.message);
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        if (!isObject || typeof (value as Record<string, unknown>)['detail-type'] !== 'string') {
          expect(result.error?.code).toBe('not_an_event');
        }
      }),
      RUNS,
    );
    cases.expectAtLeast({ not_an_event: 100, unknown_detail_type: 25, invalid_fields: 15 });
  });

  it('any event-shaped body: the detail-type decides the outcome, and a success matches the fields', () => {
    const cases = counter();
    fc.assert(
      fc.property(anyEvent, ({ mapping, event }) => {
        const result = outcome(JSON.stringify(event), mapping);
        cases.hit(result.error?.code ?? result.message?.kind ?? 'none');
        const detailType = event['detail-type'];
        const at = (f: OrderEventField) => readJsonPath(event, mapping.fields[f]);
        if (typeof detailType !== 'string') {
          expect(result.error?.code).toBe('not_an_event');
        } else if (detailType !== mapping.placed && detailType !== mapping.refunded) {
          expect(result.error?.code).toBe('unknown_detail_type');
        } else if (result.error) {
          expect(result.error.code).toBe('invalid_fields');
        } else {
          const message = result.message;
          expectValidMessage(message);
          expect(message.kind).toBe(detailType === mapping.placed ? 'placed' : 'refunded');
          if (message.kind === 'refunded') expect(message.orderId).toBe(asId(at('orderId')));
          else {
            expect(message.order.orderId).toBe(asId(at('orderId')));
            expect(message.order.customerKey).toBe(asId(at('customerId')));
            expect(message.order.amount).toBe(Number(at('amount')));
            expect(message.order.currency).toBe(String(at('currency')).toLowerCase());
          }
        }
      }),
      RUNS,
    );
    cases.expectAtLeast({
      placed: 8,
      refunded: 30,
      invalid_fields: 50,
      unknown_detail_type: 25,
      not_an_event: 20,
    });
  });

  it('an event with only good values is always accepted, normalised as documented', () => {
    const goodValues = fc.record({
      orderId: goodId,
      customerId: goodId,
      amount: goodAmount,
      currency: goodCurrency,
      productId: fc.option(goodText(128), { nil: undefined }),
      productType: fc.option(goodText(64), { nil: undefined }),
      action: fc.option(fc.oneof(goodText(64), fc.constant(null)), { nil: undefined }),
    });
    const cases = counter();
    fc.assert(
      fc.property(anyMapping, goodValues, fc.boolean(), (mapping, values, refund) => {
        // Two fields whose paths overlap would overwrite each other's values: skip those mappings.
        const paths = ORDER_EVENT_FIELDS.map((f) => mapping.fields[f].steps);
        fc.pre(paths.every((a, i) => paths.every((b, j) => i === j || !overlap(a, b))));
        const event = envelope(mapping, refund ? mapping.refunded : mapping.placed, values);
        fc.pre(event['detail-type'] === (refund ? mapping.refunded : mapping.placed));
        cases.hit(refund ? (typeof event.id === 'string' ? 'refunded' : 'no_refund_id') : 'placed');
        if (refund && typeof event.id !== 'string') {
          // A mapping that wrote over the event's own id leaves a partial refund without an id.
          expect(() => parseOrderMessage(JSON.stringify(event), mapping)).toThrow(/refundId/);
          return;
        }
        const message = parseOrderMessage(JSON.stringify(event), mapping);
        if (refund) {
          // An amount makes it a partial refund, counted once per event id (no refundId was mapped in).
          const part = { refundId: event.id, amount: Number(values.amount) };
          expect(message).toEqual({ kind: 'refunded', orderId: asId(values.orderId), part });
          return;
        }
        expect(message).toEqual({
          kind: 'placed',
          order: {
            orderId: asId(values.orderId),
            customerKey: asId(values.customerId),
            amount: Number(values.amount),
            currency: values.currency.toLowerCase(),
            action: values.action == null ? 'sale' : values.action.trim(),
            ...(values.productId === undefined ? {} : { productId: values.productId.trim() }),
            ...(values.productType === undefined ? {} : { productType: values.productType.trim() }),
          },
        });
      }),
      RUNS,
    );
    cases.expectAtLeast({ placed: 70, refunded: 70, no_refund_id: 3 });
  });

  it('never echoes a long field value: a 40-character marker in any field stays out of the error', () => {
    const markerValue = fc.constantFrom<Json>(
      MARKER,
      ` ${MARKER} `,
      `${MARKER}!`,
      `${MARKER}${MARKER}${MARKER}${MARKER}`,
      `${'x'.repeat(100)}${MARKER}`,
      [MARKER],
      { [MARKER]: MARKER },
      { value: MARKER },
    );
    const cases = counter();
    fc.assert(
      fc.property(
        anyMapping.chain((mapping) =>
          fc.tuple(
            fc.constant(mapping),
            detailTypeFor(mapping),
            fieldValues,
            fc.constantFrom(...ORDER_EVENT_FIELDS),
          ),
        ),
        markerValue,
        ([mapping, detailType, values, field], marked) => {
          const event = envelope(mapping, detailType, { ...values, [field]: marked });
          const { error } = outcome(JSON.stringify(event), mapping);
          cases.hit(error?.code ?? 'message');
          if (!error) return;
          expect(error.message).not.toContain(MARKER);
          expect(error.problems.join('\n')).not.toContain(MARKER);
        },
      ),
      RUNS,
    );
    cases.expectAtLeast({ invalid_fields: 70, unknown_detail_type: 25, not_an_event: 20 });
  });

  it('quotes at most 80 characters of an unknown detail-type', () => {
    const cases = counter();
    fc.assert(
      fc.property(
        anyMapping,
        fc.string({ unit: 'grapheme-ascii', minLength: 0, maxLength: 40 }),
        (mapping, prefix) => {
          const detailType = `${prefix}${MARKER}${MARKER}${MARKER}`; // > 120 characters
          fc.pre(detailType !== mapping.placed && detailType !== mapping.refunded);
          cases.hit('quoted');
          const { error } = outcome(JSON.stringify({ 'detail-type': detailType, detail: {} }), mapping);
          expect(error?.code).toBe('unknown_detail_type');
          expect(error?.message).not.toContain(detailType.slice(0, 81));
        },
      ),
      RUNS,
    );
    cases.expectAtLeast({ quoted: 150 });
  });
});
