import { HttpError, type Route } from './http.js';

export interface CompiledRoute extends Route {
  segments: string[];
}

export interface Match {
  route?: CompiledRoute;
  template: string | null;
  params: Record<string, string>;
  allowed: string[];
}

export const compile = (routes: Route[]): CompiledRoute[] =>
  routes.map((r) => ({ ...r, segments: r.path.split('/') }));

/** Matches decoded path segments; a param segment takes any value, including "a/b" or "..". */
export function match(routes: CompiledRoute[], method: string, segments: string[]): Match {
  const result: Match = { template: null, params: {}, allowed: [] };
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = route.segments.every((part, i) => {
      const value = segments[i] ?? '';
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = value;
        return value !== '';
      }
      return part === value;
    });
    if (!fits) continue;
    result.template ??= route.path;
    result.allowed.push(route.method);
    if (route.method === method && !result.route)
      Object.assign(result, { route, params, template: route.path });
  }
  return result;
}

export function decodeSegments(rawPath: string): string[] {
  try {
    return rawPath.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'Malformed URL.');
  }
}

/** 404 for an unknown path, 405 (with Allow) for a known path and another method. */
export function routeOf(found: Match): CompiledRoute {
  if (!found.template) throw new HttpError(404, 'Not found.');
  if (!found.route) {
    throw new HttpError(405, 'Method not allowed.', undefined, { allow: found.allowed.join(', ') });
  }
  return found.route;
}
