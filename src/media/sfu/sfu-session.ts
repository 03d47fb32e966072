import { PeerType, SdpType, type TrackSubscription } from '../../../gen/stream/video/coordinator/v1/models';
import type { CoordinatorEvent, CoordinatorEventMap } from '../../events/event-map';
import type { CallStatsReport, PeerStatsReport } from '../../store/call-stats-report';
import {
  NO_TRACK_STATES,
  type MediaConnectionState,
  type ParticipantMedia,
  type RemoteTrackState,
  type StreamParticipant,
} from '../../store/participant-table';
import type { CallMedia, VideoDimension } from '../call-media';
import type { MediaSessionOptions } from '../media-session';
import { MEDIA_TIMING } from '../media-timing';
import { SignalChannel, type SignalKind } from '../signal-channel';
import { LocalTracks, MEDIA_KEYS } from '../local-tracks';
import { directionStats, emptyStats, pollCallStats, type StatsEntry } from '../stats';
import { expectAgain, nextTrackHealth, type TrackHealth, type TrackSample } from '../track-health';
import { TRACK_CAPABILITIES, TRACK_TYPES, TrackType, type PublishableTrackType } from '../track-type';
import { SFU_TIMING, type SfuPeerHost } from './sfu-peer-host';
import { SfuPublisher } from './sfu-publisher';
import { SfuSubscriber } from './sfu-subscriber';

/** What an {@link SfuSession} is made with: a mesh session's options and the SFU's session id of the join. */
export interface SfuSessionOptions extends MediaSessionOptions {
  /** The session id standing for the SFU in signals (`Credentials.sfuSessionId`). */
  readonly sfuSessionId: string;
}

/** New connections tried in a row, after an ICE restart, before recovery gives up. */
const MAX_REPLACEMENTS = 3;
/** How long changes of video preferences gather before one SubscriptionUpdate, in ms. */
const PREFERENCE_DELAY_MS = 50;

type Direction = 'publisher' | 'subscriber';

/** Where one connection is on the recovery ladder: ICE restart, then new connections, bounded. */
interface Recovery {
  attempts: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The media of one joined SFU call: a publisher connection that sends this session's tracks
 * to the SFU (made at the first publish) and a subscriber connection that brings every other
 * participant's (made at once; the SFU offers it when there is something to receive). Signals
 * travel through the coordinator to the SFU's session id, on the exactly-once event channel.
 * The same API as the mesh (`MediaSession`): publish, stop publishing, statistics, the
 * participants' streams; plus the video size each remote track is shown at, which picks its
 * simulcast layer at the SFU (or none, for a hidden one).
 *
 * A connection that fails restarts ICE, then is replaced by a new one (a new generation),
 * at most {@link MAX_REPLACEMENTS} times in a row. When the SFU stops (`call.sfu_changed`)
 * both connections close; when it is back, they connect again to its new session id, with
 * the tracks still published. Each remote participant's media health follows the subscriber
 * connection (`reconnecting` while it is down or the SFU is gone) and what arrives of each of
 * its tracks (read every `MEDIA_TIMING.healthIntervalMs`, as in a mesh).
 *
 * ```ts
 * const media = new SfuSession({ ...options, sfuSessionId: credentials.sfuSessionId });
 * await media.publish(TrackType.VIDEO, cameraStream, 'publishVideoStream');
 * media.setVideoPreference('alice-session', TrackType.VIDEO, { width: 320, height: 180 });
 * media.close();
 * ```
 */
export class SfuSession implements CallMedia {
  readonly cid: string;
  /** The SFU's talking events elect the dominant speaker (`call.dominant_speaker_changed`). */
  readonly serverElectsSpeaker = true;
  private sfuId: string;
  private available = true;
  private readonly channel: SignalChannel;
  private publisher: SfuPublisher | undefined;
  private subscriber: SfuSubscriber | undefined;
  private generations: Record<Direction, number> = { publisher: -1, subscriber: -1 };
  private readonly recovery: Record<Direction, Recovery> = { publisher: { attempts: 0, timer: undefined }, subscriber: { attempts: 0, timer: undefined } };
  /** What this session publishes. */
  private readonly published: LocalTracks;
  /** Capabilities of other users, as `call.permissions_updated` told them. */
  private readonly capabilities = new Map<string, readonly string[]>();
  private readonly preferences = new Map<string, TrackSubscription>();
  private preferenceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopStats: () => void;
  /** The health of each remote participant's tracks, by session. */
  private readonly health = new Map<string, Map<PublishableTrackType, TrackHealth>>();
  private readonly healthTimer: ReturnType<typeof setInterval>;
  private checking = false;
  /** The generation of the last subscriber connection seen connected; -1 before any. */
  private connectedGeneration = -1;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: SfuSessionOptions) {
    this.cid = `${o.type}:${o.id}`;
    this.sfuId = o.sfuSessionId;
    this.channel = new SignalChannel(
      (targets) => o.coordinator.sendSignals({ type: o.type, id: o.id, sessionId: o.sessionId, targets }, { idempotent: true, session: o.rpc }),
      o.logger,
    );
    this.published = new LocalTracks({
      ...o,
      send: async (type, track, stream) => {
        if (!track) await this.publisher?.setTrack(type, null);
        else if (this.available) await (this.publisher ?? this.connectPublisher()).setTrack(type, track, stream);
      },
    });
    this.stopStats = pollCallStats(o.statsIntervalMs, () => this.getStats(), o.store, o.logger);
    this.healthTimer = setInterval(() => void this.checkHealth(), MEDIA_TIMING.healthIntervalMs);
    this.unsubscribe = o.events.subscribe((event) => this.onEvent(event));
    this.connectSubscriber();
  }

