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

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string | undefined;
  scopeRegion: string | undefined;
  scopeService: string | undefined;
  signedHeaderList: string;
  signature: string;
}

type Refusal = { ok: false; reason: string };
const refuse = (reason: string): Refusal => ({ ok: false, reason });

/** The header's parts, once its credential is `<key>/<date>/<region>/<service>/aws4_request`. */
function parseAuthorization(header: string | undefined): ParsedAuthorization | Refusal {
  if (typeof header !== 'string') return refuse('missing Authorization header');
  const auth = AUTH.exec(header.trim());
  if (!auth) return refuse('malformed Authorization header');
  const [, credential = '', signedHeaderList = '', signature = ''] = auth;
  const [accessKeyId = '', scopeDate, scopeRegion, scopeService, terminator, ...rest] = credential.split('/');
  if (rest.length || terminator !== 'aws4_request') return refuse('malformed credential scope');
  return { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaderList, signature };
}

/** The access key, the credential scope and the absence of a session token. */
function checkCredential(
  auth: ParsedAuthorization,
  request: SignedRequest,
  options: VerifyOptions,
  service: string,
): Refusal | undefined {
  if (!sameText(auth.accessKeyId, options.credentials.accessKeyId)) return refuse('unknown access key');
  if (auth.scopeRegion !== options.region || auth.scopeService !== service) {
    return refuse(`credential scope must be ${options.region}/${service}`);
  }
  if (request.headers['x-amz-security-token'] !== undefined) {
    return refuse('session tokens are not accepted by the local credentials');
  }
  return undefined;
}

/** X-Amz-Date, once it matches the scope's date and is fresh. */
function signingDateOf(
  request: SignedRequest,
  scopeDate: string | undefined,
  options: VerifyOptions,
): Date | Refusal {
  const amzDate = request.headers['x-amz-date'];
  const signingDate = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!signingDate || !amzDate) return refuse('missing or malformed X-Amz-Date');
  if (scopeDate !== amzDate.slice(0, 8)) return refuse('credential scope date differs from X-Amz-Date');
  const now = options.now?.() ?? Date.now();
  if (Math.abs(now - signingDate.getTime()) > (options.maxSkewMs ?? 5 * 60_000)) {
    return refuse('signature expired (X-Amz-Date more than 5 minutes off)');
  }
  return signingDate;
}

/** The signed headers' values, once `host` and `x-amz-date` are among them and the payload hash fits. */
function signedHeadersOf(request: SignedRequest, signedHeaders: string[]): Record<string, string> | Refusal {
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return refuse('host and x-amz-date must be signed');
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return refuse(`signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (payloadHash === UNSIGNED_PAYLOAD || !sameText(payloadHash, actual)) {
      return refuse('x-amz-content-sha256 does not match the body');
    }
  }
  return headers;
}

/** The signature @smithy/signature-v4 computes for the same request. */
async function expectedSignature(
  request: SignedRequest,
  signed: { headers: Record<string, string>; signedHeaderList: string; signingDate: Date },
  options: VerifyOptions,
  service: string,
): Promise<string | Refusal> {
  const { headers, signedHeaderList, signingDate } = signed;
  try {
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service,
      sha256: Sha256,
      applyChecksum: false,
    });
    const host = headers.host ?? '';
    const resigned = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: host.replace(/:\d+$/, ''),
        path: request.rawPath,
        query: queryOf(request.rawQuery),
        headers,
        body: request.body.length ? request.body : undefined,
      },
      { signingDate, signableHeaders: new Set(signedHeaderList.split(';')) },
    );
    const recomputed = AUTH.exec(String(resigned.headers.authorization ?? ''));
    if (!recomputed || recomputed[2] !== signedHeaderList) return refuse('signed header list differs');
    return recomputed[3] ?? '';
  } catch {
    return refuse('request could not be canonicalized');
  }
}

const isRefusal = (value: unknown): value is Refusal =>
  typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;

/**
 * Checks an IAM (SigV4) request the way API Gateway's IAM authorizer does for the local credentials:
 * parses `Authorization`, checks the access key, the credential scope (date, region, service),
 * the freshness of `X-Amz-Date`, that the payload hash (when sent) is the body's, then signs the same
 * request again with @smithy/signature-v4 and compares the signatures in constant time.
 */
export async function verifySigV4(request: SignedRequest, options: VerifyOptions): Promise<VerifyResult> {
  const service = options.service ?? 'execute-api';
  const auth = parseAuthorization(request.headers.authorization);
  if (isRefusal(auth)) return auth;
  const credentialRefusal = checkCredential(auth, request, options, service);
  if (credentialRefusal) return credentialRefusal;
  const signingDate = signingDateOf(request, auth.scopeDate, options);
  if (isRefusal(signingDate)) return signingDate;
  const headers = signedHeadersOf(request, auth.signedHeaderList.split(';'));
  if (isRefusal(headers)) return headers;
  const expected = await expectedSignature(
    request,
    { headers, signedHeaderList: auth.signedHeaderList, signingDate },
    options,
    service,
  );
  if (isRefusal(expected)) return expected;
  const ok = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(auth.signature, 'hex'));
  return ok ? { ok: true, accessKeyId: auth.accessKeyId } : refuse('signature mismatch');
}
