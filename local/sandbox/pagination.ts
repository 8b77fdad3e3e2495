import type { RequestCtx, Result } from './http.js';
import { Errors } from './validation.js';

/** A list's `limit`: its range and default. Partnero's lists take 1–250 (default 15), webhooks 10–100 (10). */
export interface LimitRange {
  min: number;
  max: number;
  fallback: number;
}

export const LIST_LIMITS: LimitRange = { min: 1, max: 250, fallback: 15 };
export const WEBHOOK_LIST_LIMITS: LimitRange = { min: 10, max: 100, fallback: 10 };

function readPositiveInt(query: URLSearchParams, name: string, errors: Errors, fallback: number) {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1)) errors.add(name, `The ${name} must be an integer of at least 1.`);
  return value;
}

/** `limit` in range; outside it a 422, or (variant, where Partnero does not say which) clamped. */
function readLimit(ctx: RequestCtx, range: LimitRange, errors: Errors): number {
  const raw = ctx.query.get('limit');
  if (raw === null) return range.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (value >= range.min && value <= range.max) return value;
  if (Number.isInteger(value) && ctx.sb.variants.pick(false, true)) {
    return Math.min(range.max, Math.max(range.min, value));
  }
  errors.add('limit', `The limit must be an integer between ${range.min} and ${range.max}.`);
  return value;
}

/** Laravel-style page of `items` (`limit` in `range`; `page` default 1) with links and meta. */
export function paginate<T>(
  ctx: RequestCtx,
  items: T[],
  render: (item: T) => unknown,
  range: LimitRange = LIST_LIMITS,
): Result {
  const errors = new Errors();
  const limit = readLimit(ctx, range, errors);
  const page = readPositiveInt(ctx.query, 'page', errors, 1);
  errors.throwIfAny();

  const total = items.length;
  const lastPage = Math.max(1, Math.ceil(total / limit));
  const start = (page - 1) * limit;
  const slice = items.slice(start, start + limit);
  const link = (n: number) => {
    const query = new URLSearchParams(ctx.query);
    query.set('page', String(n));
    return `${ctx.sb.url}${ctx.rawPath}?${query}`;
  };
  return {
    status: 200,
    body: {
      status: 1,
      data: slice.map(render),
      links: {
        first: link(1),
        last: link(lastPage),
        prev: page > 1 ? link(Math.min(page - 1, lastPage)) : null,
        next: page < lastPage ? link(page + 1) : null,
      },
      meta: {
        current_page: page,
        last_page: lastPage,
        per_page: limit,
        total,
        from: slice.length > 0 ? start + 1 : null,
        to: slice.length > 0 ? start + slice.length : null,
      },
    },
  };
}
