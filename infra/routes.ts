/**
 * The HTTP API's routes, once: the stack (referral-api.ts, webhooks.ts), the local gateway, the
 * OpenAPI document and the tests all read this table. CDK-free, so `npm start` and the tools import it
 * without the CDK.
 */
import type { EntryName } from './entries.js';

/** How API Gateway authorizes a route: the customer's JWT, an IAM (SigV4) signature, or nothing. */
export type RouteAuthorization = 'jwt' | 'iam' | 'none';

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** With `{param}` segments, as API Gateway writes them. */
  readonly path: string;
  readonly entry: EntryName;
  readonly auth: RouteAuthorization;
}

export const ROUTES = [
  { method: 'POST', path: '/referrals/signup', entry: 'signup', auth: 'jwt' },
  { method: 'GET', path: '/referrals/me', entry: 'me', auth: 'jwt' },
  { method: 'POST', path: '/transactions', entry: 'createTransactions', auth: 'iam' },
  { method: 'DELETE', path: '/transactions/{key}', entry: 'refundTransaction', auth: 'iam' },
  { method: 'POST', path: '/customers/{id}/credit', entry: 'creditCustomer', auth: 'iam' },
  // No authorizer: Partnero cannot send a JWT or sign with SigV4; the function checks the HMAC signature.
  { method: 'POST', path: '/webhooks/partnero', entry: 'partneroWebhook', auth: 'none' },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];
/** `METHOD /path`, as API Gateway names a route. */
type KeyOf<R> = R extends RouteDefinition ? `${R['method']} ${R['path']}` : never;
export type RouteKey = KeyOf<Route>;
export const routeKeyOf = (route: RouteDefinition) => `${route.method} ${route.path}` as RouteKey;

/** The route an entry serves (every HTTP entry serves exactly one). */
export function routeOf(entry: Route['entry']): Route {
  const route = ROUTES.find((r) => r.entry === entry);
  if (!route) throw new Error(`No route is served by ${entry}`);
  return route;
}
