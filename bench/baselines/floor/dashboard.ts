/** Floor — GET /referrals/me: customer, stats, balance and referred friends in parallel. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { json, partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const key = encodeURIComponent(event.requestContext.authorizer.jwt.claims.sub as string);
  const [customer, stats, balance, referrals] = await Promise.all([
    partnero('GET', `/customers/${key}`),
    partnero('GET', `/customers/${key}/stats`),
    partnero('GET', `/customers/${key}/balance`),
    partnero('GET', `/customers/${key}/referrals?page=1&limit=20`),
  ]);
  if (customer.status >= 300) return json(customer.status === 404 ? 404 : 502, { error: 'partnero' });
  return json(200, {
    customer: { key: customer.body.data.key, referral_link: customer.body.data.referral_link },
    stats: stats.body.data,
    balance: balance.body.data,
    referrals: referrals.body.data,
  });
};
