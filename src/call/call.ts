import type { ReadableAtom } from 'nanostores';
import type { RpcOutput } from '../coordinator/coordinator-client';
import type { CallData, Credentials, Member, QueryRecordingsResponse, Reaction } from '../plain/plain-types';
import { callLeft } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import type { CallMedia, VideoDimension } from '../media/call-media';
import type { ElementBindings } from '../media/element-bindings';
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
import { checkRecordingFilename, plainRecordings } from './call-recordings';

/** @internal What a {@link Call} reads and asks of the joined call that owns it (`ActiveCall`). */
export interface CallOwner {
  /** The call's state, updated by its events while joined. */
  readonly state$: ReadableAtom<ActiveCallState>;
  /** The call's peer connections and published tracks; none where there is no `RTCPeerConnection`. */
  readonly media: CallMedia | undefined;
  /** The elements the app bound to the participants' tracks; none without media. */
  readonly bindings: ElementBindings | undefined;
  /** The call's camera, microphone, speaker and screen share, and what is measured of its media. */
  readonly devices: CallDevices;
  /** The participants while joined (an empty list after). */
  readonly participants: ParticipantList;
  /** Whether the call is over for this session. */
  readonly hasLeft: boolean;
  /** Leaves the call (a leave in flight is shared). */
  leave(): Promise<void>;
  /** Sends an RPC about the call as the session's user, once the socket is connected. */
  send<K extends CallRpc>(rpc: K, input: CallRpcInput<K>, method: string): Promise<RpcOutput<K>>;
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
    return this.owner.devices.camera;
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
    return this.owner.devices.microphone;
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
    return this.owner.devices.speaker;
  }

  /**
   * The screen share: `enable({ audio })` (with the tab's audio), `disable()`, `toggle()`, `status$`.
   *
   * ```ts
   * await call.screenShare.enable({ audio: true });
   * ```
   */
  get screenShare(): ScreenShareManager {
    return this.owner.devices.screenShare;
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
    return this.owner.devices.audio.bind(audioElement, sessionId, trackType);
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
    return this.owner.devices.resumeAudio();
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
    await this.owner.send('endCall', {}, 'endCall');
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
    await this.owner.send('sendCallEvent', customEventInput('sendCustomEvent', payload), 'sendCustomEvent');
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
    const answer = await this.owner.send('sendReaction', reactionInput('sendReaction', reaction, this.sessionId), 'sendReaction');
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
    await this.owner.send('muteUsers', muteInput('muteUser', userId, trackType), 'muteUser');
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
    await this.owner.send('muteUsers', { muteAllUsers: true, trackTypes: [checkTrackType('muteAllUsers', trackType)] }, 'muteAllUsers');
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
    await this.owner.send('kickUser', { userId: checkUserId('kickUser', 'userId', userId) }, 'kickUser');
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
    await this.owner.send('blockUser', { userId: checkUserId('blockUser', 'userId', userId) }, 'blockUser');
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
    await this.owner.send('unblockUser', { userId: checkUserId('unblockUser', 'userId', userId) }, 'unblockUser');
  }

  /**
   * @internal A moderator muted these track types of the connected user (`call.user_muted`):
   * each stops on the device and on every peer connection, as `stopPublish` does.
   */
  async stopMutedTracks(trackTypes: readonly TrackType[]): Promise<void> {
    const media = this.owner.media;
    if (!media || this.hasLeft) return;
    await Promise.all(trackTypes.map((t) => media.stopPublish(t, 'muteUser')));
  }

  /**
   * Binds a `<video>` element to a participant's camera or screen share: sets its `srcObject`
   * (following the participant's stream as it changes) and plays it. In an SFU call it also
   * asks the SFU for the simulcast layer that fits the element's size (measured with a
   * `ResizeObserver`, in device pixels), and for no video while the element is hidden or off
   * screen (an `IntersectionObserver`, and the page's visibility). In a mesh call it attaches
   * and plays (a mesh has no layers).
   *
   * ```ts
   * const unbind = call.bindVideoElement(tileVideo, participant.sessionId, TrackType.VIDEO);
   * // later, when the tile goes away:
   * unbind();
   * ```
   * @param videoElement the element to show the video in.
   * @param sessionId the participant's session id.
   * @param trackType `TrackType.VIDEO` (the camera) or `TrackType.SCREEN_SHARE`.
   * @returns a function that unbinds the element (its `srcObject` is cleared); binding the
   *   element again also unbinds it first.
   * @throws StreamVideoError `invalid_argument` (not a media element, no session id, another
   *   track type), `unsupported` (no WebRTC), `failed_precondition` (the call was left).
   */
  bindVideoElement(videoElement: HTMLVideoElement, sessionId: string, trackType: TrackType.VIDEO | TrackType.SCREEN_SHARE): () => void {
    const method = 'bindVideoElement';
    const bindings = this.bindingsFor(method, 'videoElement', videoElement, sessionId);
    if (trackType !== TrackType.VIDEO && trackType !== TrackType.SCREEN_SHARE)
      throw StreamVideoError.invalidArgument(method, 'trackType', 'must be TrackType.VIDEO or TrackType.SCREEN_SHARE');
    return bindings.bindVideo(videoElement, sessionId, trackType);
  }

  /**
   * Sets the resolution you prefer for incoming video, instead of the one that fits each
   * bound element's size: for the participants `sessionIds`, or for every participant when
   * omitted; `undefined` goes back to the automatic choice. In an SFU call the SFU sends the
   * smallest simulcast layer at least that large (the highest when none is); the actual
   * quality also depends on what the publisher sends. A hidden element still receives no
   * video. No effect in a mesh call.
   *
   * ```ts
   * call.setPreferredIncomingVideoResolution({ width: 640, height: 360 });             // everyone
   * call.setPreferredIncomingVideoResolution({ width: 320, height: 180 }, [sessionId]); // one participant
   * call.setPreferredIncomingVideoResolution(undefined);                               // automatic again
   * ```
   * @param resolution the width and height, in device pixels; `undefined` for the automatic choice.
   * @param sessionIds the participants it applies to (default: every participant).
   * @throws StreamVideoError `invalid_argument` (not two whole numbers from 0 to 16384), `unsupported`, `failed_precondition`.
   */
  setPreferredIncomingVideoResolution(resolution: VideoDimension | undefined, sessionIds?: string[]): void {
    const method = 'setPreferredIncomingVideoResolution';
    const bindings = this.requireBindings(method);
    if (resolution !== undefined) {
      for (const side of ['width', 'height'] as const) {
        const v = (resolution as Partial<VideoDimension> | null)?.[side];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 16384)
          throw StreamVideoError.invalidArgument(method, `resolution.${side}`, 'must be a whole number from 0 to 16384');
      }
    }
    if (sessionIds !== undefined && (!Array.isArray(sessionIds) || sessionIds.some((id) => typeof id !== 'string' || !id)))
      throw StreamVideoError.invalidArgument(method, 'sessionIds', 'must be an array of session ids');
    bindings.setPreferredResolution(resolution, sessionIds);
  }

  private bindingsFor(method: string, argument: string, element: HTMLMediaElement, sessionId: string): ElementBindings {
    const bindings = this.requireBindings(method);
    if (!element || typeof element !== 'object' || !('srcObject' in element))
      throw StreamVideoError.invalidArgument(method, argument, 'must be a media element');
    if (typeof sessionId !== 'string' || !sessionId) throw StreamVideoError.invalidArgument(method, 'sessionId', 'must be a participant session id');
    return bindings;
  }

  private requireBindings(method: string): ElementBindings {
    if (this.hasLeft) throw callLeft(method);
    const bindings = this.owner.bindings;
    if (!bindings) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    return bindings;
  }

  /**
   * Lists this call's recordings that are files, oldest first, each with a download URL
   * signed for a limited time; the same as `client.queryRecordings(id, type)`. Only members
   * may list. Works after the call was left too.
   *
   * ```ts
   * client.on('call.recording_ready', async () => console.log((await call.queryRecordings()).recordings));
   * ```
   * @throws StreamVideoError `permission_denied` for a user who is not a member of the call.
   */
  async queryRecordings(): Promise<QueryRecordingsResponse> {
    return plainRecordings(await this.owner.send('queryRecordings', {}, 'queryRecordings'));
  }

  /**
   * Deletes one of this call's recordings: its file goes and its URLs stop working. Needs
   * `stop-record-call` and to be a member.
   * @param filename the recording's `filename`, from `queryRecordings` or `call.recording_ready`.
   * @throws StreamVideoError `invalid_argument` (checked before sending), `not_found`, `permission_denied`.
   */
  async deleteRecording(filename: string): Promise<void> {
    await this.owner.send('deleteRecording', { filename: checkRecordingFilename('deleteRecording', filename) }, 'deleteRecording');
  }

  private async withMedia<T>(method: string, act: (media: CallMedia) => Promise<T>): Promise<T> {
    if (this.hasLeft) throw callLeft(method);
    const media = this.owner.media;
    if (!media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    return act(media);
  }
}
