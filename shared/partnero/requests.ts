import { PartneroError } from './errors.js';
import type { HttpMethod } from './http.js';
import { encodePathSegment, isValidPathId } from './path.js';
import type { PageQuery } from './types.js';

/** Paths and query strings of the client's requests, checked before anything is sent. */

const MAX_LIMIT = 250;

export function invalid(method: HttpMethod, path: string, message: string): PartneroError {
  return new PartneroError({ code: 'validation', message, retryable: false, method, path });
}

/** `/customers/{id}/stats` with the id encoded; rejects unusable ids before any request. */
export function pathWith(method: HttpMethod, template: string, id: unknown): string {
  if (!isValidPathId(id)) {
    throw invalid(
      method,
      template,
      `Partnero ${method} ${template}: id must be a non-empty string that is not '.' or '..'`,
    );
  }
  return template.replace(/\{\w+\}/, encodePathSegment(id));
}

export function pageParams(method: HttpMethod, path: string, q: PageQuery | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (q?.limit !== undefined) {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
      throw invalid(
        method,
        path,
        `Partnero ${method} ${path}: limit must be an integer from 1 to ${MAX_LIMIT}`,
      );
    }
    params.set('limit', String(q.limit));
  }
  if (q?.page !== undefined) {
    if (!Number.isInteger(q.page) || q.page < 1) {
      throw invalid(method, path, `Partnero ${method} ${path}: page must be a positive integer`);
    }
    params.set('page', String(q.page));
  }
  return params;
}
