import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError, type AppErrorCode } from '#shared/errors.js';
import { type ErrorAnswer, errorAnswer } from '#shared/http/error-answers.js';
import { PoisonMessageError } from '#shared/order-events/parse-message.js';
import { PartneroError, type PartneroErrorCode, parseRetryAfter } from '#shared/partnero/errors.js';
import { SecretError, type SecretErrorCode } from '#shared/secrets/secret-value.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260305, numRuns: 400 } as const;

// `Record<Code, true>`: the compiler refuses these lists once a code is added and not listed here.
const APP_CODES = Object.keys({
  validation: true,
  invalid_json: true,
  payload_too_large: true,
  payload_too_deep: true,
  unsupported_media_type: true,
  idempotency_key_required: true,
  idempotency_key_unsigned: true,
  unauthorized: true,
  invalid_identity: true,
  not_enrolled: true,
  conflict: true,
  email_in_use: true,
  transaction_not_found: true,
  transaction_key_reused: true,
  refund_id_reused: true,
  not_referred: true,
  unknown_customer: true,
  order_in_progress: true,
  ledger_unavailable: true,
  idempotency_key_reused: true,
  request_in_progress: true,
  unknown_outcome: true,
  outcome_not_recorded: true,
  secret_unavailable: true,
  not_configured: true,
  publish_failed: true,
  dedup_unavailable: true,
  delivery_in_progress: true,
} satisfies Record<AppErrorCode, true>) as AppErrorCode[];
const PARTNERO_CODES = Object.keys({
  unauthorized: true,
  forbidden: true,
  not_found: true,
  validation: true,
  conflict: true,
  rate_limited: true,
  unavailable: true,
  timeout: true,
  network: true,
  unknown_outcome: true,
} satisfies Record<PartneroErrorCode, true>) as PartneroErrorCode[];
const SECRET_CODES = Object.keys({
  secret_unavailable: true,
  secret_invalid: true,
} satisfies Record<SecretErrorCode, true>) as SecretErrorCode[];

