import { StreamVideoError } from '../errors/stream-video-error';

/** A user token, or an async function that returns a fresh one. */
export type TokenOrProvider = string | TokenProvider;
/** Returns a fresh token for the connected user; called again when the server says the token expired. */
export type TokenProvider = () => Promise<string>;

/**
 * Where the RPC layer and the socket get the user's token. Implementations must never log
 * a token or put it in an error.
 */
export interface TokenSource {
  /** Whether a new token can be had when the current one expires (a provider was given). */
  readonly canRefresh: boolean;
  /** The current token, loading it from the provider the first time. */
  get(): Promise<string>;
  /**
   * A token newer than `stale`: the current one when a concurrent refresh already replaced
   * `stale`, otherwise a new one from the provider.
   * @param stale the token the server refused as expired.
   */
  refresh(stale: string | undefined): Promise<string>;
}

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  /** How long one provider call may take, in ms, before it fails with `timeout` (default 10,000). */
  providerTimeoutMs?: number;
}

/**
 * Holds the user's token and refreshes it through the provider. Concurrent refreshes share
 * one provider call, as long as it is within its time bound: a call that hangs fails with
 * `timeout` and is never shared again, so one hung call cannot wedge later refreshes. A
 * provider that throws or returns no token fails with `unavailable` (a transient failure:
 * the connection retries it on its backoff). Every failure of the provider carries
 * `method: 'tokenProvider'` and `meta.reason = "token_provider"` ({@link isTokenProviderFailure}):
 * an RPC does not retry it, it fails once. The token is kept here only: never logged,
 * never put in a URL or an error.
 *
 * ```ts
 * const tokens = new TokenManager(() => fetch('/token').then((r) => r.text()), { providerTimeoutMs: 5000 });
 * const token = await tokens.get();
 * ```
 */
export class TokenManager implements TokenSource {
  private token: string | undefined;
  private pending: Promise<string> | undefined;
  private readonly timeoutMs: number;
  /** How many times the provider was called. */
  providerCalls = 0;

  /**
   * @param source a token, or a provider of tokens.
   * @param options the bound of each provider call.
   * @throws StreamVideoError `invalid_argument` for an empty token or something that is neither a token nor a function.
   */
  constructor(
    private readonly source: TokenOrProvider,
    options: TokenManagerOptions = {},
  ) {
    this.timeoutMs = options.providerTimeoutMs ?? 10_000;
    if (typeof source === 'string') {
      if (source.length === 0) throw StreamVideoError.invalidArgument('connectUser', 'tokenOrProvider', 'must not be empty');
      this.token = source;
    } else if (typeof source !== 'function') {
      throw StreamVideoError.invalidArgument('connectUser', 'tokenOrProvider', 'must be a token or a function');
    }
  }

  get canRefresh(): boolean {
    return typeof this.source === 'function';
  }

  async get(): Promise<string> {
    if (this.token !== undefined) return this.token;
    return this.load();
  }

  async refresh(stale: string | undefined): Promise<string> {
    if (!this.canRefresh) throw new StreamVideoError('token_expired', 'the token expired and there is no token provider', { method: 'tokenProvider' });
    if (this.token !== undefined && this.token !== stale) return this.token;
    this.token = undefined;
    return this.load();
  }

  private load(): Promise<string> {
    if (this.pending) return this.pending;
    const provider = this.source as TokenProvider;
    this.providerCalls++;
    const call = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new StreamVideoError('timeout', `the token provider did not answer within ${this.timeoutMs} ms`, {
            method: 'tokenProvider',
            meta: { reason: 'token_provider' },
          }),
        );
      }, this.timeoutMs);
      Promise.resolve()
        .then(provider)
        .then(
          (token: unknown) => {
            if (typeof token === 'string' && token.length > 0) resolve(token);
            else
              reject(
                new StreamVideoError('unavailable', 'the token provider returned no token', { method: 'tokenProvider', meta: { reason: 'token_provider' } }),
              );
          },
          (err: unknown) =>
            reject(
              new StreamVideoError('unavailable', 'the token provider failed', { method: 'tokenProvider', meta: { reason: 'token_provider' }, cause: err }),
            ),
        )
        .finally(() => clearTimeout(timer));
    });
    const shared = call.then(
      (token) => {
        if (this.pending === shared) this.token = token;
        return token;
      },
      (err: unknown) => {
        throw err;
      },
    );
    // Settled (answered, failed or timed out): the next caller starts a new provider call.
    const forget = () => {
      if (this.pending === shared) this.pending = undefined;
    };
    shared.then(forget, forget);
    this.pending = shared;
    return shared;
  }
}

/**
 * Whether `err` is a failure of the token provider (it timed out, threw, or returned no
 * token) rather than of a request: the RPC retry policy does not send a request again for
 * it, since the provider already had its time.
 * @param err a caught error.
 * @returns true for the errors {@link TokenManager} raises for its provider.
 */
export function isTokenProviderFailure(err: StreamVideoError): boolean {
  return err.method === 'tokenProvider' && err.meta['reason'] === 'token_provider';
}
