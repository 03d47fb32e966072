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
