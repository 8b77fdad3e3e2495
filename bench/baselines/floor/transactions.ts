/** Floor — POST /transactions (IAM): skip refunded orders (ledger), forward the sale(s) to Partnero. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { refundedAmong } from '#bench/baselines/ledger.js';
import { json, partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: APIGatewayProxyEventV2) => {
  const body = JSON.parse(event.body ?? '{}');
  const { customer_key, ...rest } = body;
  const keys: string[] = body.transactions
    ? body.transactions.map((t: { key: string }) => t.key)
    : [body.key];
  if ((await refundedAmong(keys)).size) return json(409, { error: 'refunded' });
  const res = await partnero('POST', '/transactions', { customer: { key: customer_key }, ...rest });
  return json(
    res.status < 300 ? 201 : res.status === 422 ? 422 : 502,
    res.body?.data ?? { error: 'partnero' },
  );
};
