/** Floor — DELETE /transactions/{key} (IAM): note the refund in the ledger, delete the transaction. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { markRefunded } from '#bench/baselines/ledger.js';
import { json, partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: APIGatewayProxyEventV2) => {
  const key = event.pathParameters?.key as string;
  await markRefunded(key);
  const res = await partnero('DELETE', `/transactions/${encodeURIComponent(key)}`);
  if (res.status === 404) return json(404, { error: 'transaction_not_found' });
  return res.status < 300 ? json(200, { key, status: 'refunded' }) : json(502, { error: 'partnero' });
};
