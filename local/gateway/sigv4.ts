import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** Path as received, still percent-encoded. */
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VerifyOptions {
  credentials: Credentials;
  region: string;
  /** @default 'execute-api' */
  service?: string;
  /** Accepted clock difference of X-Amz-Date. @default 5 minutes */
  maxSkewMs?: number;
  now?: () => number;
}

export type VerifyResult = { ok: true; accessKeyId: string } | { ok: false; reason: string };

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameText = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second] = m;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Decoded query for the signer (it re-encodes per SigV4); `+` is kept literally, as SigV4 clients send `%20`. */
function queryOf(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (rawQuery === '') return query;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/**
 * Checks an IAM (SigV4) request the way API Gateway's IAM authorizer does for the local credentials:
 * parses `Authorization`, checks the access key, the credential scope (date, region, service),
 * the freshness of `X-Amz-Date`, that the payload hash (when sent) is the body's, then signs the same
 * request again with @smithy/signature-v4 and compares the signatures in constant time.
 */
export async function verifySigV4(request: SignedRequest, options: VerifyOptions): Promise<VerifyResult> {
  const service = options.service ?? 'execute-api';
  const now = options.now?.() ?? Date.now();
  const header = request.headers.authorization;
  if (typeof header !== 'string') return { ok: false, reason: 'missing Authorization header' };
  const auth = AUTH.exec(header.trim());
  if (!auth) return { ok: false, reason: 'malformed Authorization header' };
  const [, credential = '', signedHeaderList = '', signature = ''] = auth;
  const [accessKeyId = '', scopeDate, scopeRegion, scopeService, terminator, ...rest] = credential.split('/');
  if (rest.length || terminator !== 'aws4_request')
    return { ok: false, reason: 'malformed credential scope' };
  if (!sameText(accessKeyId, options.credentials.accessKeyId))
    return { ok: false, reason: 'unknown access key' };
  if (scopeRegion !== options.region || scopeService !== service) {
    return { ok: false, reason: `credential scope must be ${options.region}/${service}` };
  }
  if (request.headers['x-amz-security-token'] !== undefined) {
    return { ok: false, reason: 'session tokens are not accepted by the local credentials' };
  }

  const amzDate = request.headers['x-amz-date'];
  const signingDate = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!signingDate || !amzDate) return { ok: false, reason: 'missing or malformed X-Amz-Date' };
  if (scopeDate !== amzDate.slice(0, 8))
    return { ok: false, reason: 'credential scope date differs from X-Amz-Date' };
  if (Math.abs(now - signingDate.getTime()) > (options.maxSkewMs ?? 5 * 60_000)) {
    return { ok: false, reason: 'signature expired (X-Amz-Date more than 5 minutes off)' };
  }

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return { ok: false, reason: 'host and x-amz-date must be signed' };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (payloadHash === UNSIGNED_PAYLOAD || !sameText(payloadHash, actual)) {
      return { ok: false, reason: 'x-amz-content-sha256 does not match the body' };
    }
  }

  let expected: string;
  try {
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service,
      sha256: Sha256,
      applyChecksum: false,
    });
    const host = headers.host ?? '';
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: host.replace(/:\d+$/, ''),
        path: request.rawPath,
        query: queryOf(request.rawQuery),
        headers,
        body: request.body.length ? request.body : undefined,
      },
      { signingDate, signableHeaders: new Set(signedHeaders) },
    );
    const recomputed = AUTH.exec(String(signed.headers.authorization ?? ''));
    if (!recomputed || recomputed[2] !== signedHeaderList)
      return { ok: false, reason: 'signed header list differs' };
    expected = recomputed[3] ?? '';
  } catch {
    return { ok: false, reason: 'request could not be canonicalized' };
  }
  const ok = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'));
  return ok ? { ok: true, accessKeyId } : { ok: false, reason: 'signature mismatch' };
}
