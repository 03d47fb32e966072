import type { IceServer } from '../../gen/stream/video/coordinator/v1/models';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import type { CoordinatorEvent, CoordinatorEventMap } from '../events/event-map';
import type { FoldedEvents } from '../events/event-pipeline';
import type { Logger } from '../config/logger';
import type { CallStatsReport } from '../store/call-stats-report';
import type { ParticipantMedia } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { NetworkEventSource } from '../ws/websocket-like';
import { MEDIA_TIMING } from './media-timing';
import { PeerConnection, type PeerHost, type RTCPeerConnectionConstructor } from './peer-connection';
import { PeerLink, type LinkHost } from './peer-link';
import { SignalChannel } from './signal-channel';
import { LocalTracks, MEDIA_KEYS } from './local-tracks';
import { callStats, peerStats, pollCallStats } from './stats';
import { TRACK_CAPABILITIES, TRACK_TYPES, type PublishableTrackType, type TrackType } from './track-type';

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
  /** Where `online` and `offline` come from (a browser's `window`), if anywhere. */
  readonly network?: NetworkEventSource;
  /** The connected user's capabilities in the call now. */
  ownCapabilities(): readonly string[];
  /** The session's events once folded into the store: followed until `close()`. */
  readonly events: FoldedEvents;
}

/**
 * The media of one joined call: a peer connection per remote participant that this session
 * exchanges media with (made when either side publishes), the tracks this session publishes,
 * the signalling, the health of the remote media and its recovery, and the statistics. It
 * reacts to the call's events once they are folded into the store ({@link MediaSession.onEvent})
 * and ends with the call ({@link MediaSession.close}), leaving no connection, track or timer behind.
 *
 * The SDK owns published tracks: it stops a track when it is replaced, unpublished, revoked,
 * or when the call ends.
 *
 * What a remote session's signals can make it do is bounded: one connection per remote
 * session at any moment, replaced at most as often as {@link PeerLink} allows (whatever
 * generation a signal names); what cannot be applied is dropped with a logged code and
 * touches no other connection.
 *
 * ```ts
 * const media = new MediaSession({ ...call, RTCPeerConnection, coordinator, store, logger, statsIntervalMs: 2000, ownCapabilities, events: pipeline });
 * await media.publish(TrackType.VIDEO, cameraStream, 'publishVideoStream');
 * media.close();
 * ```
 */
export class MediaSession {
  readonly cid: string;
  private readonly links = new Map<string, PeerLink>();
  /** What this session publishes. */
  private readonly published: LocalTracks;
  /** Capabilities of other users, as `call.permissions_updated` told them. */
  private readonly capabilities = new Map<string, readonly string[]>();
  private readonly channel: SignalChannel;
  private readonly stopStats: () => void;
  private readonly healthTimer: ReturnType<typeof setInterval>;
  private closed = false;
  private readonly unsubscribe: () => void;
  private offline = false;
  private readonly onOffline = () => this.networkChanged(true);
  private readonly onOnline = () => this.networkChanged(false);

  constructor(private readonly o: MediaSessionOptions) {
    this.cid = `${o.type}:${o.id}`;
    this.channel = new SignalChannel(
      (targets) => o.coordinator.sendSignals({ type: o.type, id: o.id, sessionId: o.sessionId, targets }, { idempotent: true, session: o.rpc }),
      o.logger,
    );
    this.published = new LocalTracks({
      ...o,
      send: async (type, track) => {
        // Publishing: every remote participant gets a connection (made with what is published).
        if (track) for (const p of o.store.remoteParticipants$.get()) this.linkFor(p.sessionId, p.userId);
        await Promise.all([...this.links.values()].map((link) => link.peer.setTrack(type, track)));
      },
    });
    this.stopStats = pollCallStats(o.statsIntervalMs, () => this.getStats(), o.store, o.logger);
    this.unsubscribe = o.events.subscribe((event) => this.onEvent(event));
    this.healthTimer = setInterval(() => {
      for (const link of this.links.values()) void link.poll();
    }, MEDIA_TIMING.healthIntervalMs);
    o.network?.addEventListener('offline', this.onOffline);
    o.network?.addEventListener('online', this.onOnline);
  }

