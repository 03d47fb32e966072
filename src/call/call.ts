import type { ReadableAtom } from 'nanostores';
import type { RpcOutput } from '../coordinator/coordinator-client';
import type { CallData, Credentials, Member, Reaction } from '../plain/plain-types';
import { StreamVideoError } from '../errors/stream-video-error';
import type { MediaSession } from '../media/media-session';
import { TrackType } from '../media/track-type';
import type { CallDevices } from '../devices/call-devices';
import type { CameraManager } from '../devices/camera-manager';
import type { MicrophoneManager } from '../devices/microphone-manager';
import type { ScreenShareManager } from '../devices/screen-share-manager';
import type { SpeakerManager } from '../devices/speaker-manager';
import type { CallStatsReport } from '../store/call-stats-report';
import type { ParticipantList } from '../store/participant-table';
import type { ActiveCallState } from '../store/state-store';
import {
  checkTrackType,
  customEventInput,
  muteInput,
  plainReaction,
  reactionInput,
  type CallRpc,
  type CallRpcInput,
  type ReactionRequest,
} from './call-actions';
import { checkUserId } from '../validation/arguments';

/** What a {@link Call} needs from the session that joined it. */
export interface CallHost {
  /** Leaves the call with this session. */
  leaveCall(call: Call): Promise<void>;
  /** The participants of the call while it is the joined one (an empty list after). */
  participantsOf(call: Call): ParticipantList;
  /** Whether the call is the session's joined call. */
  isActive(call: Call): boolean;
  /** Sends an RPC about the call as the session's user, once the socket is connected. */
  send<K extends CallRpc>(call: Call, rpc: K, input: CallRpcInput<K>, method: string): Promise<RpcOutput<K>>;
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
  private left = false;
  private leaving: Promise<void> | undefined;

  /**
   * @internal Made by the client when the join succeeds; get a `Call` from `joinCall` or
   * `acceptCall` instead.
   * @param state the call's state, updated by its events while joined.
   * @param credentials the edge server and its token.
   * @param sessionId this session's id in the call.
   * @param host the session that joined the call.
   * @param media the call's peer connections and published tracks; none where there is no `RTCPeerConnection`.
   * @param devices the call's camera, microphone, speaker and screen share, and what is measured of its media.
   */
  constructor(
    private readonly state: ReadableAtom<ActiveCallState>,
    /** The edge server chosen by latency, and the token to connect to it. */
    readonly credentials: Credentials,
    /** The id of this session in the call. */
    readonly sessionId: string,
    private readonly host: CallHost,
    private readonly media: MediaSession | undefined,
    private readonly devices: CallDevices,
  ) {}

  /** The call's data: type, id, cid, creator, settings, recording. */
  get data(): CallData {
    return this.state.get().data;
  }

  /** The call's members. */
  get members(): readonly Member[] {
    return this.state.get().members;
  }

  /** What the connected user may do in this call, e.g. `send-audio`. */
  get ownCapabilities(): readonly string[] {
    return this.state.get().ownCapabilities;
  }

  /** `type:id`. */
  get cid(): string {
    return this.data.cid;
  }

  /** The participants, live: the same list as the store's `participants$` while joined. */
  get participants(): ParticipantList {
    return this.host.participantsOf(this);
  }

  /** Whether the call was left: `leave()`, the call ended, or the user disconnected. */
  get hasLeft(): boolean {
    return this.left || !this.host.isActive(this);
  }

