/**
 * The bounds of the media layer's health checks and recovery, in ms. Each step of a recovery
 * is bounded by one of them, so a connection is never left waiting on something that will not
 * come:
 *
 * - every `healthIntervalMs` (1,000) each connection's inbound statistics are read;
 * - a published remote track is **stalled** when no packet (audio) or decoded frame (video)
 *   arrived for `stallMs` (4,000), or its track stayed muted that long;
 * - a connection `disconnected` for `disconnectedGraceMs` (2,000), `failed`, not connected
 *   `connectTimeoutMs` (8,000) after it was made, or with a stalled track starts a recovery:
 * - first an **ICE restart**; when the connection is not healthy again within
 *   `iceRestartTimeoutMs` (5,000), a **new connection**, which has `connectTimeoutMs` to
 *   become healthy; then new connections again, `replaceBackoffMs` apart (2,000 doubling to
 *   30,000), as the replacement limit allows (3 at once, then one per `replaceRefillMs`, 10,000).
 *
 * @internal Tests shorten them (a documented test seam); the defaults are what the README states.
 */
export const MEDIA_TIMING = {
  healthIntervalMs: 1000,
  stallMs: 4000,
  disconnectedGraceMs: 2000,
  connectTimeoutMs: 8000,
  iceRestartTimeoutMs: 5000,
  replaceBackoffMs: 2000,
  replaceBackoffMaxMs: 30_000,
  replaceRefillMs: 10_000,
};

/** Connections one remote session may make this side replace at once (then one per `replaceRefillMs`). */
export const REPLACE_BURST = 3;

/** The most a remote connection's generation may step past this side's in one signal: beyond it, the signal is dropped. */
export const MAX_GENERATION_STEP = 2;
