import type * as z from 'zod/mini';
import { toJSONSchema } from 'zod/v4/core';
import { ROUTES, type RouteAuthorization, type RouteKey, routeKeyOf } from '#infra/routes.js';
import { creditBody } from '#shared/schemas/credit-route.js';
import { meQuery, signupBody } from '#shared/schemas/referral-routes.js';
import {
  batchTransactionBody,
  refundBody,
  singleTransactionBody,
} from '#shared/schemas/transaction-routes.js';
import {
  creditResponse,
  dashboardResponse,
  errorResponse,
  refundResponse,
  signupResponse,
  transactionsResponse,
} from './response-schemas.js';

type Schema = z.ZodMiniType;

const json = (schema: Schema, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};
const content = (schema: Schema, io: 'input' | 'output' = 'output') => ({
  'application/json': { schema: json(schema, io) },
});
const error = (description: string) => ({ description, content: content(errorResponse) });

const common = {
  '400': error('Invalid request: every invalid field is named in `error.fields`'),
  '413': error('Body over the size limit'),
  '429': error(
    '`rate_limited`: the caller used up its share of the Partnero budget (per account, or the customer share); retry after `Retry-After`',
  ),
  '502': error('Partnero failed or rejected the configured key'),
  '503': error('Partnero rate limit or Secrets Manager unavailable (`Retry-After` set)'),
  '504': error('Partnero did not answer in time'),
};
/** What each route's `auth` (infra/routes.ts) is in OpenAPI terms. */
const SECURITY: Record<RouteAuthorization, object[]> = { jwt: [{ jwt: [] }], iam: [{ sigv4: [] }], none: [] };

