/**
 * What went wrong, as a closed set. The server's Twirp codes pass through unchanged; the
 * SDK adds its own for what happens on the client side.
 *
 * | code | meaning |
 * | :--- | :--- |
 * | `invalid_argument` | bad input: caught before any request, or refused by the server |
 * | `malformed` | the server could not decode the request |
 * | `unauthenticated` | bad or missing API key or token; reconnecting will not help |
 * | `token_expired` | the token expired and no token provider could give a new one |
 * | `permission_denied` | the user lacks the capability for this action |
 * | `not_found` | no such call (or session, or member) |
 * | `already_exists` | the thing to create exists |
 * | `failed_precondition` | the call is not in a state that allows the action (ended, already recording...) |
 * | `already_connected` | `connectUser` while a user is connected or connecting |
 * | `not_connected` | an action that needs a connected user, without one |
 * | `disconnected` | `disconnectUser` ran while the action was pending |
 * | `timeout` | no answer within the configured time |
 * | `network` | the request or socket failed below the protocol (refused, reset, offline) |
 * | `cancelled` | aborted through an `AbortSignal` |
 * | `unavailable` | the server is temporarily unable to serve (retryable) |
 * | `resource_exhausted` | rate-limited or over a quota |
 * | `bad_route` | the server has no such method (a version mismatch) |
 * | `aborted` | the server gave up because of a concurrent change; try again |
 * | `out_of_range` | past the valid range, e.g. a page cursor beyond the end |
 * | `unimplemented` | the server does not support this operation |
 * | `unsupported` | this runtime lacks what the feature needs (e.g. no `RTCPeerConnection` in Node without one passed in) |
 * | `dataloss` | the server lost or corrupted data |
 * | `internal` | the server failed |
 * | `unknown` | nothing better is known |
 */
export type StreamVideoErrorCode =
  | 'invalid_argument'
  | 'malformed'
  | 'unauthenticated'
  | 'token_expired'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'already_connected'
  | 'not_connected'
  | 'disconnected'
  | 'timeout'
  | 'network'
  | 'cancelled'
  | 'unavailable'
  | 'resource_exhausted'
  | 'bad_route'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'unsupported'
  | 'dataloss'
  | 'internal'
  | 'unknown';

/** Details of a {@link StreamVideoError}. */
export interface StreamVideoErrorInit {
  /** The RPC method (`JoinCall`) or the SDK member (`connectUser`) that failed. */
  method?: string;
  /** The server's own message, when the server answered. */
  serverMessage?: string;
  /** The server's metadata, e.g. `{ reason: 'token_expired' }` or `{ argument: 'id' }`. */
  meta?: Readonly<Record<string, string>>;
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * The one error class the SDK throws. Decide on `code`, never on `message`.
 *
 * ```ts
 * try { await client.acceptCall(id, 'default'); }
 * catch (err) { if (err instanceof StreamVideoError && err.code === 'permission_denied') showNotAllowed(); }
 * ```
 */
export class StreamVideoError extends Error {
  /** Always `'StreamVideoError'`. */
  override name = 'StreamVideoError';
  /** What went wrong, one of the {@link StreamVideoErrorCode} values: branch on this. */
  readonly code: StreamVideoErrorCode;
  /** The RPC method (`JoinCall`) or SDK member (`connectUser`) that failed, when known; also the prefix of `message`. */
  readonly method: string | undefined;
  /** The server's own message, when the server answered; `undefined` for errors raised by the SDK. */
  readonly serverMessage: string | undefined;
  /** The server's metadata (e.g. `{ reason: 'token_expired' }`), or `{ argument }` for an `invalid_argument` raised by the SDK; `{}` when none. */
  readonly meta: Readonly<Record<string, string>>;

  /**
   * Creates an error; the SDK throws these itself, and `from` converts anything else.
   * @param code what went wrong.
   * @param message a human-readable explanation; prefixed with `init.method` when given.
   * @param init the method, server message, metadata and cause (default none).
   */
  constructor(code: StreamVideoErrorCode, message: string, init: StreamVideoErrorInit = {}) {
    super(init.method ? `${init.method}: ${message}` : message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.method = init.method;
    this.serverMessage = init.serverMessage;
    this.meta = init.meta ?? {};
  }

  /** Whether retrying the same request may succeed. */
  get retryable(): boolean {
    return this.code === 'unavailable' || this.code === 'network' || this.code === 'timeout';
  }

  /**
   * Turns anything caught into a `StreamVideoError`: itself when it is one, an abort into
   * `cancelled` (a timeout abort into `timeout`), a `TypeError` (a failed `fetch`) into
   * `network`, anything else into `unknown`. The original is kept as `cause`.
   * @param err what was caught.
   * @param method the method to name in the new error, when one is made.
   */
  static from(err: unknown, method?: string): StreamVideoError {
    if (err instanceof StreamVideoError) return err;
    if (isAbort(err)) {
      const timedOut = (err as Error).name === 'TimeoutError';
      return new StreamVideoError(timedOut ? 'timeout' : 'cancelled', timedOut ? 'the request timed out' : 'the request was aborted', { method, cause: err });
    }
    if (err instanceof TypeError) return new StreamVideoError('network', err.message, { method, cause: err });
    const message = err instanceof Error ? err.message : String(err);
    return new StreamVideoError('unknown', message, { method, cause: err });
  }

  /** An `invalid_argument` error raised before any request is sent. */
  static invalidArgument(method: string, argument: string, why: string): StreamVideoError {
    return new StreamVideoError('invalid_argument', `${argument} ${why}`, { method, meta: { argument } });
  }
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError');
}