  /**
   * Publishes the first track of `stream` of the kind `type` needs: announces it to the
   * coordinator (capability and the SFU's publisher limit checked there), then sends it to the
   * SFU. A type already published gets the new track by `replaceTrack`.
   * @throws StreamVideoError `invalid_argument` (no such track), `permission_denied`,
   *   `resource_exhausted` (the SFU's publisher limit), `failed_precondition` (the call was left).
   */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void> {
    return this.published.publish(type, stream, method);
  }

  /** Stops publishing `type`: stops the track, sends nothing more of it and tells the coordinator. */
  stopPublish(type: TrackType, method = 'stopPublish'): Promise<void> {
    return this.published.stopPublish(type, method);
  }

  /**
   * The statistics now: what the publisher sends, and what the subscriber receives from each
   * remote participant (one peer report per participant, its tracks' streams summed).
   */
  async getStats(): Promise<CallStatsReport> {
    const [sent, received] = await Promise.all([this.publisher?.pc.getStats(), this.subscriber?.pc.getStats()]);
    const publisherStats = sent ? directionStats(entriesOf(sent)).publisher : emptyStats();
    const subscriberStats = received ? directionStats(entriesOf(received)).subscriber : emptyStats();
    const peers: PeerStatsReport[] = [];
    const subscriber = this.subscriber;
    if (received && subscriber) {
      const midOfTrack = new Map(subscriber.pc.getTransceivers().map((t) => [t.receiver.track?.id ?? '', t.mid ?? '']));
      for (const [sessionId, mids] of subscriber.midsBySession()) {
        const include = (e: StatsEntry) => e.type !== 'inbound-rtp' || mids.has(e.mid ?? midOfTrack.get(e.trackIdentifier ?? '') ?? '');
        const inbound = directionStats(
          entriesOf(received).filter((e) => e.type !== 'outbound-rtp' && e.type !== 'remote-inbound-rtp'),
          include,
        );
        peers.push({
          sessionId,
          userId: this.o.store.table.read(sessionId)?.userId ?? '',
          connectionState: subscriber.pc.connectionState,
          publisher: emptyStats(),
          subscriber: inbound.subscriber,
        });
      }
    }
    return { timestamp: Date.now(), publisherStats, subscriberStats, peers };
  }

  /**
   * The size a remote participant's video is shown at; the SFU then sends the simulcast layer
   * that fits (`0 x 0`: none). `undefined` forgets the preference (the highest layer).
   */
  setVideoPreference(sessionId: string, trackType: TrackType.VIDEO | TrackType.SCREEN_SHARE, size: VideoDimension | undefined): void {
    if (this.closed) return;
    const key = `${sessionId}\n${trackType}`;
    if (size) this.preferences.set(key, { sessionId, trackType, width: Math.round(size.width), height: Math.round(size.height) });
    else this.preferences.delete(key);
    if (this.preferenceTimer !== undefined) return;
    this.preferenceTimer = setTimeout(() => {
      this.preferenceTimer = undefined;
      this.sendPreferences();
    }, PREFERENCE_DELAY_MS);
  }