/** The documentation of every route of infra/routes.ts (a route without one does not compile). */
const OPERATIONS: Record<RouteKey, Record<string, unknown>> = {
  'POST /referrals/signup': {
    summary: 'Enrol the signed-in user (idempotent: call after every sign-in)',
    description:
      "The account id comes from the token (`sub` by default) and is Partnero's private customer id; the public " +
      'key in the referral link is a random one of ours (`key_type: random`), or the account id for a customer ' +
      'enrolled before (`account_id`). The referrer comes from the `partnero_referral` cookie, else the body ' +
      '`referral_key`. A self-referral or an unknown referrer is dropped (`referral_dropped`).',
    parameters: [{ name: 'partnero_referral', in: 'cookie', required: false, schema: { type: 'string' } }],
    requestBody: { required: false, content: content(signupBody, 'input') },
    responses: {
      '201': { description: 'Customer created', content: content(signupResponse) },
      '200': {
        description: 'Customer already existed; returned unchanged',
        content: content(signupResponse),
      },
      '401': error('Missing or invalid token'),
      '409': error('The email belongs to another customer'),
      '422': error('Partnero rejected the data'),
      ...common,
    },
  },
  'GET /referrals/me': {
    summary: "The signed-in user's referral link, stats, balance and referred friends",
    parameters: [{ name: 'page', in: 'query', required: false, schema: json(meQuery.shape.page, 'input') }],
    responses: {
      '200': { description: 'Dashboard', content: content(dashboardResponse) },
      '404': error('`not_enrolled`: the user never signed up'),
      ...common,
    },
  },
  'POST /transactions': {
    summary: 'Record sales of a referred customer (single or batch of ≤ 100), each exactly once',
    description:
      'Every order key goes through the order ledger: a resent request (after a timeout or a 5xx) never records ' +
      'a key twice, a refunded key is never recorded again, and an answer Partnero lost is looked up by key.',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [json(singleTransactionBody, 'input'), json(batchTransactionBody, 'input')],
          },
        },
      },
    },
    responses: {
      '201': {
        description: 'At least one transaction recorded',
        content: content(transactionsResponse),
      },
      '202': {
        description:
          'Nothing new recorded yet: an order is `pending` or `in_progress` (the ledger settles it)',
        content: content(transactionsResponse),
      },
      '200': {
        description: 'All transactions were already recorded (or refunded)',
        content: content(transactionsResponse),
      },
      '409': error(
        '`order_in_progress`, or `transaction_key_reused`: every key was settled before for another order (nothing recorded)',
      ),
      '422': error(
        '`not_referred` (nobody referred the customer), `unknown_customer` (Partnero does not know it yet: enrol, then resend), or Partnero rejected the data',
      ),
      ...common,
    },
  },
  'DELETE /transactions/{key}': {
    summary: 'Refund all of an order (no body), or part of it (`amount`, `refund_id`)',
    description:
      'Partnero has no partial refund: the order ledger deletes the transaction and records what is left under ' +
      'a derived key, so the reward follows what was really paid. Partial refunds add up, each `refund_id` counts ' +
      'once, and one that reaches the order amount refunds it in full.',
    parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }],
    requestBody: { required: false, content: content(refundBody, 'input') },
    responses: {
      '200': { description: 'Refunded, or partially refunded', content: content(refundResponse) },
      '202': {
        description: '`refund_pending`: remembered; reversed as soon as the order finishes recording',
        content: content(refundResponse),
      },
      '404': error(
        '`transaction_not_found`: nothing recorded under this key (or already refunded); for a partial refund, the sale is not recorded yet',
      ),
      '409': error(
        '`order_in_progress`: the order is being recorded right now (retry after `Retry-After`); ' +
          '`refund_id_reused`: this `refund_id` was applied before with another amount (the first stands)',
      ),
      ...common,
    },
  },
  'POST /customers/{id}/credit': {
    summary: "Credit a customer's balance, at most once per Idempotency-Key",
    parameters: [
      {
        name: 'id',
        in: 'path',
        required: true,
        description: "The customer's private id: its account id",
        schema: { type: 'string' },
      },
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        schema: { type: 'string', minLength: 8 },
      },
    ],
    requestBody: { required: true, content: content(creditBody, 'input') },
    responses: {
      '201': {
        description:
          'Credited (a repeat with the same key and body replays this, with `Idempotent-Replayed: true`)',
        content: content(creditResponse),
      },
      '404': error('Unknown customer'),
      '409': error(
        '`request_in_progress`: the first request with this key is still running, or stopped before its outcome was stored',
      ),
      '422': error('`idempotency_key_reused` with another body, or Partnero rejected the data'),
      ...common,
      '502': error(
        '`unknown_outcome` (Partnero did not confirm; stored and replayed for this key: check the balance, never retry blindly), ' +
          '`outcome_not_recorded` (credited, but the answer could not be stored: do not retry with this key), or Partnero failed',
      ),
    },
  },
  'POST /webhooks/partnero': {
    summary: 'Partnero webhook receiver (HMAC-SHA256 signature of the raw body in `Signature`)',
    responses: {
      '202': { description: 'Verified and published on the EventBridge bus' },
      '200': {
        description:
          '`duplicate` (the same body was published before) or `stale` (older than the configured age check): acknowledged, not published',
      },
      '400': error('`invalid_json`, `validation`, or `payload_too_deep` (nested deeper than 32 levels)'),
      '401': error('Missing or invalid signature'),
      '409': error('`delivery_in_progress`: the same delivery is being published (`Retry-After` set)'),
      '413': error('Body over the size limit'),
      '503': error(
        '`publish_failed` (EventBridge) or the secret/dedup store is unavailable; Partnero retries',
      ),
    },
  },
};

/** The OpenAPI 3.1 document of the HTTP API: one operation per route of infra/routes.ts. */
export function buildOpenApi() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: { ...OPERATIONS[routeKeyOf(route)], security: SECURITY[route.auth] },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Partnero referrals on AWS',
      version: '1.0.0',
      description:
        'Refer-a-friend API: customer routes take a JWT, back-office routes an IAM (SigV4) signature. ' +
        'Every error answers `{ "error": { "code", "message", "fields"? } }`.',
    },
    components: {
      securitySchemes: {
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 (execute-api)',
        },
      },
    },
    paths,
  };
}
