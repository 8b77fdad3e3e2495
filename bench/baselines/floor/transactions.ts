/** Floor — POST /transactions (IAM): claim each sale in the ledger (one conditional write), forward the new ones. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { claimSale } from '#bench/baselines/ledger.js';
import { json, partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: APIGatewayProxyEventV2) => {
  const body = JSON.parse(event.body ?? '{}');
  const { customer_key, ...rest } = body;
  const keys: string[] = body.transactions
    ? body.transactions.map((t: { key: string }) => t.key)
    : [body.key];
  const claimed = await Promise.all(keys.map(claimSale));
  if (!claimed.some(Boolean))
    return json(200, { transactions: keys.map((key) => ({ key, status: 'duplicate' })) });
  const res = await partnero('POST', '/transactions', { customer: { key: customer_key }, ...rest });
  return json(
    res.status < 300 ? 201 : res.status === 422 ? 422 : 502,
    res.body?.data ?? { error: 'partnero' },
  );
};
