import { SdpType, type Signal, type TrackType } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import type { SignalKind } from './signal-channel';
import { fromCandidate, toCandidate } from './ice-candidates';
import { isPublishableTrackType, TRACK_TYPES, TrackType as Types, type PublishableTrackType } from './track-type';

/** An `RTCPeerConnection` constructor: the browser's, or an implementation passed in options. */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** What a {@link PeerConnection} needs from its media session. */
export interface PeerHost {
  /** Queues a signal to the remote session. */
  signal(kind: SignalKind): void;
  /** The remote tracks or their types changed: the streams shown should be recomputed. */
  onRemoteTracks(): void;
  /** The connection's state changed: its health should be looked at again. */
  onConnectionState(): void;
  readonly logger: Logger;
}

const SDP_TYPES: Record<SdpType, RTCSdpType | undefined> = {
  [SdpType.UNSPECIFIED]: undefined,
  [SdpType.OFFER]: 'offer',
  [SdpType.ANSWER]: 'answer',
  [SdpType.PRANSWER]: 'pranswer',
  [SdpType.ROLLBACK]: 'rollback',
};

const TO_SDP_TYPE: Record<RTCSdpType, SdpType> = { offer: SdpType.OFFER, answer: SdpType.ANSWER, pranswer: SdpType.PRANSWER, rollback: SdpType.ROLLBACK };

/** The kind of media each track type carries. */
const KINDS: Record<PublishableTrackType, 'audio' | 'video'> = {
  [Types.AUDIO]: 'audio',
  [Types.VIDEO]: 'video',
  [Types.SCREEN_SHARE]: 'video',
  [Types.SCREEN_SHARE_AUDIO]: 'audio',
};

/**
 * The peer connection to one remote session, in a fixed layout negotiated once: one
 * `sendrecv` transceiver per publishable track type (audio, video, screen share, in that
 * order). Publishing, swapping and stopping a track is `replaceTrack` on its transceiver's
 * sender, never a renegotiation.
 *
 * **Only the impolite side offers** (the larger session id): it makes the transceivers and
 * offers them; the polite side takes them from the offer, sets itself sending on each and
 * answers. The polite side never offers: when it wants a negotiation (a new connection, a
 * failed one) it asks the other side with an `offerRequest` or `iceRestart` signal. So offers
 * never collide and no description is ever rolled back. This is the cure for the blank remote
 * video of issue 21: in Chromium (156), when the polite side of the W3C perfect negotiation
 * pattern rolls back an offer of its own (a collision) for a transceiver that `addTrack` made
 * and that an earlier rollback had reused for the remote side's media, that transceiver's
 * receiver goes on decoding but its track stays muted and renders no frame, forever
 * (test/browser/rollback-freeze.repro.ts shows it without the SDK). Two pages that both
 * publish the camera, then the microphone, right after joining collide twice and hit it.
 *
 * A remote track keeps one `MediaStream` for the connection's life (made at its first `track`
 * event), so a media element's `srcObject` is set once per connection.
 *
 * ```ts
 * const peer = new PeerConnection(RTCPeerConnection, { iceServers: [] }, 'bob-session', 'bob', true, host);
 * await peer.setTrack(TrackType.VIDEO, camera);
 * peer.handle(signal); // from call.signal
 * peer.close();
 * ```
 */
export class PeerConnection {
  /** The underlying connection. */
  readonly pc: RTCPeerConnection;
  /** This side's transceiver of each type: made at once by the offering side, taken from the first offer by the answering side. */
  private readonly transceivers = new Map<PublishableTrackType, RTCRtpTransceiver>();
  /** What each type should send (`null`: nothing). */
  private readonly outgoing = new Map<PublishableTrackType, MediaStreamTrack | null>();
  /** The remote side's track types by transceiver mid, from its last description. */
  private remoteTypes: Record<string, TrackType> = {};
  private readonly remoteStreams = new Map<MediaStreamTrack, MediaStream>();
  /** The stream ids the senders announce: camera and microphone in one (lip sync), the screen in another. */
  private readonly sendStreams: Record<PublishableTrackType, MediaStream[]>;
  private chain: Promise<void> = Promise.resolve();
  private makingOffer = false;
  /** Offers this connection made. */
  private offers = 0;
  private closed = false;
  /** Local candidates gathered so far. */
  candidates = 0;
  /** When the connection was made (`Date.now()`). */
  readonly createdAt = Date.now();

