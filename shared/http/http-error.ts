/** A field name → reasons map, as in the `fields` of an error answer. */
export type FieldErrors = Record<string, string[]>;

/**
 * An error that knows its HTTP answer. Handlers and shared code throw these; the error middleware
 * turns them into `{ "error": { "code", "message", "fields"? } }`.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  readonly fields?: FieldErrors;
  readonly headers?: Record<string, string>;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    extra: { fields?: FieldErrors; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    if (extra.fields) this.fields = extra.fields;
    if (extra.headers) this.headers = extra.headers;
  }
}

export const isHttpError = (e: unknown): e is HttpError => e instanceof HttpError;

export const validationError = (fields: FieldErrors, message = 'The request is invalid') =>
  new HttpError(400, 'validation', message, { fields });
