/**
 * Floor — SQS order events: one batch request per customer for `Order Placed`, one DELETE per
 * `Order Refunded`, the refund ledger in DynamoDB (sales refunded earlier are skipped), unreadable
 * messages parked in the DLQ with SQS (created only when needed).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { markRefunded, refundedAmong } from '#bench/baselines/ledger.js';
import { partnero } from '#bench/baselines/partnero.js';

let sqs: SQSClient | undefined;
const park = (r: SQSRecord) => {
  sqs ??= new SQSClient({});
  return sqs.send(new SendMessageCommand({ QueueUrl: process.env.ORDER_DLQ_URL, MessageBody: r.body }));
};

interface Sale {
  record: SQSRecord;
  item: { key: string; amount: number; action: string; amount_units: string };
}

export const handler = async (event: SQSEvent) => {
  const failed: SQSRecord[] = [];
  const sales = new Map<string, Map<string, Sale>>();
  const refunds = new Map<string, SQSRecord>();
  for (const record of event.Records) {
    let e: { 'detail-type'?: string; detail?: Record<string, unknown> } | undefined;
    try {
      e = JSON.parse(record.body);
    } catch {}
    const d = e?.detail ?? {};
    if (e?.['detail-type'] === 'Order Placed' && d.orderId && d.customerId && Number(d.amount) > 0) {
      const orders = sales.get(String(d.customerId)) ?? new Map<string, Sale>();
      const item = {
        key: String(d.orderId),
        amount: Number(d.amount),
        action: String(d.action ?? 'sale'),
        amount_units: String(d.currency).toLowerCase(),
      };
      orders.set(item.key, { record, item });
      sales.set(String(d.customerId), orders);
    } else if (e?.['detail-type'] === 'Order Refunded' && d.orderId) refunds.set(String(d.orderId), record);
    else await park(record).catch(() => failed.push(record));
  }
  const send = async (customer: string, list: Sale[]) => {
    const res =
      list.length === 1
        ? await partnero('POST', '/transactions', { customer: { key: customer }, ...list[0]?.item })
        : await partnero('POST', '/transactions', {
            customer: { key: customer },
            transactions: list.map((s) => s.item),
          });
    if (res.status < 300 || (res.status === 422 && list.length === 1)) return; // 422 on one: already recorded
    if (res.status === 422) await Promise.all(list.map((s) => send(customer, [s])));
    else failed.push(...list.map((s) => s.record));
  };
  const refunded = await refundedAmong([...sales.values()].flatMap((orders) => [...orders.keys()]));
  await Promise.all(
    [...sales].map(([customer, orders]) => {
      const list = [...orders.values()].filter((s) => !refunded.has(s.item.key));
      return list.length ? send(customer, list) : undefined;
    }),
  );
  await Promise.all(
    [...refunds].map(async ([key, record]) => {
      await markRefunded(key);
      const res = await partnero('DELETE', `/transactions/${encodeURIComponent(key)}`);
      if (res.status >= 300 && res.status !== 404) failed.push(record);
    }),
  );
  return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
};