  /**
   * @param Ctor the `RTCPeerConnection` constructor.
   * @param config the configuration (ICE servers).
   * @param remoteSessionId the remote participant's session.
   * @param remoteUserId the remote participant's user.
   * @param polite whether this side answers (the smaller session id); the other side offers.
   * @param host where signals go and changes are told.
   * @param generation how many connections to this participant were replaced before this one.
   */
  constructor(
    Ctor: RTCPeerConnectionConstructor,
    config: RTCConfiguration,
    readonly remoteSessionId: string,
    readonly remoteUserId: string,
    readonly polite: boolean,
    private readonly host: PeerHost,
    readonly generation = 0,
  ) {
    const pc = new Ctor(config);
    this.pc = pc;
    const av = typeof MediaStream === 'function' ? [new MediaStream()] : [];
    const screen = typeof MediaStream === 'function' ? [new MediaStream()] : [];
    this.sendStreams = { [Types.AUDIO]: av, [Types.VIDEO]: av, [Types.SCREEN_SHARE]: screen, [Types.SCREEN_SHARE_AUDIO]: screen };
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = (e) => {
      if (e.candidate) this.candidates++;
      host.signal({ oneofKind: 'candidate', candidate: toCandidate(e.candidate) });
    };
    pc.ontrack = (e) => {
      // One stream per remote track, for the connection's life.
      if (!this.remoteStreams.has(e.track)) {
        const stream = typeof MediaStream === 'function' ? new MediaStream([e.track]) : e.streams[0];
        if (stream) this.remoteStreams.set(e.track, stream);
      }
      host.onRemoteTracks();
    };
    pc.onconnectionstatechange = () => host.onConnectionState();
    if (!polite) {
      for (const type of TRACK_TYPES) {
        this.transceivers.set(type, pc.addTransceiver(KINDS[type], { direction: 'sendrecv', streams: this.sendStreams[type] }));
      }
    }
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether both sides applied each other's descriptions at least once. */
  get negotiated(): boolean {
    return !this.closed && this.pc.currentRemoteDescription !== null && this.pc.currentLocalDescription !== null;
  }

  /**
   * Sends `track` as the track of `type` (`null`: nothing) with `replaceTrack`: never a
   * renegotiation. On the answering side before the first offer, it is sent once the offer
   * made the transceiver.
   */
  async setTrack(type: PublishableTrackType, track: MediaStreamTrack | null): Promise<void> {
    if (this.closed) return;
    this.outgoing.set(type, track);
    const sender = this.transceivers.get(type)?.sender;
    if (sender && sender.track !== track) await sender.replaceTrack(track);
  }

  /** The stream of the remote side's track of `type`, once negotiated; one stream per track. */
  remoteStream(type: PublishableTrackType): MediaStream | undefined {
    const track = this.remoteTrack(type);
    return track && track.readyState !== 'ended' ? this.remoteStreams.get(track) : undefined;
  }

  /** The receiver's track of the remote side's `type`, once negotiated. */
  remoteTrack(type: PublishableTrackType): MediaStreamTrack | undefined {
    if (this.closed) return undefined;
    const mid = this.midOf(type);
    return mid === undefined ? undefined : this.pc.getTransceivers().find((t) => t.mid === mid)?.receiver.track;
  }

  /** The remote side's track type of a transceiver mid, from its last description. */
  typeOfMid(mid: string): PublishableTrackType | undefined {
    const type = this.remoteTypes[mid];
    return isPublishableTrackType(type) ? type : undefined;
  }

  /** Applies a received signal after the ones before it. */
  handle(signal: Signal): Promise<void> {
    this.chain = this.chain
      .then(() => this.apply(signal))
      .catch((err: unknown) => {
        // Closed meanwhile (replaced, the participant left): nothing to apply it to.
        if (this.closed) return;
        // A junk candidate is the remote side's problem only: logged quietly (there may be thousands).
        this.host.logger(signal.kind.oneofKind === 'candidate' ? 'debug' : 'warn', 'could not apply a signal', {
          code: 'signal_not_applied',
          from: this.remoteSessionId,
          kind: signal.kind.oneofKind,
          error: String(err),
        });
      });
    return this.chain;
  }

  /** Restarts ICE: the offering side offers with new credentials, the answering side asks it to. */
  restartIce(): void {
    if (this.closed) return;
    if (this.polite) this.host.signal({ oneofKind: 'iceRestart', iceRestart: {} });
    else this.pc.restartIce();
  }

  /** The answering side's new connection asks the offering side for its offer (says hello). */
  requestOffer(): void {
    if (!this.closed && this.polite) this.host.signal({ oneofKind: 'offerRequest', offerRequest: {} });
  }

  /** Closes the connection; the remote tracks end. Calling it again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
    for (const receiver of pc.getReceivers()) receiver.track?.stop();
    pc.close();
    this.transceivers.clear();
    this.remoteStreams.clear();
  }

  private midOf(type: PublishableTrackType): string | undefined {
    for (const mid in this.remoteTypes) if (this.remoteTypes[mid] === type) return mid;
    return undefined;
  }

  /**
   * Makes an offer: the offering side only. The answering side never needs one in the fixed
   * layout (it sets what it sends before it answers); should the browser ask, it is logged.
   */
  private async negotiate(): Promise<void> {
    if (this.closed) return;
    if (this.polite) return this.drop('negotiation_needed_on_answerer', undefined);
    if (this.makingOffer || this.pc.signalingState !== 'stable') return;
    try {
      this.makingOffer = true;
      this.offers++;
      await this.pc.setLocalDescription();
      this.sendDescription();
    } catch (err) {
      this.host.logger('warn', 'could not make an offer', { code: 'offer_failed', remote: this.remoteSessionId, error: String(err) });
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(signal: Signal): Promise<void> {
    if (this.closed) return;
    const kind = signal.kind;
    switch (kind.oneofKind) {
      case 'description':
        return this.applyDescription(kind.description.type, kind.description.sdp, kind.description.trackTypes);
      case 'candidate': {
        const endOfCandidates = kind.candidate.candidate === '';
        if (!this.pc.remoteDescription) return this.drop('candidate_before_description', signal);
        // An empty candidate is the end of the candidates: addIceCandidate() says so.
        await (endOfCandidates ? this.pc.addIceCandidate() : this.pc.addIceCandidate(fromCandidate(kind.candidate)));
        return;
      }
      case 'iceRestart':
        if (this.polite) return this.drop('unexpected_ice_restart', signal);
        // Before the first answer, the offer in flight will do.
        if (this.pc.currentRemoteDescription) this.pc.restartIce();
        return;
      case 'offerRequest':
        // The other side's new connection says hello: this one offers, once. (A connection
        // that offered already has its offer on the way: a lost one is a case for recovery.)
        if (this.polite || this.offers > 0) return this.drop(this.polite ? 'unexpected_offer_request' : 'offer_already_made', signal);
        return this.negotiate();
      default:
        return this.drop('unknown_signal', signal);
    }
  }

  private async applyDescription(sdpType: SdpType, sdp: string, trackTypes: Record<string, TrackType>): Promise<void> {
    const pc = this.pc;
    const type = SDP_TYPES[sdpType];
    if (type === 'offer' && this.polite) {
      await pc.setRemoteDescription({ type, sdp });
      this.remoteTypes = { ...trackTypes };
      await this.takeTransceivers();
      if (this.closed) return;
      await pc.setLocalDescription();
      this.sendDescription();
    } else if (type === 'answer' && !this.polite && pc.signalingState === 'have-local-offer') {
      await pc.setRemoteDescription({ type, sdp });
      this.remoteTypes = { ...trackTypes };
    } else {
      // An offer to the offering side, an answer to an offer not made, a rollback: no part of
      // this negotiation, where only one side offers.
      return this.drop(`unexpected_${type ?? 'description'}`, undefined);
    }
    this.host.onRemoteTracks();
  }

  /** The answering side: its transceiver of each type is the one the offer made; it sends on each. */
  private async takeTransceivers(): Promise<void> {
    for (const t of this.pc.getTransceivers()) {
      const type = t.mid === null ? undefined : this.typeOfMid(t.mid);
      if (type === undefined || t.receiver.track?.kind !== KINDS[type]) continue;
      const known = this.transceivers.get(type);
      if (known && known !== t) continue;
      if (!known) {
        this.transceivers.set(type, t);
        // Before the answer, so that the answer says it and nothing is left to negotiate.
        t.sender.setStreams?.(...this.sendStreams[type]);
      }
      if (t.direction !== 'sendrecv') t.direction = 'sendrecv';
      const track = this.outgoing.get(type) ?? null;
      if (t.sender.track !== track) await t.sender.replaceTrack(track);
    }
  }

  private drop(code: string, signal: Signal | undefined): void {
    this.host.logger('debug', 'ignored a signal', { code, from: this.remoteSessionId, kind: signal?.kind.oneofKind, state: this.pc.signalingState });
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (this.closed || !description) return;
    this.host.signal({
      oneofKind: 'description',
      description: { type: TO_SDP_TYPE[description.type], sdp: description.sdp, trackTypes: this.ownTrackTypes(), trackSessionIds: {} },
    });
  }

  /** This side's track types by mid, for the remote side to tell camera from screen. */
  private ownTrackTypes(): Record<string, TrackType> {
    const out: Record<string, TrackType> = {};
    for (const [type, t] of this.transceivers) if (t.mid) out[t.mid] = type;
    return out;
  }
}
