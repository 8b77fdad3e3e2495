export type PartneroErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'unknown_outcome';

import { AppError } from '#shared/errors.js';

export interface PartneroErrorInit {
  code: PartneroErrorCode;
  message: string;
  retryable: boolean;
  method: string;
  /** Request path without the query string. */
  path: string;
  status?: number;
  fields?: Record<string, string[]>;
  retryAfterMs?: number;
}

/**
 * Every failure of a Partnero call. Callers must pass only redacted text in: the client
 * strips the API key before constructing one, so message, fields and toJSON() are safe to log.
 */
export class PartneroError extends AppError {
  override readonly name = 'PartneroError';
  // `declare`: absent optional properties stay absent rather than being defined as undefined.
  declare readonly code: PartneroErrorCode;
  declare readonly status?: number;
  declare readonly retryAfterMs?: number;
  readonly method: string;
  readonly path: string;

  constructor(init: PartneroErrorInit) {
    super(init.code, init.message, {
      retryable: init.retryable,
      ...(init.fields ? { fields: init.fields } : {}),
      ...(init.retryAfterMs === undefined
        ? {}
        : { retryAfterSeconds: Math.max(1, Math.ceil(init.retryAfterMs / 1000)) }),
    });
    this.method = init.method;
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      method: this.method,
      path: this.path,
      fields: this.fields,
    };
  }
}

export function isPartneroError(e: unknown): e is PartneroError {
  return e instanceof PartneroError;
}
