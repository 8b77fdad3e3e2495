import type { FunctionName } from '#local/functions.js';

/** How API Gateway authorizes a route (infra/constructs/referral-api.ts `RouteAuthorization`). */
export type RouteAuth = 'jwt' | 'iam' | 'none';

export interface ApiRoute {
  method: string;
  /** Route path with `{param}` segments, as in the stack. */
  path: string;
  auth: RouteAuth;
  fn: FunctionName;
}

/** Every route of the HTTP API, as the stack defines them (referral-api.ts and webhooks.ts). */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: '/referrals/signup', auth: 'jwt', fn: 'signup' },
  { method: 'GET', path: '/referrals/me', auth: 'jwt', fn: 'me' },
  { method: 'POST', path: '/transactions', auth: 'iam', fn: 'createTransactions' },
  { method: 'DELETE', path: '/transactions/{key}', auth: 'iam', fn: 'refundTransaction' },
  { method: 'POST', path: '/customers/{key}/credit', auth: 'iam', fn: 'creditCustomer' },
  { method: 'POST', path: '/webhooks/partnero', auth: 'none', fn: 'partneroWebhook' },
];

export interface RouteMatch {
  route: ApiRoute;
  routeKey: string;
  pathParameters: Record<string, string>;
}

/**
 * Finds the route for a request path (still percent-encoded). Path parameters are decoded and take
 * exactly one segment; an undecodable parameter matches nothing (API Gateway answers 404 then too).
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const segments = rawPath.split('/');
  for (const route of API_ROUTES) {
    if (route.method !== method) continue;
    const parts = route.path.split('/');
    if (parts.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const fits = parts.every((part, i) => {
      const value = segments[i] ?? '';
      if (!part.startsWith('{')) return part === value;
      if (value === '') return false;
      try {
        pathParameters[part.slice(1, -1)] = decodeURIComponent(value);
        return true;
      } catch {
        return false;
      }
    });
    if (fits) return { route, routeKey: `${route.method} ${route.path}`, pathParameters };
  }
  return undefined;
}