  /** The call's peer connections now: the publisher's and the subscriber's (for the device layer's levels and connection quality). */
  get peerConnections(): RTCPeerConnection[] {
    return [this.publisher?.pc, this.subscriber?.pc].filter((pc): pc is RTCPeerConnection => pc !== undefined);
  }

  /** Reacts to an event already folded into the store (it follows the session's folded events until it closes). */
  onEvent(event: CoordinatorEvent): void {
    if (this.closed || event.callCid !== this.cid) return;
    switch (event.type) {
      case 'call.signal':
        return this.onSignal(event);
      case 'call.participant_updated':
        if (event.participant) this.refresh(event.participant.sessionId);
        return;
      case 'call.participant_left':
        // What was kept for the session (its video preferences, its health) goes with it.
        this.health.delete(event.participant?.sessionId ?? '');
        for (const key of [...this.preferences.keys()]) if (key.startsWith(`${event.participant?.sessionId ?? ''}\n`)) this.preferences.delete(key);
        return;
      case 'call.permissions_updated':
        return this.onPermissions(event);
      case 'call.sfu_changed':
        return this.onSfuChanged(event);
      default:
        return;
    }
  }

  /** Signals may have been lost with events beyond the replay buffer: both connections start afresh. */
  resync(): void {
    if (this.closed || !this.available) return;
    if (this.publisher) this.connectPublisher();
    this.connectSubscriber();
  }

  /** Ends the media of the call: stops published tracks, closes both connections. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.stopStats();
    clearInterval(this.healthTimer);
    clearTimeout(this.preferenceTimer);
    for (const r of Object.values(this.recovery)) clearTimeout(r.timer);
    this.channel.close();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = undefined;
    this.published.close();
  }

  private onSignal(event: CoordinatorEventMap['call.signal']): void {
    if (event.toSessionId !== this.o.sessionId || event.fromSessionId !== this.sfuId) return;
    for (const signal of event.signals) {
      if (!this.channel.accept(event.fromSessionId, signal.seq)) continue;
      const kind = signal.kind;
      if (kind.oneofKind !== 'description') continue; // the SFU puts its candidates in its descriptions
      if (signal.peerType === PeerType.PUBLISHER && this.publisher?.generation === signal.generation && kind.description.type === SdpType.ANSWER) {
        const publisher = this.publisher;
        publisher.handleAnswer(kind.description.sdp).catch((err: unknown) => {
          this.o.logger('warn', 'could not apply the SFU answer', { error: String(err) });
          if (this.publisher === publisher) this.recover('publisher');
        });
      } else if (signal.peerType === PeerType.SUBSCRIBER && this.subscriber?.generation === signal.generation) {
        void this.subscriber.handleOffer(kind.description);
      }
    }
  }

  private onPermissions(event: CoordinatorEventMap['call.permissions_updated']): void {
    if (event.userId !== this.o.userId) {
      this.capabilities.set(event.userId, event.ownCapabilities);
      for (const p of this.o.store.remoteParticipants$.get()) if (p.userId === event.userId) this.refresh(p.sessionId);
      return;
    }
    // A revoked capability stops that track here; the SFU already stopped forwarding it.
    this.published.capabilitiesChanged(event.ownCapabilities);
  }

  private onSfuChanged(event: CoordinatorEventMap['call.sfu_changed']): void {
    this.o.logger(event.available ? 'info' : 'warn', event.available ? 'the SFU is back' : 'the SFU stopped', { sfu: event.sfuSessionId });
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = this.subscriber = undefined;
    this.channel.forget(this.sfuId);
    this.available = event.available;
    this.expectMedia();
    for (const p of this.o.store.remoteParticipants$.get()) this.refresh(p.sessionId);
    if (!event.available) return;
    // A new SFU session: both connections start again from generation 0, with what is published.
    this.sfuId = event.sfuSessionId;
    this.generations = { publisher: -1, subscriber: -1 };
    for (const r of Object.values(this.recovery)) r.attempts = 0;
    if (this.published.size > 0) this.connectPublisher();
    this.connectSubscriber();
  }

  /** A new publisher connection (the next generation) with every published track. */
  private connectPublisher(): SfuPublisher {
    this.publisher?.close();
    const generation = ++this.generations.publisher;
    const publisher = new SfuPublisher(this.o.RTCPeerConnection, this.rtcConfig(), generation, this.host('publisher', PeerType.PUBLISHER));
    this.publisher = publisher;
    for (const [type, p] of this.published.entries()) {
      publisher.setTrack(type, p.track, p.stream).catch((err: unknown) => this.o.logger('warn', 'could not add a track', { error: String(err) }));
    }
    return publisher;
  }

