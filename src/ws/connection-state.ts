import type { StreamVideoError } from '../errors/stream-video-error';
import type { RetryState } from './close-decision';
import type { SocketHandshake } from './socket-handshake';

/**
 * The state of the real-time connection.
 *
 * - `idle`: no user connected yet.
 * - `connecting`: the first connection of `connectUser` is being made.
 * - `connected`: authenticated and receiving events.
 * - `reconnecting`: the connection was lost; waiting out a backoff or trying again.
 * - `offline`: the browser reports no network; reconnection resumes on `online`.
 * - `disconnected`: closed by `disconnectUser`, or given up for a reason retrying cannot fix.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'disconnected';

/**
 * Where the connection (`Connection`) is, as one value; every method checks it first.
 * - `idle`: `connect()` not called yet.
 * - `opening`: getting a token (no socket yet), or a socket's handshake (open, auth, resume).
 * - `live`: a socket is authenticated and delivers events.
 * - `backoff`: waiting out the reconnect policy's delay.
 * - `offline`: the browser reports no network; `online` opens a socket at once.
 * - `closed`: for good, with why (`disconnect()`, or a failure retrying cannot fix).
 *
 * Every state but `live` and the ends carries the {@link RetryState}: what failed since the
 * connection was last live, and whether it ever was.
 */
export type ConnectionPhase =
  | { readonly kind: 'idle' }
  | { readonly kind: 'opening'; readonly retry: RetryState; readonly socket: SocketHandshake | undefined }
  | { readonly kind: 'live'; readonly socket: SocketHandshake }
  | { readonly kind: 'backoff'; readonly retry: RetryState; readonly timer: ReturnType<typeof setTimeout> }
  | { readonly kind: 'offline'; readonly retry: RetryState }
  | { readonly kind: 'closed'; readonly error: StreamVideoError };

/** The public state of a phase: `connecting` until the first socket went live, `reconnecting` after. */
export function stateOf(phase: ConnectionPhase): ConnectionState {
  switch (phase.kind) {
    case 'idle':
      return 'idle';
    case 'opening':
    case 'backoff':
      return phase.retry.wasLive ? 'reconnecting' : 'connecting';
    case 'live':
      return 'connected';
    case 'offline':
      return 'offline';
    case 'closed':
      return 'disconnected';
  }
}
