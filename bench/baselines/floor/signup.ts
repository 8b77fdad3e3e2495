/**
 * Floor — POST /referrals/signup: create the customer, attributed to the `partnero_referral` cookie,
 * after the one read every self-referral check by email needs (the referrer's email), compared
 * the least careful way (lower case only).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { json, partnero } from '#bench/baselines/partnero.js';

export const handler = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const claims = event.requestContext.authorizer.jwt.claims as Record<string, string>;
  const key = claims.sub as string;
  const cookie = event.cookies?.find((c) => c.startsWith('partnero_referral='));
  const referrer = cookie ? decodeURIComponent(cookie.slice('partnero_referral='.length)) : undefined;
  let attribute = referrer !== undefined && referrer !== key;
  if (attribute && claims.email) {
    const found = await partnero('GET', `/customers/${encodeURIComponent(referrer as string)}`);
    const email = found.status === 200 ? String(found.body.data.email ?? '') : '';
    attribute = found.status === 200 && email.toLowerCase() !== claims.email.toLowerCase();
  }
  let created = true;
  let res = await partnero('POST', '/customers', {
    key,
    id: key,
    email: claims.email,
    name: claims.given_name,
    ...(attribute ? { referring_customer: { key: referrer } } : {}),
  });
  if (res.status === 422) {
    created = false;
    res = await partnero('GET', `/customers/${encodeURIComponent(key)}`);
  }
  if (res.status >= 300) return json(502, { error: 'partnero' });
  const c = res.body.data;
  return json(created ? 201 : 200, { customer: { key: c.key, referral_link: c.referral_link } });
};
