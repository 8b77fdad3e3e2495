import { checkState, generateWorkload } from '#bench/lib/orders-workload.js';
import { SimulatedQueue } from '#bench/lib/sqs-queue.js';

const buyers = Array.from({ length: 40 }, (_, i) => ({ key: `buyer-${i}`, referrer: `ref-${i % 5}` }));
const detailOf = (body: string) => JSON.parse(body) as { 'detail-type': string; detail: { orderId: string } };

describe('order-events workload', () => {
  const workload = generateWorkload({ messages: 2000, buyers });

  it('is deterministic for a seed and has exactly the requested size and duplicate share', () => {
    expect(generateWorkload({ messages: 2000, buyers }).messages).toEqual(workload.messages);
    expect(workload.messages).toHaveLength(2000);
    expect(workload.counts.duplicates).toBe(100);
    expect(new Set(workload.messages.map((m) => m.messageId)).size).toBe(2000);
  });

  it('repeats customers within a batch and refunds only after the sale', () => {
    expect(workload.counts.distinctCustomersPerBatch).toBeLessThanOrEqual(3);
    const firstSale = new Map<string, number>();
    workload.messages.forEach((m, i) => {
      const event = detailOf(m.body);
      if (event['detail-type'] === 'Order Placed' && !firstSale.has(event.detail.orderId)) {
        firstSale.set(event.detail.orderId, i);
      }
      if (event['detail-type'] === 'Order Refunded') {
        expect(firstSale.get(event.detail.orderId)).toBeLessThan(i);
        expect(Math.floor(i / 10)).toBeGreaterThan(
          Math.floor((firstSale.get(event.detail.orderId) as number) / 10),
        );
      }
    });
  });

  it('expects every sale not refunded, and the referrers’ rewards of them', () => {
    const { transactions, refunded, balances } = workload.expected;
    expect(transactions.size).toBe(workload.counts.placed - workload.counts.refunded);
    for (const key of refunded) expect(transactions.has(key)).toBe(false);
    const total = [...balances.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
  });

  it('accepts the exact state and names lost, duplicated, resurrected and wrong-balance cases', () => {
    const { expected } = workload;
    const keys = [...expected.transactions.keys()];
    const referrers = ['ref-0', 'ref-1', 'ref-2', 'ref-3', 'ref-4'];
    expect(checkState(expected, { transactionKeys: keys, balances: expected.balances }, referrers).ok).toBe(
      true,
    );

    const refundedKey = [...expected.refunded][0] as string;
    const wrong = checkState(
      expected,
      {
        transactionKeys: [...keys.slice(1), keys[2] as string, refundedKey],
        balances: new Map([...expected.balances].map(([k, v]) => [k, k === 'ref-0' ? v + 1 : v])),
      },
      referrers,
    );
    expect(wrong).toMatchObject({ ok: false, missing: 1, duplicated: 1, unexpected: 1, wrongBalances: 1 });
  });
});

describe('simulated SQS queue', () => {
  it('hands out batches in order, redelivers failures at the tail and dead-letters after maxReceives', () => {
    const queue = new SimulatedQueue(
      ['a', 'b', 'c'].map((id) => ({ messageId: id, body: id })),
      2,
    );
    const first = queue.receive(2);
    expect(first.map((m) => m.messageId)).toEqual(['a', 'b']);
    queue.settle(first, new Set(['b']));
    expect(queue.receive(10).map((m) => [m.messageId, m.receiveCount])).toEqual([
      ['c', 1],
      ['b', 2],
    ]);
    queue.settle([{ messageId: 'b', body: 'b', receiveCount: 2 }], new Set(['b']));
    expect(queue.size).toBe(0);
    expect(queue.deadLetters.map((m) => m.messageId)).toEqual(['b']);
    expect(queue.redeliveries).toBe(1);
  });
});