  /** Open peer connections (one per remote session at most), for tests and reports. */
  get peerCount(): number {
    return this.links.size;
  }

  /** The call's peer connections now (for the device layer's levels and connection quality). */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.links.values()].map((link) => link.peer.pc);
  }

  /** Signalling requests sent so far. */
  get signalRequests(): number {
    return this.channel.requests;
  }

  /**
   * Publishes the first track of `stream` of the kind `type` needs to every participant:
   * announces it to the coordinator (capability and mesh limit checked there), then sends it
   * on every peer connection with `replaceTrack` (never a renegotiation). A type already
   * published gets the new track the same way.
   * @throws StreamVideoError `invalid_argument` (no such track), `permission_denied`,
   *   `resource_exhausted` (mesh limit), `failed_precondition` (the call was left).
   */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void> {
    return this.published.publish(type, stream, method);
  }

  /**
   * Stops publishing `type`: stops the track, takes it off every peer connection and tells
   * the coordinator. Nothing published of that type changes nothing.
   */
  stopPublish(type: TrackType, method = 'stopPublish'): Promise<void> {
    return this.published.stopPublish(type, method);
  }

  /** The statistics of every peer connection now. */
  async getStats(): Promise<CallStatsReport> {
    const peers = await Promise.all([...this.links.values()].map((link) => peerStats(link.peer)));
    return callStats(peers, Date.now());
  }

  /** Reacts to an event already folded into the store (it subscribes to the folded events). */
  onEvent(event: CoordinatorEvent): void {
    if (this.closed || event.callCid !== this.cid) return;
    switch (event.type) {
      case 'call.signal':
        return this.onSignal(event);
      case 'call.participant_joined':
        // Publishing: the newcomer gets the published tracks.
        if (this.published.size > 0 && event.participant && event.participant.sessionId !== this.o.sessionId)
          this.linkFor(event.participant.sessionId, event.participant.user?.id ?? '');
        return;
      case 'call.participant_left': {
        const sessionId = event.participant?.sessionId ?? '';
        this.links.get(sessionId)?.close();
        this.links.delete(sessionId);
        this.channel.forget(sessionId);
        return;
      }
      case 'call.participant_updated': {
        const p = event.participant;
        // A publisher gets a connection from this side too: whichever side comes first, it connects.
        if (p && p.sessionId !== this.o.sessionId && p.publishedTracks.length > 0) this.linkFor(p.sessionId, p.user?.id ?? '');
        if (p) this.tracksChanged(p.sessionId);
        return;
      }
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
      const link = this.links.get(p.sessionId);
      if (link) link.renew('resync');
      else if (publishing || p.publishedTracks.length > 0) this.linkFor(p.sessionId, p.userId, 1);
    }
  }

  /** Ends the media of the call: stops published tracks, closes every peer connection, stops every timer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.stopStats();
    clearInterval(this.healthTimer);
    this.o.network?.removeEventListener('offline', this.onOffline);
    this.o.network?.removeEventListener('online', this.onOnline);
    this.channel.close();
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.published.close();
  }

  private onSignal(event: CoordinatorEventMap['call.signal']): void {
    if (event.toSessionId !== this.o.sessionId) return; // another device of this user
    const from = event.fromSessionId;
    const sender = this.o.store.table.read(from);
    if (!sender || from === this.o.sessionId) {
      this.o.logger('debug', 'ignored signals from a session not in the call', { code: 'signal_unknown_sender', from });
      return;
    }
    for (const signal of event.signals) {
      if (!this.channel.accept(from, signal.seq)) continue;
      const generation = signal.generation;
      let link = this.links.get(from);
      // A larger generation: the sender replaced its connection, this side follows (as often
      // as the limit allows); a smaller one comes from a connection already replaced.
      if (!link) link = this.linkFor(from, sender.userId, generation, false);
      else if (generation > link.generation) {
        if (!link.follow(generation)) continue;
      } else if (generation < link.generation) continue;
      void link.peer.handle(signal);
    }
  }

  private onPermissions(event: CoordinatorEventMap['call.permissions_updated']): void {
    if (event.userId !== this.o.userId) {
      this.capabilities.set(event.userId, event.ownCapabilities);
      for (const link of this.links.values()) if (link.peer.remoteUserId === event.userId) this.tracksChanged(link.sessionId);
      return;
    }
    // A revoked capability stops that track everywhere; the coordinator already unpublished it.
    this.published.capabilitiesChanged(event.ownCapabilities);
  }

  /**
   * The link to a remote session, made on first use with every published track.
   * @param hello whether its connection asks the other side for an offer: not when the other side's signal made it.
   */
  private linkFor(sessionId: string, userId: string, generation = 0, hello = true): PeerLink {
    let link = this.links.get(sessionId);
    if (link) return link;
    const host: LinkHost = {
      connect: (g) => this.connect(sessionId, userId, g),
      publishes: (type) => this.remotePublishes(sessionId, type),
      changed: () => this.refresh(sessionId),
      isOffline: () => this.offline,
      logger: this.o.logger,
    };
    link = new PeerLink(sessionId, host, generation, hello);
    this.links.set(sessionId, link);
    link.tracksChanged();
    this.refresh(sessionId);
    return link;
  }

  /** A new peer connection to a remote session, sending every published track. */
  private connect(sessionId: string, userId: string, generation: number): PeerConnection {
    const host: PeerHost = {
      signal: (kind) => this.channel.send(sessionId, kind, generation),
      onRemoteTracks: () => this.refresh(sessionId),
      onConnectionState: () => this.links.get(sessionId)?.check(),
      logger: this.o.logger,
    };
    const iceServers = this.o.iceServers.map((s) => ({ urls: [...s.urls], ...(s.username ? { username: s.username, credential: s.password } : {}) }));
    // Both sides agree on who is polite (answers) without a word: the smaller session id.
    const peer = new PeerConnection(this.o.RTCPeerConnection, { iceServers }, sessionId, userId, this.o.sessionId < sessionId, host, generation);
    for (const [type, p] of this.published.entries()) {
      void peer.setTrack(type, p.track).catch((err: unknown) => this.o.logger('warn', 'could not send a track', { error: String(err) }));
    }
    return peer;
  }

  /** A remote session's published tracks (or its capabilities) changed: their health and streams follow. */
  private tracksChanged(sessionId: string): void {
    this.links.get(sessionId)?.tracksChanged();
    this.refresh(sessionId);
  }

  /** Whether a remote session publishes `type` now and may. */
  private remotePublishes(sessionId: string, type: PublishableTrackType): boolean {
    const participant = this.o.store.table.read(sessionId);
    if (!participant?.publishedTracks.includes(type)) return false;
    const caps = this.capabilities.get(participant.userId);
    return !caps || caps.includes(TRACK_CAPABILITIES[type]);
  }

  /** Shows on a remote participant the streams it publishes and the health of its media. O(1). */
  private refresh(sessionId: string): void {
    if (this.closed || sessionId === this.o.sessionId) return;
    const link = this.links.get(sessionId);
    if (!this.o.store.table.read(sessionId)) return;
    const media: ParticipantMedia = {};
    for (const type of TRACK_TYPES) {
      const stream = this.remotePublishes(sessionId, type) ? link?.peer.remoteStream(type) : undefined;
      if (stream) (media as Record<string, MediaStream>)[MEDIA_KEYS[type]] = stream;
    }
    this.o.store.updateParticipants((t) => {
      const streams = t.setMedia(sessionId, media);
      const health = link ? t.setMediaHealth(sessionId, { mediaConnectionState: link.connectionState, trackStates: link.trackStates }) : false;
      return streams || health;
    });
  }

  private networkChanged(offline: boolean): void {
    if (this.closed || offline === this.offline) return;
    this.offline = offline;
    this.o.logger('info', offline ? 'the network is gone: media recovery waits' : 'the network is back: recovering the media', {
      code: offline ? 'media_network_offline' : 'media_network_online',
    });
    for (const link of this.links.values()) {
      if (offline) link.offline();
      else link.online();
    }
  }
}
