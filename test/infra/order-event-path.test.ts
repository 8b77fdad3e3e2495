import { isOrderEventPath } from '../../infra/config.js';
import { isJsonPath } from '../../shared/order-events/json-path.js';

/** The stack validates `orderEvents.mapping` at synth; the consumer parses the same paths at run time. */
describe('order event mapping paths', () => {
  const samples = [
    '$.detail.orderId',
    '$.detail.items[0].sku',
    '$.detail.matrix[1][2]',
    '$.detail-type',
    '$.detail.buyer_id',
    '$.detail.0',
    `$.${'a'.repeat(254)}`,
    `$.${'a'.repeat(255)}`,
    '$.detail.items[100000]',
    '$.detail.items[100001]',
    '$',
    '$.',
    'detail.orderId',
    '$..orderId',
    '$.detail[*].id',
    "$['detail']",
    '$.detail.items[-1]',
    '$.detail.__proto__.x',
    '$.constructor',
    '$.detail.prototype[0]',
    '$.detail.protot',
    '$.detail .x',
  ];

  it.each(samples)('accepts %s exactly when the consumer can parse it', (path) => {
    expect(isOrderEventPath(path)).toBe(isJsonPath(path));
  });
});
