/** The API's CORS rules (no CDK imports, so the local gateway applies the very same ones). */
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'] as const;
export const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  // SigV4 headers (HTTP API takes no `x-amz-*` pattern, so they are listed)
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-user-agent',
] as const;
export const CORS_MAX_AGE_SECONDS = 3600;