  /**
   * Leaves the call: the other participants see `call.participant_left`. Publishing stops and
   * every peer connection closes at once. Calling it again does nothing.
   */
  leave(): Promise<void> {
    if (this.hasLeft) return Promise.resolve();
    this.media?.close();
    this.devices.dispose();
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

  /** @internal The leave in flight, if any. */
  get pendingLeave(): Promise<void> | undefined {
    return this.left ? undefined : this.leaving;
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
   * Publishes a shared screen: the first video track of `stream` (from `getDisplayMedia`), and
   * its first audio track, when it has one (a tab's audio), as `TrackType.SCREEN_SHARE_AUDIO`.
   * Needs `screenshare`; see {@link Call.publishVideoStream} for the rest.
   */
  publishScreenShareStream(stream: MediaStream): Promise<void> {
    const method = 'publishScreenShareStream';
    return this.withMedia(method, async (m) => {
      await m.publish(TrackType.SCREEN_SHARE, stream, method);
      if (stream.getAudioTracks().length > 0) await m.publish(TrackType.SCREEN_SHARE_AUDIO, stream, method);
    });
  }

  /**
   * Stops publishing a track type (mute): the track stops and the others see
   * `call.participant_updated` without it in `publishedTracks`. Stopping the screen share
   * stops its audio too.
   * @param trackType `TrackType.AUDIO`, `VIDEO`, `SCREEN_SHARE` or `SCREEN_SHARE_AUDIO`.
   */
  stopPublish(trackType: TrackType): Promise<void> {
    return this.withMedia('stopPublish', async (m) => {
      await m.stopPublish(trackType);
      if (trackType === TrackType.SCREEN_SHARE) await m.stopPublish(TrackType.SCREEN_SHARE_AUDIO);
    });
  }

  /**
   * The camera: `enable()`, `disable()`, `toggle()`, `select(deviceId)`, `flip()`,
   * `listDevices()`, and `state` (`status$`, `selectedDevice$`). It publishes through
   * {@link Call.publishVideoStream}; apps that bring their own streams keep using that.
   *
   * ```ts
   * await call.camera.toggle();
   * ```
   */
  get camera(): CameraManager {
    return this.devices.camera;
  }

  /**
   * The microphone: `enable()`, `disable()` (mute), `toggle()`, `select(deviceId)`,
   * `listDevices()`, `state`, and `speakingWhileMuted$`.
   *
   * ```ts
   * await call.microphone.toggle();
   * ```
   */
  get microphone(): MicrophoneManager {
    return this.devices.microphone;
  }

  /**
   * The speaker: `select(deviceId)` routes every element bound with
   * {@link Call.bindAudioElement} to that audio output.
   *
   * ```ts
   * await call.speaker.select(headset.deviceId);
   * ```
   */
  get speaker(): SpeakerManager {
    return this.devices.speaker;
  }

  /**
   * The screen share: `enable({ audio })` (with the tab's audio), `disable()`, `toggle()`, `status$`.
   *
   * ```ts
   * await call.screenShare.enable({ audio: true });
   * ```
   */
  get screenShare(): ScreenShareManager {
    return this.devices.screenShare;
  }

  /**
   * Plays a participant's audio in `audioElement` while it is received, through the speaker
   * selected with `call.speaker`; the local participant's own audio is never played. When the
   * browser refuses to play it (autoplay without a user gesture), the store's `autoplayBlocked$`
   * turns true: call {@link Call.resumeAudio} from a click.
   * @param audioElement the element; the SDK sets its `srcObject` and plays it.
   * @param sessionId the participant's session.
   * @param trackType `TrackType.AUDIO` (default, the microphone) or `TrackType.SCREEN_SHARE_AUDIO`.
   * @returns the function that unbinds the element (and empties it).
   * @throws StreamVideoError `invalid_argument` for a wrong argument.
   *
   * ```ts
   * const unbind = call.bindAudioElement(tile.querySelector('audio')!, participant.sessionId);
   * ```
   */
  bindAudioElement(audioElement: HTMLAudioElement, sessionId: string, trackType: TrackType.AUDIO | TrackType.SCREEN_SHARE_AUDIO = TrackType.AUDIO): () => void {
    return this.devices.audio.bind(audioElement, sessionId, trackType);
  }

  /**
   * Plays the audio the browser refused to autoplay (the store's `autoplayBlocked$`); call it
   * from a user gesture (a click, a key press).
   * @throws StreamVideoError `failed_precondition` with `meta.reason = 'autoplay_blocked'` when
   *   the browser still refuses (not called from a gesture).
   *
   * ```ts
   * unmuteButton.onclick = () => call.resumeAudio();
   * ```
   */
  resumeAudio(): Promise<void> {
    return this.devices.resumeAudio();
  }

  /** The media statistics now, every peer connection together (the store's `callStatsReport$` refreshes them on an interval). */
  getStats(): Promise<CallStatsReport> {
    return this.withMedia('getStats', (m) => m.getStats());
  }

  /**
   * Ends the call for everyone: every participant receives `call.ended`, leaves the call and
   * closes its media; nobody can join it again. Needs the `end-call` capability (the call's
   * admins and moderators by default). Ending an ended call does nothing.
   *
   * ```ts
   * if (call.ownCapabilities.includes('end-call')) await call.endCall();
   * ```
   * @throws StreamVideoError `permission_denied` without `end-call`.
   */
  async endCall(): Promise<void> {
    await this.host.send(this, 'endCall', {}, 'endCall');
  }

  /**
   * Sends a custom event to the call's members and participants: each receives one `custom`
   * event whose `custom` is `payload`. Needs to be in the call (member or participant).
   *
   * ```ts
   * await call.sendCustomEvent({ kind: 'poll', question: 'Lunch?' });
   * client.on('custom', (e) => console.log(e.user?.id, e.custom));
   * ```
   * @param payload a plain JSON object of at most `MAX_CUSTOM_EVENT_BYTES` (5,120) bytes as JSON.
   * @throws StreamVideoError `invalid_argument` for a payload that is not JSON (`meta.argument`
   *   `payload`) or too large (also `meta.limit` and `meta.size`), checked before sending;
   *   `permission_denied` when not in the call; `failed_precondition` once the call ended.
   */
  async sendCustomEvent(payload: Record<string, unknown>): Promise<void> {
    await this.host.send(this, 'sendCallEvent', customEventInput('sendCustomEvent', payload), 'sendCustomEvent');
  }

  /**
   * Sends a reaction from this session: everyone in the call receives `call.reaction_new`, and
   * this participant's `reaction` in the store shows it until the client's `reactionTtlMs`
   * (default `REACTION_TTL_MS`, 5 s) after it was sent. Needs `create-reaction` (members of
   * `default` calls, moderators and admins).
   *
   * ```ts
   * await call.sendReaction({ type: 'like', emojiCode: ':+1:' });
   * ```
   * @param reaction `{ type, emojiCode?, custom? }`: `type` 1 to 64 characters, `emojiCode` at
   *   most 64, `custom` JSON of at most 5,120 bytes.
   * @returns the reaction as the others receive it.
   * @throws StreamVideoError `invalid_argument` (checked before sending), `permission_denied`.
   */
  async sendReaction(reaction: ReactionRequest): Promise<Reaction> {
    const answer = await this.host.send(this, 'sendReaction', reactionInput('sendReaction', reaction, this.sessionId), 'sendReaction');
    return plainReaction('sendReaction', answer.reaction);
  }

  /**
   * Mutes a track of one or more users: their sessions stop publishing it (everyone sees
   * `call.participant_updated`) and their clients stop the track on the device after
   * `call.user_muted`. They keep the capability and may publish again: this is not a revoke
   * (see `updateUserPermissions`). Needs `mute-users` (moderators and admins by default).
   *
   * ```ts
   * await call.muteUser('bob', TrackType.AUDIO);
   * ```
   * @param userId the user, or users (at most 100), to mute; each a member or participant.
   * @param trackType `TrackType.AUDIO`, `TrackType.VIDEO` or `TrackType.SCREEN_SHARE`.
   * @throws StreamVideoError `permission_denied` without `mute-users`; `not_found` for a user
   *   not in the call; `invalid_argument` (checked before sending).
   */
  async muteUser(userId: string | string[], trackType: TrackType): Promise<void> {
    await this.host.send(this, 'muteUsers', muteInput('muteUser', userId, trackType), 'muteUser');
  }

  /**
   * Mutes a track of every participant but the connected user; see {@link Call.muteUser}.
   *
   * ```ts
   * await call.muteAllUsers(TrackType.AUDIO);
   * ```
   * @param trackType `TrackType.AUDIO`, `TrackType.VIDEO` or `TrackType.SCREEN_SHARE`.
   * @throws StreamVideoError `permission_denied` without `mute-users`.
   */
  async muteAllUsers(trackType: TrackType): Promise<void> {
    await this.host.send(this, 'muteUsers', { muteAllUsers: true, trackTypes: [checkTrackType('muteAllUsers', trackType)] }, 'muteAllUsers');
  }

  /**
   * Removes a user from the call: everyone receives `call.kicked_user`, then
   * `call.participant_left` for each of the user's sessions; the user's client leaves the call
   * and closes its media. The user may join again (see {@link Call.blockUser} to prevent it).
   * Needs `kick-user` (moderators and admins by default). A user with no session changes nothing.
   *
   * ```ts
   * await call.kickUser('bob');
   * ```
   * @param userId the user to remove.
   * @throws StreamVideoError `permission_denied` without `kick-user`.
   */
  async kickUser(userId: string): Promise<void> {
    await this.host.send(this, 'kickUser', { userId: checkUserId('kickUser', 'userId', userId) }, 'kickUser');
  }

  /**
   * Blocks a user: removed from the call as by {@link Call.kickUser} (everyone receives
   * `call.blocked_user`), and their joins are refused with `permission_denied`
   * (`meta.reason = "blocked"`) until {@link Call.unblockUser}. The call's
   * `data.blockedUserIds` lists them. Needs `block-users` (moderators and admins by default).
   *
   * ```ts
   * await call.blockUser('mallory');
   * ```
   * @param userId the user to block: not the caller, not the call's creator.
   * @throws StreamVideoError `permission_denied` without `block-users`; `failed_precondition`
   *   for the creator; `invalid_argument` for the caller.
   */
  async blockUser(userId: string): Promise<void> {
    await this.host.send(this, 'blockUser', { userId: checkUserId('blockUser', 'userId', userId) }, 'blockUser');
  }

  /**
   * Lifts a block: everyone (and the user) receives `call.unblocked_user`, and the user may
   * join again. Needs `block-users`. Unblocking a user who is not blocked does nothing.
   *
   * ```ts
   * await call.unblockUser('mallory');
   * ```
   * @param userId the user to unblock.
   * @throws StreamVideoError `permission_denied` without `block-users`.
   */
  async unblockUser(userId: string): Promise<void> {
    await this.host.send(this, 'unblockUser', { userId: checkUserId('unblockUser', 'userId', userId) }, 'unblockUser');
  }

  /**
   * @internal A moderator muted these track types of the connected user (`call.user_muted`):
   * each stops on the device and on every peer connection, as `stopPublish` does.
   */
  async stopMutedTracks(trackTypes: readonly TrackType[]): Promise<void> {
    if (!this.media || this.hasLeft) return;
    await Promise.all(trackTypes.map((t) => this.media!.stopPublish(t, 'muteUser')));
  }

  private async withMedia<T>(method: string, act: (media: MediaSession) => Promise<T>): Promise<T> {
    if (this.hasLeft) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
    if (!this.media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    return act(this.media);
  }
}