/** A 40-character text that appears nowhere else: an answer containing it leaked an error's details. */
const MARKER = 'LEAK-0b6c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}${MARKER}`),
);
const nonEmptyText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}${MARKER}`),
);
const fields = fc.dictionary(
  fc.string({ maxLength: 12 }),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
  {
    maxKeys: 4,
  },
);
/** Seconds as a caller would give them: whole, fractional, zero or below (the answer rounds up to ≥ 1). */
const seconds = fc.oneof(fc.nat({ max: 86_400 }), fc.double({ min: -10, max: 86_400, noNaN: true }));
/**
 * Retry-After in ms as the Partnero client hands it over (`parseRetryAfter`: `ceil(seconds * 1000)` for a
 * run of digits, or the time until an HTTP date), up to 10^20 ms; larger values are the known bug below.
 */
const retryAfterMs = fc.oneof(
  fc.nat({ max: 86_400_000 }),
  fc.double({ min: 0, max: 86_400_000, noNaN: true }),
  fc.double({ min: 0, max: 1e20, noNaN: true }),
);

const appError = fc
  .record(
    {
      code: fc.constantFrom(...APP_CODES),
      message: nonEmptyText,
      retryable: fc.boolean(),
      fields,
      retryAfterSeconds: seconds,
      cause: fc.anything(),
    },
    { requiredKeys: ['code', 'message'] },
  )
  .map(({ code, message, ...options }) => ({
    kind: 'app' as const,
    error: new AppError(code, message, options),
  }));

const partneroError = fc
  .record(
    {
      code: fc.constantFrom(...PARTNERO_CODES),
      message: text,
      retryable: fc.boolean(),
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      path: fc.oneof(
        fc.constant('/customers/alice'),
        fc.string({ maxLength: 10 }).map((s) => `/x/${MARKER}${s}`),
      ),
      status: fc.integer({ min: 100, max: 599 }),
      fields,
      retryAfterMs,
    },
    { requiredKeys: ['code', 'message', 'retryable', 'method', 'path'] },
  )
  .map((init) => ({ kind: 'partnero' as const, error: new PartneroError(init) }));

const secretError = fc
  .tuple(fc.constantFrom(...SECRET_CODES), text, text)
  .map(([code, secretId, message]) => ({
    kind: 'secret' as const,
    error: new SecretError(code, secretId, message),
  }));

/** An AWS SDK failure: a ServiceException, or any object that carries `$metadata`. */
const sdkError = fc.tuple(fc.anything(), text, fc.boolean()).map(([metadata, message, asError]) => ({
  kind: 'sdk' as const,
  error: asError
    ? Object.assign(new Error(message), { name: 'ResourceNotFoundException', $metadata: metadata })
    : { $metadata: metadata, message, stack: `Error: ${message}\n    at handler (index.js:1:1)` },
}));

/** Anything else: a bug, a library's own error, or an AppError whose code the table does not know. */
const unexpected = fc
  .oneof(
    fc.anything().filter((v) => !(typeof v === 'object' && v !== null && '$metadata' in v)),
    text.map((m) => new Error(m)),
    text.map((m) => new TypeError(`Cannot read properties of undefined (reading '${m}')`)),
    fc.record({ message: text, stack: text, code: text, status: fc.integer() }),
    fc.constantFrom(undefined, null, '', 0, Number.NaN, Symbol('x'), () => MARKER),
    fc
      .constantFrom('not_json', 'not_an_event', 'unknown_detail_type', 'invalid_fields')
      .chain((code) => text.map((m) => new PoisonMessageError(code, m, [m]))),
    fc
      .tuple(
        fc.stringMatching(/^[a-z_]{1,20}$/).filter((c) => !(APP_CODES as string[]).includes(c)),
        text,
      )
      .map(([code, m]) => new AppError(code, m)),
  )
  .map((error) => ({ kind: 'unexpected' as const, error: error as unknown }));

const anyThrown = fc.oneof(appError, partneroError, secretError, sdkError, unexpected);

const STACK_FRAME = /\n\s+at /;

function expectWellFormed(answer: ErrorAnswer) {
  expect(Number.isInteger(answer.status) && answer.status >= 400 && answer.status <= 599).toBe(true);
  expect(answer.code).toMatch(/^[a-z_]+$/);
  expect(typeof answer.message === 'string' && answer.message.length > 0).toBe(true);
  expect(answer.message).not.toMatch(STACK_FRAME);
  if (answer.fields !== undefined) {
    expect(typeof answer.fields === 'object' && answer.fields !== null && !Array.isArray(answer.fields)).toBe(
      true,
    );
    for (const [name, reasons] of Object.entries(answer.fields)) {
      expect(typeof name).toBe('string');
      expect(Array.isArray(reasons) && reasons.every((r) => typeof r === 'string')).toBe(true);
    }
  }
  if (answer.headers !== undefined) {
    for (const value of Object.values(answer.headers)) expect(typeof value).toBe('string');
    const retry = answer.headers['retry-after'];
    // RFC 9110 delta-seconds: digits only, and at least 1 so clients do not hot-loop.
    if (retry !== undefined) expect(retry).toMatch(/^[1-9]\d*$/);
  }
}

/** Retry-After headers of delta-seconds, up to 400 digits (lengths spread over the whole range). */
const digits = fc
  .tuple(
    fc.constantFrom(...'123456789'),
    fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 400, size: 'max' }),
  )
  .map(([first, rest]) => `${first}${rest}`);

describe('errorAnswer (property)', () => {
  it('maps any thrown value to a 4xx/5xx with a code, a message and well-formed fields and headers', () => {
    fc.assert(
      fc.property(anyThrown, ({ error }) => {
        expectWellFormed(errorAnswer(error));
      }),
      RUNS,
    );
  });

  it('never shows a stack trace', () => {
    fc.assert(
      fc.property(anyThrown, ({ error }) => {
        const answer = errorAnswer(error);
        const stack = error instanceof Error ? error.stack : undefined;
        if (stack?.includes('\n')) expect(answer.message).not.toContain(stack);
        expect(JSON.stringify(answer)).not.toMatch(/\\n\s+at /);
      }),
      RUNS,
    );
  });

  it('answers anything unexpected with an opaque 500 that says only "Internal error"', () => {
    fc.assert(
      fc.property(unexpected, ({ error }) => {
        expect(errorAnswer(error)).toEqual({ status: 500, code: 'internal', message: 'Internal error' });
      }),
      RUNS,
    );
  });

  it('answers an AWS SDK failure with a 503 to retry, never its message', () => {
    fc.assert(
      fc.property(sdkError, ({ error }) => {
        const answer = errorAnswer(error);
        expect(answer).toEqual({
          status: 503,
          code: 'dependency_unavailable',
          message: 'A backing service is unavailable; retry later',
          headers: { 'retry-after': '1' },
        });
      }),
      RUNS,
    );
  });

  it('passes an AppError of a known code through with its own message, fields and Retry-After', () => {
    fc.assert(
      fc.property(appError, ({ error }) => {
        const answer = errorAnswer(error);
        expect(answer.code).toBe(error.code);
        expect(answer.message).toBe(error.message);
        expect(answer.fields).toEqual(error.fields);
        if (error.retryAfterSeconds !== undefined) {
          expect(answer.headers).toEqual({
            'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))),
          });
        }
        // The code says whose fault it is: the caller's (4xx) or a dependency's (5xx).
        const dependency = /unavailable|not_configured|publish_failed|unknown_outcome|outcome_not_recorded/;
        expect(answer.status >= 500).toBe(dependency.test(error.code));
      }),
      RUNS,
    );
  });

  it("words a Partnero failure for our client: Partnero's field messages only, for validation and conflict", () => {
    fc.assert(
      fc.property(partneroError, ({ error }) => {
        const answer = errorAnswer(error);
        const detailed = error.code === 'validation' || error.code === 'conflict';
        // Neither Partnero's message, our call to it, nor the request path (with ids) reach the client.
        expect(answer.message).not.toContain(MARKER);
        expect(answer.message).not.toContain(error.path);
        if (error.message !== '') expect(answer.message).not.toBe(error.message);
        if (!detailed) expect(answer.fields).toBeUndefined();
        else expect(answer.fields).toEqual(error.fields);
        if (answer.headers) expect(answer.status).toBeGreaterThanOrEqual(500);
        if (error.code === 'rate_limited') expect(answer.headers?.['retry-after']).toBeDefined();
      }),
      RUNS,
    );
  });

  it("keeps our call to Partnero out of a 422: the caller sees Partnero's field messages only", () => {
    const error = new PartneroError({
      code: 'validation',
      message: 'Partnero POST /transactions returned HTTP 422: The amount must be at least 0.01.',
      retryable: false,
      method: 'POST',
      path: '/transactions',
      status: 422,
      fields: { amount: ['The amount must be at least 0.01.'] },
    });
    const answer = errorAnswer(error);
    expect(answer).toEqual({
      status: 422,
      code: 'partnero_validation',
      message: 'Partnero rejected the request',
      fields: { amount: ['The amount must be at least 0.01.'] },
    });
    expect(JSON.stringify(answer)).not.toMatch(/POST|\/transactions|HTTP 422/);
  });

  // Found by this property: a Retry-After of 22+ digits once gave `retry-after: 1e+21` (fixed: capped at a day).
  it('any Retry-After Partnero sends gives a delta-seconds Retry-After', () => {
    fc.assert(
      fc.property(digits, (header) => {
        const retryAfterMs = parseRetryAfter(header, Date.now());
        const error = new PartneroError({
          code: 'rate_limited',
          message: 'm',
          retryable: true,
          method: 'GET',
          path: '/',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
        expectWellFormed(errorAnswer(error));
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('never shows a secret error message or the secret id', () => {
    fc.assert(
      fc.property(secretError, ({ error }) => {
        const answer = errorAnswer(error);
        expect(answer.status).toBe(503);
        expect(answer.message).not.toContain(MARKER);
        if (error.secretId.length > 3) expect(answer.message).not.toContain(error.secretId);
      }),
      RUNS,
    );
  });

  // Found by this property: the tables were read with `TABLE[code]`, so `constructor` found an inherited member.
  it('an error whose code names an Object.prototype member still gets a well-formed answer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'),
        fc.constantFrom('app', 'partnero', 'secret'),
        (code, kind) => {
          const error =
            kind === 'app'
              ? new AppError(code, 'm')
              : kind === 'partnero'
                ? new PartneroError({
                    code: code as PartneroErrorCode,
                    message: 'm',
                    retryable: false,
                    method: 'GET',
                    path: '/',
                  })
                : new SecretError(code as SecretErrorCode, 'id', 'm');
          expectWellFormed(errorAnswer(error));
        },
      ),
      { ...RUNS, numRuns: 50 },
    );
  });
});
