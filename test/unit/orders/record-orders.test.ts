import { describe, expect, it, jest } from '@jest/globals';
import { type Order, type RefundLedger, recordOrders } from '#shared/orders/index.js';
import type { PartneroClient } from '#shared/partnero/index.js';

const order = (orderId: string): Order => ({
  orderId,
  customerKey: 'bob',
  amount: 10,
  currency: 'usd',
  action: 'sale',
});

function fakeClient() {
  const create = jest.fn(async (input: { key: string }) => ({ key: input.key, rewards: [{ amount: 1 }] }));
  const del = jest.fn(async (_key: string, _call?: unknown) => undefined);
  const client = { transactions: { create, delete: del } } as unknown as PartneroClient;
  return { client, create, del };
}

describe('recordOrders with a refund ledger', () => {
  it('skips orders the ledger already knows as refunded, without calling Partnero', async () => {
    const { client, create } = fakeClient();
    const ledger: RefundLedger = {
      markRefunded: async () => {},
      refundedAmong: async () => new Set(['o-1']),
    };
    expect(await recordOrders(client, [order('o-1')], {}, ledger)).toEqual([
      { orderId: 'o-1', status: 'already_refunded' },
    ]);
    expect(create).not.toHaveBeenCalled();
  });

  it('reverses an order whose refund arrived while it was being recorded', async () => {
    const { client, create, del } = fakeClient();
    // First look: not refunded. Second look (after recording): the refund landed in between.
    const refundedAmong = jest
      .fn<RefundLedger['refundedAmong']>()
      .mockResolvedValueOnce(new Set())
      .mockResolvedValueOnce(new Set(['o-2']));
    const ledger: RefundLedger = { markRefunded: async () => {}, refundedAmong };
    const outcomes = await recordOrders(client, [order('o-2')], {}, ledger);
    expect(create).toHaveBeenCalledTimes(1);
    expect(del).toHaveBeenCalledWith('o-2', {});
    expect(outcomes).toEqual([{ orderId: 'o-2', status: 'already_refunded' }]);
  });
});
