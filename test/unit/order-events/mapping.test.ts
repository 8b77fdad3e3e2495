import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ORDER_EVENTS_MAPPING,
  DEFAULT_ORDER_EVENTS_MAPPING_SPEC,
  ORDER_EVENT_FIELDS,
  type OrderEventMapping,
  OrderEventsMappingError,
  orderEventsMappingFromEnv,
  parseOrderEventsMapping,
} from '#shared/order-events/mapping.js';

const sources = (m: OrderEventMapping) =>
  Object.fromEntries(Object.entries(m.fields).map(([field, path]) => [field, path.source]));

const problemsOf = (raw: string): readonly string[] => {
  try {
    parseOrderEventsMapping(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(OrderEventsMappingError);
    expect((e as Error).message).toMatch(/^ORDER_EVENTS_MAPPING is invalid: /);
    return (e as OrderEventsMappingError).problems;
  }
  throw new Error(`expected ${raw} to be rejected`);
};

describe('parseOrderEventsMapping', () => {
  it('falls back to the default contract when absent or blank', () => {
    expect(parseOrderEventsMapping(undefined)).toBe(DEFAULT_ORDER_EVENTS_MAPPING);
    expect(parseOrderEventsMapping('  ')).toBe(DEFAULT_ORDER_EVENTS_MAPPING);
    expect(DEFAULT_ORDER_EVENTS_MAPPING.placed).toBe('Order Placed');
    expect(DEFAULT_ORDER_EVENTS_MAPPING.refunded).toBe('Order Refunded');
    expect(sources(DEFAULT_ORDER_EVENTS_MAPPING)).toEqual({
      orderId: '$.detail.orderId',
      customerId: '$.detail.customerId',
      amount: '$.detail.amount',
      currency: '$.detail.currency',
      productId: '$.detail.productId',
      productType: '$.detail.productType',
      action: '$.detail.action',
      refundId: '$.detail.refundId',
    });
    expect(parseOrderEventsMapping('{}')).toEqual(DEFAULT_ORDER_EVENTS_MAPPING);
    expect(parseOrderEventsMapping(JSON.stringify(DEFAULT_ORDER_EVENTS_MAPPING_SPEC))).toEqual(
      DEFAULT_ORDER_EVENTS_MAPPING,
    );
  });

  it('reads a foreign mapping and keeps the default for every field it leaves out', () => {
    const mapping = parseOrderEventsMapping(
      JSON.stringify({
        placed: 'checkout.completed',
        refunded: 'checkout.refunded',
        fields: {
          orderId: '$.detail.order.id',
          customerId: '$.detail.buyer.ref',
          amount: '$.detail.order.total',
          currency: '$.detail.order.currency',
          productId: '$.detail.order.lines[0].sku',
        },
      }),
    );
    expect(mapping.placed).toBe('checkout.completed');
    expect(mapping.refunded).toBe('checkout.refunded');
    expect(sources(mapping)).toEqual({
      orderId: '$.detail.order.id',
      customerId: '$.detail.buyer.ref',
      amount: '$.detail.order.total',
      currency: '$.detail.order.currency',
      productId: '$.detail.order.lines[0].sku',
      productType: '$.detail.productType',
      action: '$.detail.action',
      refundId: '$.detail.refundId',
    });
    expect(Object.keys(mapping.fields).sort()).toEqual([...ORDER_EVENT_FIELDS].sort());
  });

  it('renames only the detail-types when only they are given', () => {
    const mapping = parseOrderEventsMapping('{"placed": "Sale", "refunded": "Refund"}');
    expect(mapping).toMatchObject({ placed: 'Sale', refunded: 'Refund' });
    expect(mapping.fields).toEqual(DEFAULT_ORDER_EVENTS_MAPPING.fields);
  });

  it('names a JSON syntax error', () => {
    expect(problemsOf('{"placed": ')[0]).toMatch(/^\(root\): not valid JSON/);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"Order Placed"'],
    ['null', 'null'],
  ])('rejects %s at the root', (_label, raw) => {
    expect(problemsOf(raw)[0]).toMatch(/^\(root\): /);
  });

  it('lists every problem with its path, unknown keys and typos included', () => {
    const problems = problemsOf(
      JSON.stringify({
        placed: '',
        source: 'shop.orders',
        fields: {
          orderID: '$.detail.id',
          amount: 'detail.amount',
          currency: '$.detail.__proto__',
          action: 7,
        },
      }),
    );
    const text = problems.join('\n');
    expect(text).toContain('placed: ');
    expect(text).toMatch(/\(root\): .*source/);
    expect(text).toMatch(/fields: .*orderID/);
    expect(text).toMatch(/fields\.amount: must start with \$ \(got "detail.amount"\)/);
    expect(text).toMatch(/fields\.currency: segment "__proto__" is not allowed/);
    expect(text).toMatch(/fields\.action: /);
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('rejects hostile or unsupported paths', () => {
    for (const path of ['$..orderId', '$.detail[*]', '$.detail.constructor', '$.a;require("fs")', '$[0]']) {
      const problems = problemsOf(JSON.stringify({ fields: { orderId: path } }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^fields\.orderId: /);
    }
  });

  it('rejects the same detail-type for placed and refunded', () => {
    expect(problemsOf('{"placed": "Order", "refunded": "Order"}')).toEqual([
      'refunded: must differ from placed',
    ]);
    expect(problemsOf('{"refunded": "Order Placed"}')).toEqual(['refunded: must differ from placed']);
  });
});

describe('orderEventsMappingFromEnv', () => {
  it('parses once per distinct value', () => {
    const raw = '{"placed": "A", "refunded": "B"}';
    const first = orderEventsMappingFromEnv({ ORDER_EVENTS_MAPPING: raw });
    expect(orderEventsMappingFromEnv({ ORDER_EVENTS_MAPPING: raw })).toBe(first);
    expect(orderEventsMappingFromEnv({})).toBe(DEFAULT_ORDER_EVENTS_MAPPING);
    expect(orderEventsMappingFromEnv({})).toBe(DEFAULT_ORDER_EVENTS_MAPPING);
    expect(() => orderEventsMappingFromEnv({ ORDER_EVENTS_MAPPING: '{"nope": 1}' })).toThrow(
      OrderEventsMappingError,
    );
  });
});
