export { readCookie } from './cookies.js';
export { toHttpError } from './error-mapping.js';
export { type FieldErrors, HttpError, isHttpError, validationError } from './http-error.js';
export { deadlineOf, httpRoute, type RouteHandler } from './http-route.js';
export { assertBodySize, DEFAULT_MAX_BODY_BYTES, headerValue, rawBody, readJsonBody } from './json-body.js';
export { jsonResponse } from './response.js';
export { validate } from './validation.js';
