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
 * The path parameters of `rawPath` (still percent-encoded) under `pattern` (`/customers/{id}/credit`),
 * or undefined when it does not fit. A parameter takes exactly one non-empty segment and is decoded; an
 * undecodable one matches nothing (API Gateway answers 404 then too). The one path matcher of the local
 * gateway: the API's routes and its own `/local/*` routes.
 */
export function matchPath(pattern: string, rawPath: string): Record<string, string> | undefined {
  const segments = rawPath.split('/');
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
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
  return fits ? pathParameters : undefined;
}

/** Finds the API route for a request. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  for (const route of API_ROUTES) {
    if (route.method !== method) continue;
    const pathParameters = matchPath(route.path, rawPath);
    if (pathParameters) return { route, routeKey: routeKeyOf(route), pathParameters };
  }
  return undefined;
}
