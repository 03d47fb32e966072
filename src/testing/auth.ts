import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { TwirpError } from './twirp/twirp-error';

/** The claims the local coordinator reads from a user token. */
export interface TokenClaims {
  /** The user the token was minted for: RPCs act as this user, and a socket's auth frame must name the same user. */
  user_id: string;
  /** Expiry, in seconds since the epoch. */
  exp?: number;
}

/**
 * Signs and verifies HS256 user tokens with the app secret, as the coordinator does.
 *
 * ```ts
 * const auth = new TokenAuthority('secret');
 * const token = await auth.createToken('alice', { expiresInSeconds: 3600 });
 * ```
 */
export class TokenAuthority {
  /** The secret as an HMAC key, imported once: jose would import raw bytes again on every sign and verify. */
  private readonly key: Promise<CryptoKey>;
  /**
   * Tokens already verified, with their claims, oldest first (at most VERIFIED_CACHE_SIZE):
   * a client sends the same token with every request, and a WebCrypto verify is a trip to
   * the thread pool. A cached token's `exp` is still checked on every use.
   */
  private readonly verified = new Map<string, TokenClaims>();

  /**
   * Creates an authority that signs and verifies with `secret`.
   * @param secret the app secret, shared with whoever mints tokens for the same coordinator.
   * @throws TypeError when `secret` is not a non-empty string.
   */
  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new TypeError('TokenAuthority: the app secret must be a non-empty string');
    }
    this.key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  /**
   * Mints a token for `userId`.
   * @param options.expiresInSeconds lifetime from now; negative values make an expired token
   *   (useful in tests); omitted means no `exp` claim.
   */
  async createToken(userId: string, options: { expiresInSeconds?: number } = {}): Promise<string> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new TypeError('createToken: userId must be a non-empty string');
    }
    const jwt = new SignJWT({ user_id: userId }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
    if (options.expiresInSeconds !== undefined) {
      jwt.setExpirationTime(Math.floor(Date.now() / 1000) + options.expiresInSeconds);
    }
    return jwt.sign(await this.key);
  }

  /** Mints the token for an edge server (SFU): scoped to one call and edge, valid one hour. */
  async createEdgeToken(userId: string, callCid: string, edge: string): Promise<string> {
    return new SignJWT({ user_id: userId, call_cid: callCid, edge })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await this.key);
  }

  /**
   * Verifies `token` and returns its claims.
   * @throws TwirpError `unauthenticated`; `meta.reason` is `token_expired` for an expired
   *   token, `invalid_token` for anything else. The token itself is never part of the error.
   */
  async verify(token: string): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new TwirpError('unauthenticated', 'a user token is required', { reason: 'missing_token' });
    }
    const known = this.verified.get(token);
    if (known) {
      if (known.exp === undefined || known.exp > Date.now() / 1000) return { ...known };
      this.verified.delete(token);
      throw new TwirpError('unauthenticated', 'the token has expired', { reason: 'token_expired' });
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'] });
      const userId = payload['user_id'];
      if (typeof userId !== 'string' || userId.length === 0) {
        throw new TwirpError('unauthenticated', 'the token has no user_id claim', { reason: 'invalid_token' });
      }
      const claims: TokenClaims = { user_id: userId, exp: payload.exp };
      // A token not valid yet (nbf) is verified again next time, not cached.
      if (payload.nbf === undefined) this.remember(token, claims);
      return { ...claims };
    } catch (err) {
      if (err instanceof TwirpError) throw err;
      if (err instanceof joseErrors.JWTExpired) {
        throw new TwirpError('unauthenticated', 'the token has expired', { reason: 'token_expired' });
      }
      throw new TwirpError('unauthenticated', 'the token is not valid', { reason: 'invalid_token' });
    }
  }

  private remember(token: string, claims: TokenClaims): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
  }
}

/** How many verified tokens {@link TokenAuthority} remembers. */
const VERIFIED_CACHE_SIZE = 4096;
