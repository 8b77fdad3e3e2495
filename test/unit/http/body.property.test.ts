import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { AppError } from '#shared/errors.js';
import { errorAnswer } from '#shared/http/error-answers.js';
import { DEFAULT_MAX_BODY_BYTES, rawBody, readJsonBody } from '#shared/http/request.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260302, numRuns: 400 } as const;

const BODY_ERRORS = { payload_too_large: 413, unsupported_media_type: 415, invalid_json: 400 } as const;
type BodyErrorCode = keyof typeof BODY_ERRORS;
const isBodyErrorCode = (code: string): code is BodyErrorCode => Object.hasOwn(BODY_ERRORS, code);

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/problem+json;charset=UTF-8',
];
const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

const contentType = fc.oneof(
  fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES, ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const headerKey = fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE');
const bodyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ stringUnit: 'binary' }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
);

/** What API Gateway hands a handler, reduced to the fields the body reader looks at. */
const eventOf = (fields: {
  body?: string | undefined;
  isBase64Encoded: boolean;
  headers: Record<string, string | undefined>;
}) => fields as unknown as APIGatewayProxyEventV2;

const anyEvent = fc.record({
  body: fc.option(bodyText, { nil: undefined }),
  isBase64Encoded: fc.boolean(),
  headers: fc.oneof(
    fc.constant({}),
    fc.tuple(headerKey, fc.option(contentType, { nil: undefined })).map(([k, v]) => ({ [k]: v })),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.option(fc.string(), { nil: undefined }), { maxKeys: 4 }),
  ),
});
const maxBytes = fc.option(fc.nat({ max: 600 }), { nil: undefined });

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('rawBody (property)', () => {
  it('never throws and returns a Buffer for any body and base64 flag', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        expect(Buffer.isBuffer(rawBody(event))).toBe(true);
      }),
      RUNS,
    );
  });

  it('decodes base64 back to the bytes that were encoded, and reads plain text as UTF-8', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        (bytes, text) => {
          const encoded = Buffer.from(bytes).toString('base64');
          expect(rawBody({ body: encoded, isBase64Encoded: true }).equals(Buffer.from(bytes))).toBe(true);
          expect(rawBody({ body: text, isBase64Encoded: false }).toString('utf8')).toBe(text);
        },
      ),
      RUNS,
    );
  });
});

describe('readJsonBody (property)', () => {
  it('throws nothing but an AppError payload_too_large / unsupported_media_type / invalid_json', () => {
    fc.assert(
      fc.property(anyEvent, maxBytes, (fields, max) => {
        const event = eventOf(fields);
        const size = rawBody(event).byteLength;
        const limit = max ?? DEFAULT_MAX_BODY_BYTES;
        const error = errorOf(() => (max === undefined ? readJsonBody(event) : readJsonBody(event, max)));
        if (error === undefined) {
          expect(size).toBeLessThanOrEqual(limit);
          return;
        }
        expect(error).toBeInstanceOf(AppError);
        const { code, message, retryable } = error as AppError;
        expect(isBodyErrorCode(code)).toBe(true);
        expect(retryable).toBe(false);
        // The size check comes first and is exact; the answer is the documented status.
        expect(code === 'payload_too_large').toBe(size > limit);
        expect(errorAnswer(error)).toMatchObject({
          status: BODY_ERRORS[code as BodyErrorCode],
          code,
          message,
        });
        // The message is ours, never an echo of the body.
        if (fields.body && fields.body.length > 20) expect(message).not.toContain(fields.body);
      }),
      RUNS,
    );
  });

  it('reads an empty or absent body as undefined whatever the content type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, ''),
        fc.boolean(),
        contentType,
        maxBytes,
        (body, isBase64Encoded, type, max) => {
          const event = eventOf({ body, isBase64Encoded, headers: { 'content-type': type } });
          expect(readJsonBody(event, max)).toBeUndefined();
        },
      ),
      RUNS,
    );
  });

  it('round-trips valid JSON under the limit with a JSON (or no) content type', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.option(fc.constantFrom(...JSON_TYPES), { nil: undefined }),
        headerKey,
        fc.boolean(),
        fc.boolean(),
        fc.nat({ max: 100 }),
        (value, type, key, pretty, base64, slack) => {
          const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
          const bytes = Buffer.from(text, 'utf8');
          const event = eventOf({
            body: base64 ? bytes.toString('base64') : text,
            isBase64Encoded: base64,
            headers: type === undefined ? {} : { [key]: type },
          });
          // Exactly at the limit is still accepted; `JSON.parse(text)` folds -0 to 0 as the reader does.
          expect(readJsonBody(event, bytes.byteLength + slack)).toEqual(JSON.parse(text));
          if (bytes.byteLength > 0) {
            const tooBig = errorOf(() => readJsonBody(event, bytes.byteLength - 1));
            expect(tooBig).toMatchObject({ code: 'payload_too_large' });
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses a non-empty body with a non-JSON content type as unsupported_media_type', () => {
    fc.assert(
      fc.property(fc.json(), fc.constantFrom(...OTHER_TYPES), (text, type) => {
        const error = errorOf(() =>
          readJsonBody(eventOf({ body: text, isBase64Encoded: false, headers: { 'content-type': type } })),
        );
        expect(error).toMatchObject({ code: 'unsupported_media_type' });
      }),
      RUNS,
    );
  });
});
