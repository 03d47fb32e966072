import type { ReadableAtom } from 'nanostores';
import type { CallData, Credentials, Member } from '../plain/plain-types';
import { callLeft } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import type { MediaSession } from '../media/media-session';
import { TrackType } from '../media/track-type';
import type { CallStatsReport } from '../store/call-stats-report';
import type { ParticipantList } from '../store/participant-table';
import type { ActiveCallState } from '../store/state-store';

/** @internal What a {@link Call} reads and asks of the joined call that owns it (`ActiveCall`). */
export interface CallOwner {
  /** The call's state, updated by its events while joined. */
  readonly state$: ReadableAtom<ActiveCallState>;
  /** The call's peer connections and published tracks; none where there is no `RTCPeerConnection`. */
  readonly media: MediaSession | undefined;
  /** The participants while joined (an empty list after). */
  readonly participants: ParticipantList;
  /** Whether the call is over for this session. */
  readonly hasLeft: boolean;
  /** Leaves the call (a leave in flight is shared). */
  leave(): Promise<void>;
}

/**
 * A call the connected user has joined, returned by `joinCall` and `acceptCall`. Its data,
 * members and capabilities follow the call's events while it is joined.
 *
 * ```ts
 * const call = await client.joinCall('standup', 'default');
 * console.log(call.data.cid, call.credentials.serverUrl, call.participants.size);
 * await call.leave();
 * ```
 */
export class Call {
  /**
   * @internal Made by the client when the join succeeds; get a `Call` from `joinCall` or
   * `acceptCall` instead.
   * @param owner the joined call: its state, media and leave.
   * @param credentials the edge server and its token.
   * @param sessionId this session's id in the call.
   */
  constructor(
    private readonly owner: CallOwner,
    /** The edge server chosen by latency, and the token to connect to it. */
    readonly credentials: Credentials,
    /** The id of this session in the call. */
    readonly sessionId: string,
  ) {}

  /** The call's data: type, id, cid, creator, settings, recording. */
  get data(): CallData {
    return this.owner.state$.get().data;
  }

  /** The call's members. */
  get members(): readonly Member[] {
    return this.owner.state$.get().members;
  }

  /** What the connected user may do in this call, e.g. `send-audio`. */
  get ownCapabilities(): readonly string[] {
    return this.owner.state$.get().ownCapabilities;
  }

  /** `type:id`. */
  get cid(): string {
    return this.data.cid;
  }

  /** The participants, live: the same list as the store's `participants$` while joined. */
  get participants(): ParticipantList {
    return this.owner.participants;
  }

  /** Whether the call was left: `leave()`, the call ended, or the user disconnected. */
  get hasLeft(): boolean {
    return this.owner.hasLeft;
  }

  /**
   * Leaves the call: the other participants see `call.participant_left`. Publishing stops and
   * every peer connection closes at once. Calling it again does nothing.
   */
  leave(): Promise<void> {
    return this.owner.leave();
  }

  /**
   * Publishes the camera: the first video track of `stream` goes to every participant.
   * Publishing again replaces the track without renegotiating. Needs `send-video`.
   * The SDK owns the track from then on: it stops it on `stopPublish`, on a revoke and on leave.
   *
   * ```ts
   * await call.publishVideoStream(await navigator.mediaDevices.getUserMedia({ video: true }));
   * ```
   * @throws StreamVideoError `permission_denied`, `resource_exhausted` (the call's mesh limit
   *   of publishing participants, `meta.reason = "mesh_limit"`), `unsupported` (no WebRTC),
   *   `invalid_argument` (no live video track), `failed_precondition` (the call was left).
   */
  publishVideoStream(stream: MediaStream): Promise<void> {
    return this.withMedia('publishVideoStream', (m) => m.publish(TrackType.VIDEO, stream, 'publishVideoStream'));
  }

  /**
   * Publishes the microphone: the first audio track of `stream`. Needs `send-audio`; see
   * {@link Call.publishVideoStream} for the rest.
   */
  publishAudioStream(stream: MediaStream): Promise<void> {
    return this.withMedia('publishAudioStream', (m) => m.publish(TrackType.AUDIO, stream, 'publishAudioStream'));
  }

  /**
   * Publishes a shared screen: the first video track of `stream` (from `getDisplayMedia`).
   * Needs `screenshare`; see {@link Call.publishVideoStream} for the rest.
   */
  publishScreenShareStream(stream: MediaStream): Promise<void> {
    return this.withMedia('publishScreenShareStream', (m) => m.publish(TrackType.SCREEN_SHARE, stream, 'publishScreenShareStream'));
  }

  /**
   * Stops publishing a track type (mute): the track stops and the others see
   * `call.participant_updated` without it in `publishedTracks`.
   * @param trackType `TrackType.AUDIO`, `TrackType.VIDEO` or `TrackType.SCREEN_SHARE`.
   */
  stopPublish(trackType: TrackType): Promise<void> {
    return this.withMedia('stopPublish', (m) => m.stopPublish(trackType));
  }

  /** The media statistics now, every peer connection together (the store's `callStatsReport$` refreshes them on an interval). */
  getStats(): Promise<CallStatsReport> {
    return this.withMedia('getStats', (m) => m.getStats());
  }

  private async withMedia<T>(method: string, act: (media: MediaSession) => Promise<T>): Promise<T> {
    if (this.hasLeft) throw callLeft(method);
    const media = this.owner.media;
    if (!media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    return act(media);
  }
}
