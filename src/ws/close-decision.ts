import { credentialsRefused, frameTooLarge, gaveUp, tokenExpired } from '../errors/errors';
import type { StreamVideoError } from '../errors/stream-video-error';
import { CLOSE_CODES } from './close-codes';
import type { ReconnectPolicy } from './reconnect-policy';

/**
 * What the reconnect loop knows since the connection was last live (or, before it ever was,
 * since `connect()`). A new one starts each time a live socket is lost; it is dropped when a
 * socket goes live.
 */
export interface RetryState {
  /** Whether the connection was live before: `false` while the first `connect()` waits. */
  readonly wasLive: boolean;
  /** Attempts that failed since then (0 before the first retry). */
  readonly attempt: number;
  /** When the connection was lost (or `connect()` started, or the network came back), epoch ms. */
  readonly since: number;
  /** Why the last attempt or connection ended. */
  readonly lastError: StreamVideoError | undefined;
  /** Sockets closed with `TOKEN_EXPIRED` in a row. */
  readonly expiredInARow: number;
  /** A token the server refused (`UNAUTHENTICATED`) was replaced by the provider: a second refusal is final. */
  readonly refreshedAfterRefusal: boolean;
}

/** A retry state with nothing failed yet. */
export function startRetry(wasLive: boolean, now: number): RetryState {
  return { wasLive, attempt: 0, since: now, lastError: undefined, expiredInARow: 0, refreshedAfterRefusal: false };
}

/** How a socket ended: its close code, and why when the socket or the server said (an error frame, a timeout, a failure). */
export interface SocketClose {
  readonly code: number;
  readonly error: StreamVideoError | undefined;
}

/** What the connection knows of itself when it decides. */
export interface DecisionContext {
  /** The WebSocket URL, for the errors. */
  readonly url: string;
  /** Whether a token provider can give a fresh token. */
  readonly canRefresh: boolean;
}

/**
 * What to do after a socket closed:
 * - `reconnect`: wait out the reconnect policy's delay ({@link nextAttempt}), then open a new socket;
 * - `refresh`: get a fresh token from the provider, then open a new socket at once;
 * - `fail`: close for good with `error`: retrying cannot help.
 */
export type CloseDecision =
  | { readonly action: 'reconnect'; readonly retry: RetryState }
  | { readonly action: 'refresh'; readonly retry: RetryState }
  | { readonly action: 'fail'; readonly error: StreamVideoError };

/**
 * Decides from a socket's close code whether the connection tries again, and how. A pure
 * function of its arguments:
 * - `UNAUTHENTICATED` (4002): only the server's refusal of a token fresh from the provider is
 *   final; the first refusal gets a new token.
 * - `FRAME_TOO_LARGE` (4006): final, `invalid_argument`: the next socket would send the same frame.
 * - `TOKEN_EXPIRED` (4003): a fresh token, up to two in a row; final (`token_expired`) on the
 *   third, or at once without a provider.
 * - anything else (a drop, a timeout, a server going away, a refused socket): reconnect.
 * @param close the close code and what the socket said.
 * @param retry what the loop knows since the connection was last live.
 * @param context the URL and whether tokens can be refreshed.
 *
 * ```ts
 * decideOnClose({ code: CLOSE_CODES.DROPPED, error: undefined }, startRetry(true, Date.now()), { url, canRefresh: true }); // reconnect
 * ```
 */
export function decideOnClose(close: SocketClose, retry: RetryState, context: DecisionContext): CloseDecision {
  const next = close.error ? { ...retry, lastError: close.error } : retry;
  switch (close.code) {
    case CLOSE_CODES.UNAUTHENTICATED:
      if (context.canRefresh && !retry.refreshedAfterRefusal) return { action: 'refresh', retry: { ...next, refreshedAfterRefusal: true } };
      return { action: 'fail', error: close.error ?? credentialsRefused(context.url) };
    case CLOSE_CODES.FRAME_TOO_LARGE:
      return { action: 'fail', error: close.error?.code === 'invalid_argument' ? close.error : frameTooLarge(context.url) };
    case CLOSE_CODES.TOKEN_EXPIRED: {
      const expiredInARow = retry.expiredInARow + 1;
      if (expiredInARow > 2 || !context.canRefresh) return { action: 'fail', error: tokenExpired(context.url, context.canRefresh) };
      return { action: 'refresh', retry: { ...next, expiredInARow } };
    }
    default:
      return { action: 'reconnect', retry: next };
  }
}

/** The next attempt: after `delayMs`, with the attempt counted; or the error to close with when the policy gives up. */
export type NextAttempt =
  { readonly action: 'wait'; readonly delayMs: number; readonly retry: RetryState } | { readonly action: 'fail'; readonly error: StreamVideoError };

/**
 * Asks the reconnect policy when to try again. Pure when the policy is.
 * @param retry what the loop knows since the connection was last live.
 * @param policy the reconnect policy.
 * @param now the time now, epoch ms.
 * @param url the WebSocket URL, for the error when the policy gives up.
 */
export function nextAttempt(retry: RetryState, policy: ReconnectPolicy, now: number, url: string): NextAttempt {
  const delay = policy.nextDelayMs({ attempt: retry.attempt, elapsedMs: now - retry.since, lastError: retry.lastError, everConnected: retry.wasLive });
  if (delay === null) return { action: 'fail', error: gaveUp(url, retry.lastError) };
  return { action: 'wait', delayMs: Math.max(0, delay), retry: { ...retry, attempt: retry.attempt + 1 } };
}