  /** A new subscriber connection (the next generation); the SFU offers once there is something to receive. */
  private connectSubscriber(): void {
    this.subscriber?.close();
    const generation = ++this.generations.subscriber;
    this.subscriber = new SfuSubscriber(this.o.RTCPeerConnection, this.rtcConfig(), generation, this.host('subscriber', PeerType.SUBSCRIBER));
    this.expectMedia();
    // The first subscriber signal of a generation starts the subscription at the SFU.
    this.sendPreferences();
    if (this.remotesPublish()) this.subscriber.expectOffer();
  }

  private host(direction: Direction, peerType: PeerType): SfuPeerHost {
    return {
      signal: (kind: SignalKind, generation: number) => {
        if (this.available) this.channel.send(this.sfuId, kind, generation, peerType);
      },
      onStateChange: () => this.onStateChange(direction),
      onRemoteTracks: () => {
        for (const p of this.o.store.remoteParticipants$.get()) this.refresh(p.sessionId);
      },
      logger: this.o.logger,
    };
  }

  /** Climbs the recovery ladder when a connection failed or stalled; a connected one starts at the bottom again. */
  private onStateChange(direction: Direction): void {
    const peer = direction === 'publisher' ? this.publisher : this.subscriber;
    if (!peer || this.closed) return;
    const state = peer.pc.connectionState;
    const r = this.recovery[direction];
    if (direction === 'subscriber') {
      // Media can flow from now on: a track's stall time counts from here.
      if (state === 'connected' && this.connectedGeneration !== peer.generation) {
        this.connectedGeneration = peer.generation;
        this.expectMedia();
      }
      for (const p of this.o.store.remoteParticipants$.get()) this.refresh(p.sessionId);
    }
    if (state === 'connected' && !peer.stalled) {
      r.attempts = 0;
      clearTimeout(r.timer);
      r.timer = undefined;
      return;
    }
    if (state === 'failed' || peer.stalled) this.recover(direction);
  }

  /** One step up the ladder: an ICE restart first, then new connections, at most {@link MAX_REPLACEMENTS} in a row. */
  private recover(direction: Direction): void {
    if (this.closed || !this.available) return;
    const r = this.recovery[direction];
    clearTimeout(r.timer);
    r.timer = undefined;
    const peer = direction === 'publisher' ? this.publisher : this.subscriber;
    r.attempts++;
    if (r.attempts > MAX_REPLACEMENTS + 1) {
      this.o.logger('error', 'the connection to the SFU could not be recovered', { code: 'sfu_connection_failed', direction });
      return;
    }
    if (r.attempts === 1 && peer && !peer.stalled) {
      this.o.logger('info', 'restarting ICE with the SFU', { code: 'sfu_ice_restart', direction });
      if (peer instanceof SfuPublisher) peer.restartIce();
      else this.channel.send(this.sfuId, { oneofKind: 'iceRestart', iceRestart: {} }, peer.generation, PeerType.SUBSCRIBER);
      r.timer = setTimeout(() => {
        r.timer = undefined;
        const now = direction === 'publisher' ? this.publisher : this.subscriber;
        if (now === peer && now.pc.connectionState !== 'connected') this.recover(direction);
      }, SFU_TIMING.restartTimeoutMs);
      return;
    }
    this.o.logger('info', 'replacing a connection to the SFU', { code: 'sfu_new_connection', direction, attempt: r.attempts });
    if (direction === 'publisher') this.connectPublisher();
    else this.connectSubscriber();
  }

  /** Sends the video preferences on the subscriber connection (its first signal starts it at the SFU). */
  private sendPreferences(): void {
    const subscriber = this.subscriber;
    if (!subscriber || this.closed || !this.available) return;
    this.channel.send(
      this.sfuId,
      { oneofKind: 'subscriptionUpdate', subscriptionUpdate: { tracks: [...this.preferences.values()] } },
      subscriber.generation,
      PeerType.SUBSCRIBER,
    );
  }

