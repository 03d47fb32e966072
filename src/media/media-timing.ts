/**
 * The bounds of the media layer's health checks and recovery, in ms. Each step of a recovery
 * is bounded by one of them, so a connection is never left waiting on something that will not
 * come, and each counts from the moment the step it bounds could start (a busy machine's slow
 * signalling is not taken for a failed connection):
 *
 * - every `healthIntervalMs` (1,000) each connection's inbound statistics are read;
 * - a published remote track is **stalled** when no packet (audio) or decoded frame (video)
 *   arrived for `stallMs` (4,000) while connected, or its track stayed muted that long;
 * - a connection needs a recovery when it is `failed`, `disconnected` for `disconnectedGraceMs`
 *   (2,000), not negotiated (offer and answer) `negotiationTimeoutMs` (10,000) after it was
 *   made, not connected `connectTimeoutMs` (10,000) after it was negotiated, or carries a
 *   stalled track;
 * - the recovery is first an **ICE restart**; when the connection is not healthy again within
 *   `iceRestartTimeoutMs` (5,000), a **new connection**, which has `negotiationTimeoutMs` +
 *   `connectTimeoutMs` to become healthy; then new connections again, `replaceBackoffMs` apart
 *   (2,000 doubling to 30,000), as the replacement limit allows (3 at once, then one per
 *   `replaceRefillMs`, 10,000).
 *
 * @internal Tests shorten them (a documented test seam); the defaults are what the README states.
 */
export const MEDIA_TIMING = {
  healthIntervalMs: 1000,
  stallMs: 4000,
  disconnectedGraceMs: 2000,
  negotiationTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  iceRestartTimeoutMs: 5000,
  replaceBackoffMs: 2000,
  replaceBackoffMaxMs: 30_000,
  replaceRefillMs: 10_000,
};

/** Connections one remote session may make this side replace at once (then one per `replaceRefillMs`). */
export const REPLACE_BURST = 3;
