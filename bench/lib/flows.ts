/**
 * The four measured flows: which bundle each variant runs, and the realistic event of one invocation
 * as a JSON template in which `__SEQ__` is replaced by a unique id per invocation (new user, new
 * Idempotency-Key, new order ids), so no invocation takes a shortcut because of an earlier one.
 */
import type { Variant } from '#bench/build.js';
import { cognitoClaims, iamEvent, jwtEvent, orderEvent, sqsRecord } from './events.js';
import { BUYERS, CREDIT_USER, DASHBOARD_USER, SIGNUP_REFERRER } from './fixture.js';

export type FlowId = 'signup' | 'dashboard' | 'orders' | 'credit';

export interface Flow {
  id: FlowId;
  /** What is invoked: an HTTP route or the SQS trigger. */
  route: string;
  kind: 'http' | 'sqs';
  /** Bundle name per variant (bench/.out/bundles/<variant>/<name>.mjs). */
  bundles: Record<Variant, string>;
  template: string;
}

const signupEvent = () =>
  jwtEvent(
    cognitoClaims('bench-user-__SEQ__', {
      email: 'user-__SEQ__@example.com',
      given_name: 'Ada',
      family_name: 'Lovelace',
    }),
    {
      method: 'POST',
      path: '/referrals/signup',
      routeKey: 'POST /referrals/signup',
      body: {},
      cookies: [`partnero_referral=${SIGNUP_REFERRER}`, '_ga=GA1.1.1234567890.1700000000', 'theme=dark'],
    },
  );

const dashboardEvent = () =>
  jwtEvent(cognitoClaims(DASHBOARD_USER, { email: `${DASHBOARD_USER}@example.com` }), {
    method: 'GET',
    path: '/referrals/me',
    routeKey: 'GET /referrals/me',
    cookies: ['_ga=GA1.1.1234567890.1700000000'],
  });

const creditEvent = () =>
  iamEvent({
    method: 'POST',
    path: `/customers/${CREDIT_USER}/credit`,
    routeKey: 'POST /customers/{id}/credit',
    pathParameters: { id: CREDIT_USER },
    headers: { 'idempotency-key': 'bench-__SEQ__-5f0c2a9e' },
    body: { amount: 5, currency: 'USD', is_currency: true },
  });

/** Ten `Order Placed` messages from four customers (3 + 3 + 2 + 2 orders), as one SQS batch. */
const ordersEvent = () => {
  const customers = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3].map((i) => BUYERS[i * 7]?.key as string);
  return {
    Records: customers.map((customerId, i) =>
      sqsRecord(
        `msg-__SEQ__-${i}`,
        JSON.stringify(
          orderEvent('Order Placed', {
            orderId: `ord-__SEQ__-${i}`,
            customerId,
            amount: 19.9 + i * 10,
            currency: 'USD',
            productId: `sku-${i}`,
          }),
        ),
      ),
    ),
  };
};

export function flows(): Flow[] {
  return [
    {
      id: 'signup',
      route: 'POST /referrals/signup',
      kind: 'http',
      bundles: { project: 'signup', floor: 'signup', peer: 'signup' },
      template: JSON.stringify(signupEvent()),
    },
    {
      id: 'dashboard',
      route: 'GET /referrals/me',
      kind: 'http',
      bundles: { project: 'me', floor: 'dashboard', peer: 'dashboard' },
      template: JSON.stringify(dashboardEvent()),
    },
    {
      id: 'orders',
      route: 'SQS batch of 10 order events',
      kind: 'sqs',
      bundles: { project: 'order-consumer', floor: 'orders', peer: 'orders' },
      template: JSON.stringify(ordersEvent()),
    },
    {
      id: 'credit',
      route: 'POST /customers/{id}/credit',
      kind: 'http',
      bundles: { project: 'credit-customer', floor: 'credit', peer: 'credit' },
      template: JSON.stringify(creditEvent()),
    },
  ];
}
