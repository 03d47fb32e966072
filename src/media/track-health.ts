import type { RemoteTrackState } from '../store/participant-table';

/** What one read of a connection's statistics says of one remote track. */
export interface TrackSample {
  /** Packets received (audio) or frames decoded (video) so far on this connection. */
  readonly count: number;
  /** Whether the receiver's track is muted (no media reaches it). */
  readonly muted: boolean;
}

/** What the health check remembers of one remote track. */
export interface TrackHealth {
  readonly state: RemoteTrackState;
  /** The last count read. */
  readonly count: number;
  /** When media was last seen to arrive, or when it started to be expected (a publish, a new connection, a recovery step). */
  readonly since: number;
}

/**
 * The next health of a remote track, from a new read of the statistics. Pure: the media
 * session calls it on every read and for every published type.
 * @param previous what was known before; `undefined` for a type never published before (call it only when `published`).
 * @param sample the read, `undefined` when the connection has no statistics for it yet.
 * @param published whether the remote side publishes the type now (and may).
 * @param now the time of the read, in ms.
 * @param stallMs how long without media makes a published track stalled.
 */
export function nextTrackHealth(
  previous: TrackHealth | undefined,
  sample: TrackSample | undefined,
  published: boolean,
  now: number,
  stallMs: number,
): TrackHealth {
  const count = sample?.count ?? 0;
  if (!published) return previous?.state === 'ended' ? previous : { state: 'ended', count, since: now };
  if (previous === undefined || previous.state === 'ended') return { state: 'pending', count, since: now };
  const arrived = count > previous.count && sample !== undefined && !sample.muted;
  if (arrived) return previous.state === 'receiving' && previous.count === count ? previous : { state: 'receiving', count, since: now };
  const state: RemoteTrackState = now - previous.since >= stallMs ? 'stalled' : previous.state;
  // A new connection counts from 0 again: keep the smaller count so that its first media counts as arriving.
  return state === previous.state && count === previous.count ? previous : { state, count: Math.min(count, previous.count), since: previous.since };
}

/** Starts the wait for media again (a new connection, a recovery step): counts from `now`, the state kept. */
export function expectAgain(health: TrackHealth, now: number): TrackHealth {
  return health.state === 'ended' ? health : { state: health.state, count: 0, since: now };
}
