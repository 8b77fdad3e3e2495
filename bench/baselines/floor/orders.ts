/**
 * Floor — SQS order events, exactly once against a Partnero that records a repeated key twice: one
 * conditional ledger write per event (baselines/ledger.ts), one batch request per customer for
 * `Order Placed` and one write settling the batch's recorded sales, a look-up by key when Partnero's answer is lost, one DELETE per `Order Refunded`;
 * unreadable messages parked in the DLQ with SQS (created only when needed).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { claimSale, markRefunded, settleSales, unclaimSale } from '../ledger.js';
import { partnero } from '../partnero.js';

let sqs: SQSClient | undefined;
const park = (r: SQSRecord) => {
  sqs ??= new SQSClient({});
  return sqs.send(new SendMessageCommand({ QueueUrl: process.env.ORDER_DLQ_URL, MessageBody: r.body }));
};

interface Sale {
  record: SQSRecord;
  item: { key: string; amount: number; action: string; amount_units: string };
}

const call = (method: string, path: string, body?: unknown) =>
  partnero(method, path, body).catch(() => ({ status: 0, body: undefined }));

/** After a lost answer: recorded if Partnero has the key; else the claim is given back and the event retried. */
async function settleUnknown(customer: string, sale: Sale, failed: SQSRecord[]) {
  const found = await call(
    'GET',
    `/transactions?key=${encodeURIComponent(sale.item.key)}&customer.key=${customer}`,
  );
  if (found.status === 200 && found.body?.data?.length) return;
  await unclaimSale(sale.item.key).catch(() => undefined);
  failed.push(sale.record);
}

export const handler = async (event: SQSEvent) => {
  const failed: SQSRecord[] = [];
  const recorded: string[] = [];
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
  await Promise.all(
    [...sales].map(async ([customer, orders]) => {
      const claimed: Sale[] = [];
      await Promise.all(
        [...orders.values()].map((s) =>
          claimSale(s.item.key).then(
            (ok) => ok && claimed.push(s),
            () => failed.push(s.record),
          ),
        ),
      );
      if (claimed.length === 0) return;
      const body =
        claimed.length === 1
          ? { customer: { key: customer }, ...claimed[0]?.item }
          : { customer: { key: customer }, transactions: claimed.map((s) => s.item) };
      const res = await call('POST', '/transactions', body);
      if (res.status >= 200 && res.status < 300) {
        recorded.push(...claimed.map((s) => s.item.key));
        return;
      }
      if (res.status >= 400 && res.status < 500) {
        await Promise.all(claimed.map((s) => unclaimSale(s.item.key).catch(() => undefined)));
        failed.push(...claimed.map((s) => s.record));
        return;
      }
      await Promise.all(claimed.map((s) => settleUnknown(customer, s, failed)));
    }),
  );
  await settleSales(recorded).catch(() => undefined);
  await Promise.all(
    [...refunds].map(async ([key, record]) => {
      try {
        if (!(await markRefunded(key))) return;
        const res = await call('DELETE', `/transactions/${encodeURIComponent(key)}`);
        if (res.status >= 300 && res.status !== 404) failed.push(record);
      } catch {
        failed.push(record);
      }
    }),
  );
  return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
};
