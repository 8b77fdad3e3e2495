import { LOCAL_ACCOUNT_ID } from '#local/config.js';
import type { Authorizer, HttpRequestInfo } from './api-event.js';
import { bearerToken, claimsForEvent, type LocalIssuer } from './jwt-issuer.js';
import { type Credentials, verifySigV4 } from './sigv4.js';

export type AuthResult =
  | { ok: true; authorizer: Authorizer; subject: string }
  | {
      ok: false;
      status: 401 | 403;
      message: 'Unauthorized' | 'Forbidden';
      reason: string;
      headers?: Record<string, string>;
    };

/** The JWT authorizer: a verified token's claims (strings) and scopes, or 401 `Unauthorized`. */
export async function authorizeJwt(request: HttpRequestInfo, issuer: LocalIssuer): Promise<AuthResult> {
  const token = bearerToken(
    typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined,
  );
  if (!token) return { ok: false, status: 401, message: 'Unauthorized', reason: 'no token' };
  try {
    const payload = await issuer.verify(token);
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : null;
    return {
      ok: true,
      authorizer: { jwt: { claims: claimsForEvent(payload), scopes } },
      subject: String(payload.sub ?? ''),
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      status: 401,
      message: 'Unauthorized',
      reason,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    };
  }
}

/** The IAM authorizer for the local credentials: a valid SigV4 signature, or 403 `Forbidden`. */
export async function authorizeIam(
  request: HttpRequestInfo,
  credentials: Credentials,
  region: string,
): Promise<AuthResult> {
  const result = await verifySigV4(request, { credentials, region });
  if (!result.ok) return { ok: false, status: 403, message: 'Forbidden', reason: result.reason };
  const userId = 'AIDALOCALBACKOFFICE00';
  return {
    ok: true,
    subject: result.accessKeyId,
    authorizer: {
      iam: {
        accessKey: result.accessKeyId,
        accountId: LOCAL_ACCOUNT_ID,
        callerId: userId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-back-office`,
        userId,
      },
    },
  };
}
