import { PartneroError } from '#shared/partnero/errors.js';

/** Whose budget refused the call. */
export type QuotaScope =
  /** The caller's own account used its calls for this minute (per-customer limit). */
  | 'account'
  /** The customer routes' share of this second is used up (global cap of the customer flows). */
  | 'customers'
  /** Partnero answered 429 and asked us to wait (`Retry-After`). */
  | 'paused'
  /** A money call found no room before its deadline. */
  | 'money';

/**
 * A Partnero call our own budget refused: it was never sent, so it is `rate_limited` and retryable,
 * never an unknown outcome, whatever the call. The HTTP routes answer it 429 with `Retry-After`
 * (shared/http/error-answers.ts), since it is this caller's share that is used up, not Partnero down.
 */
export class QuotaRefusal extends PartneroError {
  readonly scope: QuotaScope;

  constructor(scope: QuotaScope, call: { method: string; path: string }, retryAfterMs: number) {
    super({
      code: 'rate_limited',
      message: `Partnero ${call.method} ${call.path} not sent: ${REASONS[scope]}`,
      retryable: true,
      method: call.method,
      path: call.path,
      retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
    });
    this.scope = scope;
  }
}

const REASONS: Record<QuotaScope, string> = {
  account: "this account's Partnero calls for the minute are used up",
  customers: "the customer routes' share of Partnero's rate limit is used up for this second",
  paused: 'Partnero asked us to slow down (429)',
  money: 'no room in the Partnero budget before the deadline',
};

export const isQuotaRefusal = (e: unknown): e is QuotaRefusal => e instanceof QuotaRefusal;
