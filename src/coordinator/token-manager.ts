import { StreamVideoError } from '../errors';

/** A user token, or an async function that returns a fresh one. */
export type TokenOrProvider = string | TokenProvider;
/** Returns a fresh token for the connected user; called again when the server says the token expired. */
export type TokenProvider = () => Promise<string>;

/**
 * Holds the user's token and refreshes it through the provider. Concurrent refreshes share
 * one provider call. The token is kept here only: never logged, never put in a URL or an error.
 */
export class TokenManager {
  private token: string | undefined;
  private pending: Promise<string> | undefined;
  private generation = 0;
  /** How many times the provider was called. */
  providerCalls = 0;

  constructor(private readonly source: TokenOrProvider) {
    if (typeof source === 'string') {
      if (source.length === 0) throw StreamVideoError.invalidArgument('connectUser', 'tokenOrProvider', 'must not be empty');
      this.token = source;
    } else if (typeof source !== 'function') {
      throw StreamVideoError.invalidArgument('connectUser', 'tokenOrProvider', 'must be a token or a function');
    }
  }

  /** Whether a new token can be had when the current one expires. */
  get canRefresh(): boolean {
    return typeof this.source === 'function';
  }

  /** The current token, loading it from the provider the first time. */
  async get(): Promise<string> {
    if (this.token !== undefined) return this.token;
    return this.load();
  }

  /**
   * Asks the provider for a new token, unless `stale` was already replaced (a concurrent
   * refresh got there first). Throws `token_expired` when there is no provider.
   */
  async refresh(stale: string | undefined): Promise<string> {
    if (!this.canRefresh) {
      throw new StreamVideoError('token_expired', 'the token expired and there is no token provider');
    }
    if (this.token !== undefined && this.token !== stale) return this.token;
    return this.load();
  }

  /** Forgets the token: pending loads resolve but are not kept. */
  clear(): void {
    this.generation++;
    this.token = undefined;
    this.pending = undefined;
  }

  private load(): Promise<string> {
    if (this.pending) return this.pending;
    const provider = this.source as TokenProvider;
    const generation = this.generation;
    this.providerCalls++;
    this.pending = (async () => {
      let token: unknown;
      try {
        token = await provider();
      } catch (err) {
        throw new StreamVideoError('unauthenticated', 'the token provider failed', { method: 'tokenProvider', cause: err });
      } finally {
        if (generation === this.generation) this.pending = undefined;
      }
      if (typeof token !== 'string' || token.length === 0) {
        throw new StreamVideoError('unauthenticated', 'the token provider returned no token', { method: 'tokenProvider' });
      }
      if (generation === this.generation) this.token = token;
      return token;
    })();
    return this.pending;
  }
}