  private remotesPublish(): boolean {
    for (const p of this.o.store.remoteParticipants$.get()) if (p.publishedTracks.length > 0) return true;
    return false;
  }

  /**
   * Attaches to a remote participant the streams it publishes and may publish, and shows the
   * health of its media: of its tracks from `samples` (a read of the subscriber's statistics)
   * or as they are published and unpublished. O(1) per track.
   */
  private refresh(sessionId: string, samples?: Map<string, TrackSample>): void {
    if (this.closed || sessionId === this.o.sessionId) return;
    const participant = this.o.store.table.read(sessionId);
    if (!participant) return;
    const caps = this.capabilities.get(participant.userId);
    const media: ParticipantMedia = {};
    let tracks = this.health.get(sessionId);
    let publishes = false;
    for (const type of TRACK_TYPES) {
      const allowed = participant.publishedTracks.includes(type) && (!caps || caps.includes(TRACK_CAPABILITIES[type]));
      const stream = allowed ? this.subscriber?.remoteStream(sessionId, type) : undefined;
      if (stream) (media as Record<string, MediaStream>)[MEDIA_KEYS[type]] = stream;
      publishes ||= allowed;
      const previous = tracks?.get(type);
      if (samples ? allowed || previous : allowed !== (previous !== undefined && previous.state !== 'ended')) {
        if (!tracks) this.health.set(sessionId, (tracks = new Map<PublishableTrackType, TrackHealth>()));
        tracks.set(type, nextTrackHealth(previous, samples?.get(`${sessionId}\n${type}`), allowed, Date.now(), MEDIA_TIMING.stallMs));
      }
    }
    const connected = this.subscriber?.pc.connectionState === 'connected';
    const state: MediaConnectionState = !publishes
      ? 'idle'
      : this.available && connected
        ? 'connected'
        : this.available && this.connectedGeneration < 0
          ? 'connecting'
          : 'reconnecting';
    this.o.store.updateParticipants((t) => {
      const streams = t.setMedia(sessionId, media);
      return t.setMediaHealth(sessionId, { mediaConnectionState: state, trackStates: statesOf(tracks, participant.trackStates) }) || streams;
    });
    if (this.subscriber && !this.subscriber.pc.remoteDescription && participant.publishedTracks.length > 0) this.subscriber.expectOffer();
  }

  /** Reads what arrived of every remote track (nothing while there is no subscriber connection) and shows its health. */
  private async checkHealth(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const subscriber = this.subscriber;
      const samples = subscriber ? await subscriber.samples() : new Map<string, TrackSample>();
      if (subscriber === this.subscriber) for (const p of this.o.store.remoteParticipants$.get()) this.refresh(p.sessionId, samples);
    } catch (err) {
      this.o.logger('debug', 'could not read the stats of the subscriber', { error: String(err) });
    } finally {
      this.checking = false;
    }
  }

  /** Media is expected afresh from now (a new or newly connected subscriber connection, the SFU gone or back): counts start again. */
  private expectMedia(): void {
    const now = Date.now();
    for (const tracks of this.health.values()) for (const [type, h] of tracks) tracks.set(type, expectAgain(h, now));
  }

  private rtcConfig(): RTCConfiguration {
    return { iceServers: this.o.iceServers.map((s) => ({ urls: [...s.urls], ...(s.username ? { username: s.username, credential: s.password } : {}) })) };
  }
}

/** The tracks' states as the store shows them: the same object while none changed. */
function statesOf(tracks: Map<PublishableTrackType, TrackHealth> | undefined, previous: StreamParticipant['trackStates']): StreamParticipant['trackStates'] {
  if (!tracks) return NO_TRACK_STATES;
  const states: Partial<Record<TrackType, RemoteTrackState>> = {};
  let same = Object.keys(previous).length === tracks.size;
  for (const [type, h] of tracks) {
    states[type] = h.state;
    if (previous[type] !== h.state) same = false;
  }
  return same ? previous : Object.freeze(states);
}

function entriesOf(report: RTCStatsReport): StatsEntry[] {
  return [...(report as unknown as Map<string, StatsEntry>).values()];
}
