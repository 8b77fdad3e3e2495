export { assertBodySize, DEFAULT_MAX_BODY_BYTES, rawBody, readJsonBody } from './body.js';
export { type CallerAudit, callerAuditOf, type IamCaller, iamCallerOf } from './caller.js';
export { readCookie } from './cookies.js';
export { type ErrorAnswer, errorAnswer } from './error-answers.js';
export { headerValue } from './headers.js';
export { jsonResponse } from './response.js';
export { httpRoute, type RouteHandler } from './route.js';
export { isHeaderSigned, signedHeaderNames } from './signed-headers.js';
