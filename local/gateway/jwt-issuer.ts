import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

export interface LocalUser {
  user_id: string;
  email?: string;
  name?: string;
}

export interface SignOptions {
  /** Seconds from now, or a jose time span (`'1h'`); negative numbers make an expired token. @default '1h' */
  expiresIn?: number | string;
  /** Seconds from now before which the token is not valid. */
  notBeforeIn?: number;
  audience?: string;
  issuer?: string;
}

/**
 * The local OpenID issuer: an RS256 key pair made at start-up, its JWKS, and tokens for a user id.
 * Its `verify` is what the API Gateway JWT authorizer does: signature against the JWKS, `iss`,
 * `aud` (or `client_id`), `exp` (required) and `nbf`.
 */
export class LocalIssuer {
  private constructor(
    readonly issuer: string,
    readonly audience: string,
    private readonly privateKey: CryptoKey,
    private readonly keySet: JSONWebKeySet,
  ) {}

  static async create(issuer: string, audience: string): Promise<LocalIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = {
      ...(await exportJWK(publicKey)),
      kid: `local-${randomUUID().slice(0, 8)}`,
      alg: 'RS256',
      use: 'sig',
    };
    return new LocalIssuer(issuer, audience, privateKey, { keys: [jwk] });
  }

  get jwks(): JSONWebKeySet {
    return this.keySet;
  }

  openIdConfiguration() {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/.well-known/jwks.json`,
      token_endpoint: `${this.issuer}/login`,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  /** A signed ID token for `user` (sub = user_id, plus verified email and name claims). */
  async sign(user: LocalUser, options: SignOptions = {}, extraClaims: JWTPayload = {}): Promise<string> {
    const kid = this.keySet.keys[0]?.kid;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({
      // Like the stack's Cognito pool, where sign-up confirms the address before a token is issued.
      ...(user.email ? { email: user.email, email_verified: true } : {}),
      ...(user.name ? { name: user.name } : {}),
      token_use: 'id',
      ...extraClaims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) })
      .setSubject(user.user_id)
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now)
      .setJti(randomUUID());
    const expiresIn = options.expiresIn ?? '1h';
    jwt.setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn);
    if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
    return jwt.sign(this.privateKey);
  }

  /** Verifies like the API Gateway JWT authorizer; throws (a jose error) when the token is not accepted. */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.keySet), {
      issuer: this.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
    });
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (!audiences.includes(this.audience) && payload.client_id !== this.audience) {
      throw new Error('audience not accepted');
    }
    return payload;
  }
}

/**
 * Claims as API Gateway puts them in `requestContext.authorizer.jwt.claims`: every value a string,
 * arrays as `[a b]`, objects as JSON.
 */
export function claimsForEvent(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = `[${value.join(' ')}]`;
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/** The token of an `Authorization` header: `Bearer <token>`, or the bare token (API Gateway takes both). */
export function bearerToken(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value);
  return (match ? match[1] : value)?.trim() || undefined;
}
