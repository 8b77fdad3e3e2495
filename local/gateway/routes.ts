import { ROUTES, type Route, routeKeyOf } from '#infra/routes.js';

export type { RouteAuthorization as RouteAuth } from '#infra/routes.js';

/** Every route of the HTTP API: the stack's own table (infra/routes.ts). */
export const API_ROUTES: readonly Route[] = ROUTES;

export interface RouteMatch {
  route: Route;
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
    if (fits) return { route, routeKey: routeKeyOf(route), pathParameters };
  }
  return undefined;
}
