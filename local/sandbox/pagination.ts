import type { RequestCtx, Result } from './http.js';
import { Errors } from './validation.js';

function readPositiveInt(
  query: URLSearchParams,
  name: string,
  errors: Errors,
  fallback: number,
  max?: number,
) {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (max !== undefined && !(value >= 1 && value <= max)) {
    errors.add(name, `The ${name} must be an integer between 1 and ${max}.`);
  } else if (!(value >= 1)) {
    errors.add(name, `The ${name} must be an integer of at least 1.`);
  }
  return value;
}

/** Laravel-style page of `items` (`limit` 1–250, default 15; `page` default 1) with links and meta. */
export function paginate<T>(ctx: RequestCtx, items: T[], render: (item: T) => unknown): Result {
  const errors = new Errors();
  const limit = readPositiveInt(ctx.query, 'limit', errors, 15, 250);
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
