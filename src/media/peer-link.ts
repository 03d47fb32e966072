import type { TrackType } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import { NO_TRACK_STATES, type MediaConnectionState, type RemoteTrackState } from '../store/participant-table';
import { MEDIA_TIMING, REPLACE_BURST } from './media-timing';
import type { PeerConnection } from './peer-connection';
import { TokenBucket } from './token-bucket';
import { expectAgain, nextTrackHealth, type TrackHealth, type TrackSample } from './track-health';
import { TRACK_TYPES, type PublishableTrackType } from './track-type';

/** What a {@link PeerLink} needs from its media session. */
export interface LinkHost {
  /** A new connection of `generation` to the link's session, sending every published track. */
  connect(generation: number): PeerConnection;
  /** Whether the remote session publishes `type` now (and may). */
  publishes(type: PublishableTrackType): boolean;
  /** The link's connection, its streams or its health changed: the store should show it. */
  changed(): void;
  /** Whether the browser says the network is gone (no recovery is tried meanwhile). */
  isOffline(): boolean;
  readonly logger: Logger;
}

/** A recovery in progress: which step, why, since when. */
interface Step {
  readonly kind: 'ice_restart' | 'new_connection';
  readonly reason: string;
  readonly startedAt: number;
  /** New connections made in this recovery so far. */
  readonly attempt: number;
}

/**
 * Everything this session keeps about one remote session it exchanges media with: the peer
 * connection of the current generation, the health of the remote tracks, and the recovery
 * ladder. At most one connection at any moment: a new one is made only after the old one is
 * closed, and at most {@link REPLACE_BURST} at once, then one per `replaceRefillMs`, whoever
 * asks (a recovery here, or the remote side's new generation).
 *
 * The ladder (bounds in {@link MEDIA_TIMING}): a connection that failed, stayed disconnected,
 * never connected, or carries a stalled track gets an ICE restart first; when it is not healthy
 * again in time, a new connection; then new connections with a growing backoff. One recovery
 * at a time: what happens during one (a `failed` state after an ICE restart, an `online`
 * event) starts no other. Every step is logged with a code: `media_ice_restart`,
 * `media_new_connection`, `media_recovered`, `replacement_rate_limited`.
 */
export class PeerLink {
  /** The connection of the current generation. */
  peer: PeerConnection;
  /** The state the store shows for the participant. */
  connectionState: MediaConnectionState = 'connecting';
  /** The remote tracks' states the store shows (a new frozen object on each change). */
  trackStates: Readonly<Partial<Record<TrackType, RemoteTrackState>>> = NO_TRACK_STATES;
  private readonly health = new Map<PublishableTrackType, TrackHealth>();
  private readonly replacements = new TokenBucket(REPLACE_BURST, MEDIA_TIMING.replaceRefillMs);
  private everConnected = false;
  private disconnectedSince: number | undefined;
  /** When the current connection was first seen negotiated, and connected. */
  private negotiatedAt: number | undefined;
  private connectedAt: number | undefined;
  private step: Step | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private closed = false;
  /** The largest generation the other side's signals named, followed or not. */
  private remoteGeneration = 0;
  /** Replacements refused since the last one allowed. */
  private refusals = 0;

  /**
   * @param sessionId the remote session.
   * @param host the media session.
   * @param generation the generation of the first connection.
   * @param hello whether the first connection asks the other side for an offer (this side made it, the other side does not know yet).
   */
  constructor(
    readonly sessionId: string,
    private readonly host: LinkHost,
    generation: number,
    hello: boolean,
  ) {
    this.peer = host.connect(generation);
    if (hello) this.peer.requestOffer();
  }

  /** The generation of the current connection. */
  get generation(): number {
    return this.peer.generation;
  }

  /**
   * Follows the remote side to its new connection of `generation`, when the replacement limit allows.
   * @returns false when it does not (logged): the signal should be dropped.
   */
  follow(generation: number): boolean {
    this.remoteGeneration = Math.max(this.remoteGeneration, generation);
    if (!this.replacements.take()) {
      // Warned once per run of refusals: a flood logs one line, not one per signal.
      this.host.logger(this.refusals++ === 0 ? 'warn' : 'debug', 'a remote session replaces its connection too often: signal dropped', {
        code: 'replacement_rate_limited',
        remote: this.sessionId,
        generation,
      });
      return false;
    }
    this.refusals = 0;
    this.replace(generation, false);
    // A recovery in progress here: the other side's new connection is its next step, with the same bound.
    const step = this.step;
    if (step) {
      this.step = { ...step, kind: 'new_connection' };
      this.arm(MEDIA_TIMING.negotiationTimeoutMs + MEDIA_TIMING.connectTimeoutMs, () => this.newConnection(step.reason, step.attempt + 1));
    }
    return true;
  }

