import type { Call as CallData, CallState, Credentials, Member } from '../../gen/stream/video/coordinator/v1/models';
import { StreamVideoError } from '../errors';
import type { MediaSession } from '../media/media-session';
import { TrackType } from '../media/track-type';
import type { CallStatsReport } from '../store/call-stats-report';
import type { ParticipantList } from '../store/participant-table';

/** What a {@link Call} needs from the client that made it. */
export interface CallHost {
  /** Leaves the call with this session. */
  leaveCall(call: Call): Promise<void>;
  /** The participants of the active call. */
  participantsOf(call: Call): ParticipantList;
}

/**
 * A call the connected user has joined, returned by `joinCall` and `acceptCall`.
 *
 * ```ts
 * const call = await client.joinCall('standup', 'default');
 * console.log(call.data.cid, call.credentials.serverUrl, call.participants.size);
 * await call.leave();
 * ```
 */
export class Call {
  /** The call's data: type, id, cid, creator, settings, recording. */
  data: CallData;
  /** The call's members. */
  members: readonly Member[];
  /** What the connected user may do in this call, e.g. `send-audio`. */
  ownCapabilities: readonly string[];
  private left = false;
  private leaving: Promise<void> | undefined;

  /**
   * @internal Made by the client when the join succeeds; get a `Call` from `joinCall` or
   * `acceptCall` instead.
   * @param state the call as the join answered it; `state.call` must be set.
   * @param credentials the edge server and its token.
   * @param sessionId this session's id in the call.
   * @param host the client that made the call.
   */
  constructor(
    state: CallState,
    /** The edge server chosen by latency, and the token to connect to it. */
    readonly credentials: Credentials,
    /** The id of this session in the call. */
    readonly sessionId: string,
    private readonly host: CallHost,
  ) {
    this.data = state.call!;
    this.members = state.members;
    this.ownCapabilities = state.ownCapabilities;
  }

  /** `type:id`. */
  get cid(): string {
    return this.data.cid;
  }

  /** The participants, live: the same list as the store's `participants$`. */
  get participants(): ParticipantList {
    return this.host.participantsOf(this);
  }

  /** Whether `leave()` was called or the call ended. */
  get hasLeft(): boolean {
    return this.left;
  }

  /**
   * Leaves the call: the other participants see `call.participant_left`. Publishing stops and
   * every peer connection closes at once. Calling it again does nothing.
   */
  leave(): Promise<void> {
    if (this.left) return Promise.resolve();
    this.media?.close();
    this.leaving ??= this.host.leaveCall(this).then(
      () => {
        this.left = true;
      },
      (err: unknown) => {
        this.leaving = undefined;
        throw err;
      },
    );
    return this.leaving;
  }

  /** @internal Marks the call as left without a request (the call ended, the user disconnected). */
  markLeft(): void {
    this.left = true;
    this.media?.close();
  }

  /** @internal Updates the call's data from the server. */
  update(state: Partial<CallState>): void {
    if (state.call) this.data = state.call;
    if (state.members) this.members = state.members;
    if (state.ownCapabilities) this.ownCapabilities = state.ownCapabilities;
  }

  // ---- media (issue 16): the Call's media API; the work is done by src/media/MediaSession ----

  /**
   * @internal The call's peer connections and published tracks; `undefined` where there is no
   * `RTCPeerConnection` (Node without `opts.RTCPeerConnection`).
   */
  media: MediaSession | undefined;

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
    if (this.left) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
    if (!this.media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    return act(this.media);
  }
}
