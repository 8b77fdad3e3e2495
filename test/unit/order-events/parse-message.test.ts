import { describe, expect, it } from '@jest/globals';
import { parseOrderEventsMapping } from '#shared/order-events/mapping.js';
import { PoisonMessageError, parseOrderMessage } from '#shared/order-events/parse-message.js';

/** An EventBridge event as the rule delivers it into SQS. */
const envelope = (detailType: string, detail: unknown) =>
  JSON.stringify({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: 'shop.orders',
    account: '123456789012',
    time: '2026-01-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });

const placed = (detail: Record<string, unknown>) =>
  envelope('Order Placed', { orderId: 'o-1', customerId: 'bob', amount: 100, currency: 'USD', ...detail });

function poison(body: string, mapping?: Parameters<typeof parseOrderMessage>[1]): PoisonMessageError {
  try {
    parseOrderMessage(body, mapping);
  } catch (e) {
    expect(e).toBeInstanceOf(PoisonMessageError);
    expect((e as PoisonMessageError).retryable).toBe(false);
    return e as PoisonMessageError;
  }
  throw new Error('expected a PoisonMessageError');
}

const foreign = parseOrderEventsMapping(
  JSON.stringify({
    placed: 'checkout.completed',
    refunded: 'checkout.refunded',
    fields: {
      orderId: '$.detail.order.id',
      customerId: '$.detail.buyer.ref',
      amount: '$.detail.order.total',
      currency: '$.detail.order.currency',
      productId: '$.detail.order.lines[0].sku',
      productType: '$.detail.order.lines[0].type',
      action: '$.detail.kind',
    },
  }),
);

describe('parseOrderMessage with the default contract', () => {
  it('reads an Order Placed event into an order', () => {
    expect(parseOrderMessage(placed({}))).toEqual({
      kind: 'placed',
      order: { orderId: 'o-1', customerKey: 'bob', amount: 100, currency: 'usd', action: 'sale' },
    });
  });

  it('keeps the optional product fields and action', () => {
    const message = parseOrderMessage(
      placed({ productId: 'pro', productType: 'plan', action: 'upgrade', amount: 12.5, currency: 'eur' }),
    );
    expect(message).toEqual({
      kind: 'placed',
      order: {
        orderId: 'o-1',
        customerKey: 'bob',
        amount: 12.5,
        currency: 'eur',
        action: 'upgrade',
        productId: 'pro',
        productType: 'plan',
      },
    });
  });

  it('treats null optional fields as absent', () => {
    const message = parseOrderMessage(placed({ productId: null, productType: null, action: null }));
    expect(message).toEqual({
      kind: 'placed',
      order: { orderId: 'o-1', customerKey: 'bob', amount: 100, currency: 'usd', action: 'sale' },
    });
  });

  it('accepts a numeric-string amount', () => {
    const message = parseOrderMessage(placed({ amount: ' 49.90 ' }));
    expect(message.kind === 'placed' && message.order.amount).toBe(49.9);
  });

  it('reads an Order Refunded event', () => {
    expect(parseOrderMessage(envelope('Order Refunded', { orderId: 'o-1' }))).toEqual({
      kind: 'refunded',
      orderId: 'o-1',
    });
  });
});

describe('parseOrderMessage with a foreign shape', () => {
  it('maps checkout.completed by configuration', () => {
    const body = JSON.stringify({
      'detail-type': 'checkout.completed',
      detail: { order: { id: 'A1', total: '49.90', currency: 'EUR' }, buyer: { ref: 'u-1' } },
    });
    expect(parseOrderMessage(body, foreign)).toEqual({
      kind: 'placed',
      order: { orderId: 'A1', customerKey: 'u-1', amount: 49.9, currency: 'eur', action: 'sale' },
    });
  });

  it('reads array elements, integer ids and the action', () => {
    const body = JSON.stringify({
      'detail-type': 'checkout.completed',
      detail: {
        kind: 'renewal',
        order: {
          id: 1001,
          total: 20,
          currency: 'usd',
          lines: [{ sku: 'pro-yearly', type: 'plan' }, { sku: 'x' }],
        },
        buyer: { ref: 42 },
      },
    });
    expect(parseOrderMessage(body, foreign)).toEqual({
      kind: 'placed',
      order: {
        orderId: '1001',
        customerKey: '42',
        amount: 20,
        currency: 'usd',
        action: 'renewal',
        productId: 'pro-yearly',
        productType: 'plan',
      },
    });
  });

  it('maps the refund by the same orderId path', () => {
    const body = JSON.stringify({ 'detail-type': 'checkout.refunded', detail: { order: { id: 'A1' } } });
    expect(parseOrderMessage(body, foreign)).toEqual({ kind: 'refunded', orderId: 'A1' });
  });

  it('does not know the default detail-types any more', () => {
    expect(poison(placed({}), foreign).code).toBe('unknown_detail_type');
  });

  it('lists the foreign paths of missing fields', () => {
    const body = JSON.stringify({ 'detail-type': 'checkout.completed', detail: { order: { id: 'A1' } } });
    expect(poison(body, foreign).problems).toEqual([
      'customerId ($.detail.buyer.ref): missing',
      'amount ($.detail.order.total): missing',
      'currency ($.detail.order.currency): missing',
    ]);
  });
});

describe('poison messages', () => {
  it.each([
    ['not JSON', 'not json {', 'not_json', 'message body is not JSON'],
    ['an empty body', '', 'not_json', 'message body is not JSON'],
    ['a JSON array', '[1,2]', 'not_an_event', 'a JSON array, not an EventBridge event'],
    ['JSON null', 'null', 'not_an_event', 'a JSON null'],
    ['a JSON string', '"Order Placed"', 'not_an_event', 'a JSON string'],
    ['an object without detail-type', '{"detail": {}}', 'not_an_event', 'no "detail-type"'],
    ['a numeric detail-type', '{"detail-type": 7}', 'not_an_event', 'no "detail-type"'],
    [
      'an inherited detail-type',
      '{"__proto__": {"detail-type": "Order Placed"}}',
      'not_an_event',
      'no "detail-type"',
    ],
    [
      'an unknown detail-type',
      envelope('Order Shipped', {}),
      'unknown_detail_type',
      'detail-type "Order Shipped" is neither "Order Placed" nor "Order Refunded"',
    ],
  ])('%s → %s', (_label, body, code, reason) => {
    const error = poison(body);
    expect(error.code).toBe(code);
    expect(error.message).toContain(reason);
  });

  it('lists every missing field of an Order Placed event, in field order', () => {
    const error = poison(envelope('Order Placed', {}));
    expect(error.code).toBe('invalid_fields');
    expect(error.problems).toEqual([
      'orderId ($.detail.orderId): missing',
      'customerId ($.detail.customerId): missing',
      'amount ($.detail.amount): missing',
      'currency ($.detail.currency): missing',
    ]);
    expect(error.message).toBe(`"Order Placed" event has invalid fields: ${error.problems.join('; ')}`);
  });

  it('treats a missing detail as missing fields', () => {
    expect(poison(JSON.stringify({ 'detail-type': 'Order Placed' })).problems).toHaveLength(4);
  });

  it('lists invalid values next to missing ones', () => {
    const error = poison(
      envelope('Order Placed', {
        orderId: '../customers',
        amount: 'abc',
        currency: 'dollars',
        productId: { sku: 'x' },
        action: '',
      }),
    );
    expect(error.problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'orderId ($.detail.orderId)',
      'customerId ($.detail.customerId)',
      'amount ($.detail.amount)',
      'currency ($.detail.currency)',
      'productId ($.detail.productId)',
      'action ($.detail.action)',
    ]);
    const text = error.problems.join('\n');
    expect(text).toContain('orderId ($.detail.orderId): must be 1–128 characters');
    expect(text).toContain('customerId ($.detail.customerId): missing');
    expect(text).toContain('currency ($.detail.currency): must be a 3-letter ISO 4217 currency code');
    expect(text).toContain('productId ($.detail.productId): expected a string, got object');
    expect(text).not.toContain('../customers'); // values are described, not echoed
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['a negative string', '-5'],
    ['an exponent string', '1e3'],
    ['a comma decimal', '49,90'],
    ['a huge amount', 1e12],
    ['a boolean', true],
    ['an array', [1]],
  ])('rejects %s as amount', (_label, amount) => {
    const error = poison(placed({ amount }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^amount \(\$\.detail\.amount\): /);
  });

  it('rejects a refund without a usable orderId', () => {
    expect(poison(envelope('Order Refunded', {})).problems).toEqual(['orderId ($.detail.orderId): missing']);
    const hostile = poison(envelope('Order Refunded', { orderId: '..' }));
    expect(hostile.code).toBe('invalid_fields');
    expect(hostile.problems[0]).toMatch(/^orderId \(\$\.detail\.orderId\): must not consist of dots only/);
    expect(poison(envelope('Order Refunded', { orderId: ['o-1'] })).problems).toEqual([
      'orderId ($.detail.orderId): expected a string, got array',
    ]);
  });

  it('truncates a long unknown detail-type in the reason', () => {
    const error = poison(envelope('x'.repeat(5000), {}));
    expect(error.message.length).toBeLessThan(200);
  });
});
