import type { IceServer } from '../../gen/stream/video/coordinator/v1/models';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { StreamVideoError } from '../errors/stream-video-error';
import type { CoordinatorEvent, CoordinatorEventMap } from '../events/event-map';
import type { Logger } from '../config/logger';
import type { CallStatsReport } from '../store/call-stats-report';
import type { ParticipantMedia } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { PeerConnection, type PeerHost, type RTCPeerConnectionConstructor } from './peer-connection';
import { SignalChannel } from './signal-channel';
import { callStats, peerStats } from './stats';
import { isAudioTrackType, isPublishableTrackType, TRACK_CAPABILITIES, TRACK_TYPES, TrackType, type PublishableTrackType } from './track-type';

/** What a {@link MediaSession} is made with: the call, the session, and the SDK parts it uses. */
export interface MediaSessionOptions {
  /** The call's type and id. */
  readonly type: string;
  readonly id: string;
  /** This session's id in the call, and its user. */
  readonly sessionId: string;
  readonly userId: string;
  /** The STUN/TURN servers from the join (none on loopback). */
  readonly iceServers: readonly IceServer[];
  readonly RTCPeerConnection: RTCPeerConnectionConstructor;
  readonly coordinator: StreamCoordinatorClient;
  /** The user session the signalling requests belong to. */
  readonly rpc: RpcSession;
  readonly store: StreamVideoWriteableStateStore<unknown>;
  readonly logger: Logger;
  /** How often `callStatsReport$` is refreshed, in ms; 0 never. */
  readonly statsIntervalMs: number;
  /** The connected user's capabilities in the call now. */
  ownCapabilities(): readonly string[];
}

/** The stream property of a participant for each track type. */
const MEDIA_KEYS: Record<PublishableTrackType, keyof ParticipantMedia> = {
  [TrackType.AUDIO]: 'audioStream',
  [TrackType.VIDEO]: 'videoStream',
  [TrackType.SCREEN_SHARE]: 'screenShareStream',
  [TrackType.SCREEN_SHARE_AUDIO]: 'screenShareAudioStream',
};

interface Published {
  track: MediaStreamTrack;
  /** What peer connections send the track with (the app's stream: lip sync). */
  stream: MediaStream;
  /** What the local participant shows: this track alone. */
  preview: MediaStream;
}

/**
 * The media of one joined call: a peer connection per remote participant that this session
 * exchanges media with (made when either side publishes), the tracks this session publishes,
 * the signalling, and the statistics. It reacts to the call's events once they are folded
 * into the store ({@link MediaSession.onEvent}) and ends with the call ({@link MediaSession.close}),
 * leaving no connection or track behind.
 *
 * The SDK owns published tracks: it stops a track when it is replaced, unpublished, revoked,
 * or when the call ends.
 *
 * ```ts
 * const media = new MediaSession({ ...call, RTCPeerConnection, coordinator, store, logger, statsIntervalMs: 2000, ownCapabilities });
 * await media.publish(TrackType.VIDEO, cameraStream, 'publishVideoStream');
 * media.close();
 * ```
 */
export class MediaSession {
  readonly cid: string;
  private readonly peers = new Map<string, PeerConnection>();
  private readonly published = new Map<PublishableTrackType, Published>();
  /** Capabilities of other users, as `call.permissions_updated` told them. */
  private readonly capabilities = new Map<string, readonly string[]>();
  /** The published tracks the coordinator knows of. */
  private announced: readonly TrackType[] = [];
  private readonly channel: SignalChannel;
  private ops: Promise<unknown> = Promise.resolve();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private closed = false;

  constructor(private readonly o: MediaSessionOptions) {
    this.cid = `${o.type}:${o.id}`;
    this.channel = new SignalChannel(
      (targets) => o.coordinator.sendSignals({ type: o.type, id: o.id, sessionId: o.sessionId, targets }, { idempotent: true, session: o.rpc }),
      o.logger,
    );
    if (o.statsIntervalMs > 0) this.statsTimer = setInterval(() => void this.pollStats(), o.statsIntervalMs);
  }

