import { ONE_HOUR_MS, wholeNumber } from '../options';
import { MAX_CLIENT_FRAME_BYTES } from '../../ws/frames';

/** Options of the WebSocket hub. Each is checked when the coordinator starts: a bad value is a `RangeError` naming it. */
export interface HubOptions {
  /** Path clients connect to (default `/video/connect`). */
  path?: string;
  /** Time allowed for the auth frame, in ms: 10 to 3,600,000 (default 5,000). */
  authTimeoutMs?: number;
  /** Health-check interval announced to clients and used to probe them, in ms: 10 to 3,600,000 (default 10,000). */
  healthCheckIntervalMs?: number;
  /**
   * A socket silent for longer than this is closed (4004), in ms: at least the interval, at
   * most 3,600,000 (default 3 × the interval, at most 3,600,000).
   */
  deadAfterMs?: number;
  /**
   * Largest client frame, in bytes: 1,024 to 16 MiB (default 64 KiB). A larger frame is
   * refused from its header, before its payload is read: a `frame_too_large` error frame,
   * then close 4006.
   */
  maxFrameBytes?: number;
  /**
   * Most sockets that have not authenticated yet, all addresses together (default 256, at
   * least 1). One more makes room: of the address that holds the most such sockets, the
   * oldest one that has not sent its auth frame is closed (`auth_timeout`, 4001), so that a
   * flood cannot keep out a client that authenticates at once; a socket that sent its auth
   * frame is never closed for room. Only when every one of them has sent its auth frame is
   * the upgrade refused (HTTP 503, `Retry-After: 1`).
   */
  maxUnauthenticatedSockets?: number;
  /**
   * Most sockets that have not authenticated yet from one remote address (default 32, at
   * least 1): over it, that address's upgrade is refused with HTTP 503 and `Retry-After: 1`.
   */
  maxUnauthenticatedPerAddress?: number;
  /**
   * The auth time limit of a socket opened under pressure, when at least half of
   * `maxUnauthenticatedSockets` is in use, in ms: 10 to 3,600,000 (default 1,000; never more
   * than `authTimeoutMs`).
   */
  authTimeoutUnderPressureMs?: number;
  /**
   * Most authenticated sockets of one user (default 64, at least 1): one more gets a
   * `too_many_connections` error frame, then close 4005.
   */
  maxSocketsPerUser?: number;
  /**
   * How long closing the hub waits for clients to answer the 1001 close before it drops
   * their sockets, in ms: 0 to 60,000 (default 1,000).
   */
  closeGraceMs?: number;
}

/** The fastest the hub sweeps its sockets for health checks, in ms, whatever the options say. */
export const HUB_SWEEP_FLOOR_MS = 10;

/** {@link HubOptions} with every default applied and every value checked. */
export type ResolvedHubOptions = Required<HubOptions>;

/**
 * Applies the defaults of {@link HubOptions} and checks every value.
 * @throws RangeError naming the first option that is not a whole number in its range, or
 *   `deadAfterMs` below `healthCheckIntervalMs`.
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  const path = options.path ?? '/video/connect';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new RangeError(`hub.path must start with "/", got ${String(path)}`);
  const healthCheckIntervalMs = wholeNumber('hub.healthCheckIntervalMs', options.healthCheckIntervalMs, 10_000, 10, ONE_HOUR_MS);
  const deadAfterMs = wholeNumber('hub.deadAfterMs', options.deadAfterMs, Math.min(3 * healthCheckIntervalMs, ONE_HOUR_MS), 10, ONE_HOUR_MS);
  if (deadAfterMs < healthCheckIntervalMs) {
    throw new RangeError(`hub.deadAfterMs (${deadAfterMs}) must be at least hub.healthCheckIntervalMs (${healthCheckIntervalMs})`);
  }
  return {
    path,
    authTimeoutMs: wholeNumber('hub.authTimeoutMs', options.authTimeoutMs, 5000, 10, ONE_HOUR_MS),
    healthCheckIntervalMs,
    deadAfterMs,
    maxFrameBytes: wholeNumber('hub.maxFrameBytes', options.maxFrameBytes, MAX_CLIENT_FRAME_BYTES, 1024, 16 * 1024 * 1024),
    maxUnauthenticatedSockets: wholeNumber('hub.maxUnauthenticatedSockets', options.maxUnauthenticatedSockets, 256, 1, 1_000_000),
    maxUnauthenticatedPerAddress: wholeNumber('hub.maxUnauthenticatedPerAddress', options.maxUnauthenticatedPerAddress, 32, 1, 1_000_000),
    authTimeoutUnderPressureMs: wholeNumber('hub.authTimeoutUnderPressureMs', options.authTimeoutUnderPressureMs, 1000, 10, ONE_HOUR_MS),
    maxSocketsPerUser: wholeNumber('hub.maxSocketsPerUser', options.maxSocketsPerUser, 64, 1, 1_000_000),
    closeGraceMs: wholeNumber('hub.closeGraceMs', options.closeGraceMs, 1000, 0, 60_000),
  };
}

/** The period of the hub's health sweep: the interval, or half the dead time if shorter, never below {@link HUB_SWEEP_FLOOR_MS}. */
export function sweepIntervalMs(options: Pick<ResolvedHubOptions, 'healthCheckIntervalMs' | 'deadAfterMs'>): number {
  return Math.max(HUB_SWEEP_FLOOR_MS, Math.min(options.healthCheckIntervalMs, Math.floor(options.deadAfterMs / 2)));
}