  /**
   * Makes a new connection by this side's choice (after a re-sync, when signals may have been
   * lost), and asks the other side to follow. Ends a recovery in progress.
   */
  renew(reason: string): void {
    if (this.closed) return;
    this.replacements.take();
    this.host.logger('info', 'replacing a peer connection', { code: 'media_new_connection', remote: this.sessionId, reason });
    this.endStep();
    this.replace(this.nextGeneration(), true);
  }

  /** The remote side's published tracks changed: new ones are pending, gone ones ended. */
  tracksChanged(now = Date.now()): void {
    for (const type of TRACK_TYPES) {
      const previous = this.health.get(type);
      const published = this.host.publishes(type);
      if (published === (previous !== undefined && previous.state !== 'ended')) continue;
      this.health.set(type, nextTrackHealth(previous, undefined, published, now, MEDIA_TIMING.stallMs));
    }
    this.update();
  }

  /** Reads the connection's statistics: the tracks' health, then what it calls for. */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    const peer = this.peer;
    try {
      const samples = await readSamples(peer);
      if (peer !== this.peer || this.closed) return; // replaced meanwhile: its counts mean nothing now
      const now = Date.now();
      for (const type of TRACK_TYPES) {
        const previous = this.health.get(type);
        const published = this.host.publishes(type);
        if (published || previous) this.health.set(type, nextTrackHealth(previous, samples.get(type), published, now, MEDIA_TIMING.stallMs));
      }
      this.check(now);
    } catch (err) {
      this.host.logger('debug', 'could not read the stats of a connection', { remote: this.sessionId, error: String(err) });
    } finally {
      this.polling = false;
    }
  }

  /** Looks at the connection's state: ends a recovery that worked, starts one that is needed. */
  check(now = Date.now()): void {
    if (this.closed) return;
    const state = this.peer.pc.connectionState;
    if (this.negotiatedAt === undefined && this.peer.negotiated) this.negotiatedAt = now;
    if (state === 'connected') {
      if (this.connectedAt === undefined) {
        // Media can flow from now on: a track's stall time counts from here.
        this.connectedAt = now;
        for (const [type, h] of this.health) if (h.state === 'pending') this.health.set(type, expectAgain(h, now));
      }
      this.everConnected = true;
      this.disconnectedSince = undefined;
    } else if (state === 'disconnected') {
      this.disconnectedSince ??= now;
    } else if (state !== 'failed') {
      this.disconnectedSince = undefined;
    }
    if (this.healthy) {
      if (this.step) {
        this.host.logger('info', 'the media connection recovered', {
          code: 'media_recovered',
          remote: this.sessionId,
          reason: this.step.reason,
          step: this.step.kind,
          ms: now - this.step.startedAt,
        });
        this.endStep();
      }
    } else if (!this.step && !this.host.isOffline()) {
      const reason = this.problem(state, now);
      if (reason) this.recover(reason);
    }
    this.update();
  }

  /** The network went away: no recovery until it is back. */
  offline(): void {
    this.endStep();
    this.update();
  }

  /** The network is back after being away: one recovery, whatever else happens meanwhile. */
  online(): void {
    if (this.closed) return;
    this.endStep();
    this.recover('network_online');
    this.update();
  }

  /** Closes the connection and stops every timer. */
  close(): void {
    this.closed = true;
    this.endStep();
    this.peer.close();
  }

  private get healthy(): boolean {
    if (this.peer.pc.connectionState !== 'connected') return false;
    for (const h of this.health.values()) if (h.state === 'stalled') return false;
    return true;
  }

  /** Why the connection needs a recovery now, if it does. */
  private problem(state: RTCPeerConnectionState, now: number): string | undefined {
    if (state === 'failed') return 'connection_failed';
    if (state === 'disconnected') return now - (this.disconnectedSince ?? now) >= MEDIA_TIMING.disconnectedGraceMs ? 'connection_lost' : undefined;
    if (state === 'connected') return 'media_stalled';
    if (this.negotiatedAt === undefined) return now - this.peer.createdAt >= MEDIA_TIMING.negotiationTimeoutMs ? 'negotiation_timeout' : undefined;
    return now - this.negotiatedAt >= MEDIA_TIMING.connectTimeoutMs ? 'connect_timeout' : undefined;
  }

  /** The first step: an ICE restart, when the connection has what one needs; a new connection otherwise. */
  private recover(reason: string): void {
    const now = Date.now();
    for (const [type, h] of this.health) this.health.set(type, expectAgain(h, now));
    if (!this.peer.negotiated || this.peer.candidates === 0) return this.newConnection(reason, 0);
    this.step = { kind: 'ice_restart', reason, startedAt: now, attempt: 0 };
    this.host.logger('info', 'restarting ICE', { code: 'media_ice_restart', remote: this.sessionId, reason });
    this.peer.restartIce();
    this.arm(MEDIA_TIMING.iceRestartTimeoutMs, () => this.newConnection(reason, 0));
  }

  /** A new connection, after the backoff of `attempt` and as soon as the replacement limit allows. */
  private newConnection(reason: string, attempt: number): void {
    const backoff = attempt === 0 ? 0 : Math.min(MEDIA_TIMING.replaceBackoffMaxMs, MEDIA_TIMING.replaceBackoffMs * 2 ** (attempt - 1));
    const startedAt = this.step?.startedAt ?? Date.now();
    this.step = { kind: 'new_connection', reason, startedAt, attempt };
    this.arm(Math.max(backoff, this.replacements.waitMs()), () => {
      if (!this.replacements.take()) return this.newConnection(reason, attempt);
      this.host.logger('info', 'replacing a peer connection', { code: 'media_new_connection', remote: this.sessionId, reason, attempt: attempt + 1 });
      this.replace(this.nextGeneration(), true);
      this.arm(MEDIA_TIMING.negotiationTimeoutMs + MEDIA_TIMING.connectTimeoutMs, () => this.newConnection(reason, attempt + 1));
    });
  }

  /** A generation past both sides' own: the other side follows it, even when it went ahead of this one meanwhile. */
  private nextGeneration(): number {
    return Math.max(this.peer.generation, this.remoteGeneration) + 1;
  }

  private replace(generation: number, hello: boolean): void {
    this.peer.close();
    this.peer = this.host.connect(generation);
    if (hello) this.peer.requestOffer();
    const now = Date.now();
    for (const [type, h] of this.health) this.health.set(type, expectAgain(h, now));
    this.disconnectedSince = this.negotiatedAt = this.connectedAt = undefined;
    this.host.changed();
  }

  private arm(ms: number, then: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || !this.step) return;
      then();
      this.update();
    }, ms);
  }

  private endStep(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.step = undefined;
  }

  /** Sets what the store shows; tells the host when it changed. */
  private update(): void {
    if (this.closed) return;
    const connected = this.peer.pc.connectionState === 'connected';
    const state: MediaConnectionState = !this.everConnected ? 'connecting' : this.step || this.host.isOffline() || !connected ? 'reconnecting' : 'connected';
    let changed = state !== this.connectionState;
    this.connectionState = state;
    let same = Object.keys(this.trackStates).length === this.health.size;
    for (const [type, h] of this.health) if (this.trackStates[type] !== h.state) same = false;
    if (!same) {
      const states: Partial<Record<TrackType, RemoteTrackState>> = {};
      for (const [type, h] of this.health) states[type] = h.state;
      this.trackStates = Object.freeze(states);
      changed = true;
    }
    if (changed) this.host.changed();
  }
}

/** Fields of an `inbound-rtp` stats entry this module reads; every one may be missing. */
interface InboundEntry {
  type: string;
  kind?: string;
  mid?: string;
  trackIdentifier?: string;
  packetsReceived?: number;
  framesDecoded?: number;
}

/** Each remote track's counts from one read of the connection's statistics, by type. */
async function readSamples(peer: PeerConnection): Promise<Map<PublishableTrackType, TrackSample>> {
  const out = new Map<PublishableTrackType, TrackSample>();
  const report = (await peer.pc.getStats()) as unknown as Map<string, InboundEntry>;
  for (const e of report.values()) {
    if (e.type !== 'inbound-rtp') continue;
    const mid = e.mid ?? peer.pc.getTransceivers().find((t) => t.receiver.track?.id === e.trackIdentifier)?.mid ?? undefined;
    const type = mid === undefined ? undefined : peer.typeOfMid(mid);
    if (type === undefined) continue;
    const count = (e.kind === 'audio' ? e.packetsReceived : e.framesDecoded) ?? 0;
    out.set(type, { count, muted: peer.remoteTrack(type)?.muted ?? false });
  }
  return out;
}