  /** Open peer connections, for tests and reports. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** The call's peer connections now (for the device layer's levels and connection quality). */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.peers.values()].map((peer) => peer.pc);
  }

  /** Signalling requests sent so far. */
  get signalRequests(): number {
    return this.channel.requests;
  }

  /**
   * Publishes the first track of `stream` of the kind `type` needs to every participant:
   * announces it to the coordinator (capability and mesh limit checked there), then sends it
   * on every peer connection. A type already published gets the new track by `replaceTrack`.
   * @throws StreamVideoError `invalid_argument` (no such track), `permission_denied`,
   *   `resource_exhausted` (mesh limit), `failed_precondition` (the call was left).
   */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void> {
    return this.serialize(async () => {
      if (!stream || typeof (stream as Partial<MediaStream>).getTracks !== 'function')
        throw StreamVideoError.invalidArgument(method, 'stream', 'must be a MediaStream');
      const audio = isAudioTrackType(type);
      const track = audio ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      if (!track || track.readyState === 'ended')
        throw StreamVideoError.invalidArgument(method, 'stream', `must hold a live ${audio ? 'audio' : 'video'} track`);
      this.requireOpen(method);
      const capability = TRACK_CAPABILITIES[type];
      if (!this.o.ownCapabilities().includes(capability))
        throw new StreamVideoError('permission_denied', `publishing needs the "${capability}" capability`, { method, meta: { capability } });
      if (!this.announced.includes(type)) await this.announce([...this.announced, type], method);
      this.requireOpen(method);
      const before = this.published.get(type);
      if (before?.track === track) return;
      const preview = typeof MediaStream === 'function' ? new MediaStream([track]) : stream;
      this.published.set(type, { track, stream, preview });
      // Ended by the browser (the "Stop sharing" bar, a camera unplugged): unpublish it.
      track.addEventListener?.('ended', () => {
        if (this.published.get(type)?.track === track)
          this.stopPublish(type).catch((err: unknown) =>
            this.o.logger('warn', 'could not unpublish an ended track', { code: StreamVideoError.from(err).code }),
          );
      });
      for (const p of this.o.store.remoteParticipants$.get()) this.peerFor(p.sessionId, p.userId);
      await Promise.all([...this.peers.values()].map((peer) => peer.setTrack(type, track, stream)));
      if (before && before.track !== track) before.track.stop();
      this.showLocal();
    });
  }

  /**
   * Stops publishing `type`: stops the track, takes it off every peer connection and tells
   * the coordinator. Nothing published of that type changes nothing.
   */
  stopPublish(type: TrackType, method = 'stopPublish'): Promise<void> {
    return this.serialize(async () => {
      if (!isPublishableTrackType(type))
        throw StreamVideoError.invalidArgument(method, 'trackType', 'must be TrackType.AUDIO, VIDEO, SCREEN_SHARE or SCREEN_SHARE_AUDIO');
      this.requireOpen(method);
      await this.unpublish(type);
      if (this.announced.includes(type))
        await this.announce(
          this.announced.filter((t) => t !== type),
          method,
        );
    });
  }

  /** The statistics of every peer connection now. */
  async getStats(): Promise<CallStatsReport> {
    const peers = await Promise.all([...this.peers.values()].map((peer) => peerStats(peer)));
    return callStats(peers, Date.now());
  }

  /** Reacts to an event already folded into the store (from `FoldContext.onFolded`). */
  onEvent(event: CoordinatorEvent): void {
    if (this.closed || event.callCid !== this.cid) return;
    switch (event.type) {
      case 'call.signal':
        return this.onSignal(event);
      case 'call.participant_joined':
        // Publishing: the newcomer gets an offer with every published track.
        if (this.published.size > 0 && event.participant && event.participant.sessionId !== this.o.sessionId)
          this.peerFor(event.participant.sessionId, event.participant.user?.id ?? '');
        return;
      case 'call.participant_left': {
        const sessionId = event.participant?.sessionId ?? '';
        this.peers.get(sessionId)?.close();
        this.peers.delete(sessionId);
        this.channel.forget(sessionId);
        return;
      }
      case 'call.participant_updated':
        if (event.participant) this.refresh(event.participant.sessionId);
        return;
      case 'call.permissions_updated':
        return this.onPermissions(event);
      default:
        return;
    }
  }

  /**
   * After events were lost beyond the server's replay buffer (a re-sync), signals may have
   * been lost too and a negotiation may wait forever: every connection starts afresh.
   */
  resync(): void {
    if (this.closed) return;
    const publishing = this.published.size > 0;
    for (const p of this.o.store.remoteParticipants$.get()) {
      // Also a participant this side has no connection to yet: its offer may be what was lost.
      if (this.peers.has(p.sessionId) || publishing || p.publishedTracks.length > 0) this.resetPeer(p.sessionId, p.userId);
    }
  }

  /** Ends the media of the call: stops published tracks, closes every peer connection. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.channel.close();
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const p of this.published.values()) p.track.stop();
    this.published.clear();
  }

  private onSignal(event: CoordinatorEventMap['call.signal']): void {
    if (event.toSessionId !== this.o.sessionId) return; // another device of this user
    const from = event.fromSessionId;
    const sender = this.o.store.table.read(from);
    if (!sender) {
      this.o.logger('debug', 'ignored signals from a session not in the call', { from });
      return;
    }
    for (const signal of event.signals) {
      if (!this.channel.accept(from, signal.seq)) continue;
      let peer = this.peers.get(from);
      // A larger generation: the sender replaced its connection, this side follows; a smaller
      // one comes from a connection already replaced.
      if (!peer) peer = this.peerFor(from, sender.userId, signal.generation);
      else if (signal.generation > peer.generation) peer = this.replacePeer(from, sender.userId, signal.generation);
      else if (signal.generation < peer.generation) continue;
      void peer.handle(signal);
    }
  }

  /**
   * Replaces the connection to a session by one of the next generation, and says hello with
   * it so that the other side replaces its own too: both then negotiate from scratch.
   */
  private resetPeer(sessionId: string, userId: string): void {
    if (this.closed) return;
    const next = (this.peers.get(sessionId)?.generation ?? 0) + 1;
    this.replacePeer(sessionId, userId, next);
    this.channel.send(sessionId, { oneofKind: 'iceRestart', iceRestart: {} }, next);
  }

  /** Closes the connection to a session and makes a new one of `generation`, with every published track. */
  private replacePeer(sessionId: string, userId: string, generation: number): PeerConnection {
    this.o.logger('info', 'replacing a peer connection', { remote: sessionId, generation });
    this.peers.get(sessionId)?.close();
    this.peers.delete(sessionId);
    const peer = this.peerFor(sessionId, userId, generation);
    this.refresh(sessionId);
    return peer;
  }

  private onPermissions(event: CoordinatorEventMap['call.permissions_updated']): void {
    if (event.userId !== this.o.userId) {
      this.capabilities.set(event.userId, event.ownCapabilities);
      for (const peer of this.peers.values()) if (peer.remoteUserId === event.userId) this.refresh(peer.remoteSessionId);
      return;
    }
    // A revoked capability stops that track everywhere; the coordinator already unpublished it.
    for (const type of TRACK_TYPES) {
      if (this.published.has(type) && !event.ownCapabilities.includes(TRACK_CAPABILITIES[type])) {
        void this.serialize(async () => {
          await this.unpublish(type);
          this.announced = this.announced.filter((t) => t !== type);
        });
      }
    }
  }

  private async unpublish(type: PublishableTrackType): Promise<void> {
    const published = this.published.get(type);
    if (!published) return;
    this.published.delete(type);
    published.track.stop();
    await Promise.all([...this.peers.values()].map((peer) => peer.setTrack(type, null)));
    this.showLocal();
  }

  private async announce(tracks: TrackType[], method: string): Promise<void> {
    const { participant } = await this.o.coordinator.updatePublishedTracks(
      { type: this.o.type, id: this.o.id, sessionId: this.o.sessionId, publishedTracks: tracks },
      { idempotent: true, session: this.o.rpc },
    );
    if (!participant) throw new StreamVideoError('internal', 'the answer lacks the participant', { method });
    this.announced = participant.publishedTracks;
  }

  /** The peer connection to a remote session, made on first use with every published track. */
  private peerFor(sessionId: string, userId: string, generation = 0): PeerConnection {
    let peer = this.peers.get(sessionId);
    if (peer) return peer;
    const host: PeerHost = {
      signal: (kind) => this.channel.send(sessionId, kind, generation),
      onRemoteTracks: () => this.refresh(sessionId),
      reset: () => {
        if (peer && this.peers.get(sessionId) === peer) this.resetPeer(sessionId, userId);
      },
      logger: this.o.logger,
    };
    const iceServers = this.o.iceServers.map((s) => ({ urls: [...s.urls], ...(s.username ? { username: s.username, credential: s.password } : {}) }));
    // Both sides agree on who is polite without a word: the smaller session id.
    peer = new PeerConnection(this.o.RTCPeerConnection, { iceServers }, sessionId, userId, this.o.sessionId < sessionId, host, generation);
    this.peers.set(sessionId, peer);
    for (const [type, p] of this.published) {
      void peer.setTrack(type, p.track, p.stream).catch((err: unknown) => this.o.logger('warn', 'could not add a track', { error: String(err) }));
    }
    return peer;
  }

  /** Attaches to a remote participant the streams it publishes and may publish. O(1). */
  private refresh(sessionId: string): void {
    if (this.closed || sessionId === this.o.sessionId) return;
    const participant = this.o.store.table.read(sessionId);
    const peer = this.peers.get(sessionId);
    if (!participant) return;
    const caps = this.capabilities.get(participant.userId);
    const media: ParticipantMedia = {};
    for (const type of TRACK_TYPES) {
      const allowed = participant.publishedTracks.includes(type) && (!caps || caps.includes(TRACK_CAPABILITIES[type]));
      const stream = allowed ? peer?.remoteStream(type) : undefined;
      if (stream) (media as Record<string, MediaStream>)[MEDIA_KEYS[type]] = stream;
    }
    this.o.store.updateParticipants((t) => t.setMedia(sessionId, media));
  }

  /** Shows the published tracks on the local participant. */
  private showLocal(): void {
    if (this.closed) return;
    const media: ParticipantMedia = {};
    for (const [type, p] of this.published) (media as Record<string, MediaStream>)[MEDIA_KEYS[type]] = p.preview;
    this.o.store.updateParticipants((t) => t.setMedia(this.o.sessionId, media));
  }

  private async pollStats(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const report = await this.getStats();
      if (!this.closed) this.o.store.callStatsReport$.set(report);
    } catch (err) {
      this.o.logger('debug', 'could not read the stats', { error: String(err) });
    } finally {
      this.polling = false;
    }
  }

  private requireOpen(method: string): void {
    if (this.closed) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.ops.then(work, work);
    this.ops = run.catch(() => {});
    return run;
  }
}
