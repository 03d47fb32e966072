import { SdpType, type IceCandidate, type Signal, type TrackType } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import type { SignalKind } from './signal-channel';
import type { PublishableTrackType } from './track-type';

/** An `RTCPeerConnection` constructor: the browser's, or an implementation passed in options. */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** What a {@link PeerConnection} needs from its media session. */
export interface PeerHost {
  /** Queues a signal to the remote session. */
  signal(kind: SignalKind): void;
  /** The remote tracks or their types changed: the streams shown should be recomputed. */
  onRemoteTracks(): void;
  /** An ICE restart did not help either: this connection should be replaced by a new one. */
  reset(): void;
  readonly logger: Logger;
}

const SDP_TYPES: Record<SdpType, RTCSdpType | undefined> = {
  [SdpType.UNSPECIFIED]: undefined,
  [SdpType.OFFER]: 'offer',
  [SdpType.ANSWER]: 'answer',
  [SdpType.PRANSWER]: 'pranswer',
  [SdpType.ROLLBACK]: 'rollback',
};

/**
 * Timing of the media layer. `connectWatchdogMs`: how long a negotiated connection may stay
 * in connectionState `new` (ICE not even checking) before ICE is restarted; when that does
 * not help, or when the connection gathered no candidate of its own, it is replaced
 * (`PeerHost.reset`). Such a connection never fails by itself: Chromium sometimes gathers no
 * candidate at all for a new connection (2 in 300 in a 300-cycle run of the browser test),
 * and an ICE restart does not wake it up.
 */
export const MEDIA_TIMING = {
  /** Default 4,000. @internal Tests shorten it (a documented test seam). */
  connectWatchdogMs: 4000,
};

const TO_SDP_TYPE: Record<RTCSdpType, SdpType> = { offer: SdpType.OFFER, answer: SdpType.ANSWER, pranswer: SdpType.PRANSWER, rollback: SdpType.ROLLBACK };

/**
 * The peer connection to one remote session, negotiated with the W3C "perfect negotiation"
 * pattern: either side offers when its tracks change (`negotiationneeded`,
 * `setLocalDescription()` without arguments); on a collision of offers the polite side
 * rolls its own back (implicitly, by applying the remote offer) and the impolite side ignores
 * the remote one. Received signals are applied one at a time, in order. A failed connection is
 * restarted: the impolite side calls `restartIce()`, the polite side asks it to.
 *
 * Each published track type has one sender: publishing the same type again replaces the
 * track (`replaceTrack`, no renegotiation), stopping it leaves the sender without a track.
 *
 * ```ts
 * const peer = new PeerConnection(RTCPeerConnection, { iceServers: [] }, 'bob-session', 'bob', true, host);
 * await peer.setTrack(TrackType.VIDEO, camera, stream);
 * peer.handle(signal); // from call.signal
 * peer.close();
 * ```
 */
export class PeerConnection {
  /** The underlying connection. */
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingAnswer = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly senders = new Map<PublishableTrackType, RTCRtpSender>();
  /** The remote side's published tracks by transceiver mid, from its last description. */
  private remoteTypes: Record<string, TrackType> = {};
  private readonly remoteStreams = new Map<MediaStreamTrack, MediaStream>();
  private closed = false;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watchdogFired = 0;
  /** Local candidates gathered so far. */
  private candidates = 0;

  /**
   * @param Ctor the `RTCPeerConnection` constructor.
   * @param config the configuration (ICE servers).
   * @param remoteSessionId the remote participant's session.
   * @param remoteUserId the remote participant's user.
   * @param polite whether this side yields on a collision of offers.
   * @param host where signals go and remote track changes are told.
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
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = (e) => {
      if (e.candidate) this.candidates++;
      host.signal({ oneofKind: 'candidate', candidate: toCandidate(e.candidate) });
    };
    pc.ontrack = (e) => {
      // One stream per track: a remote camera stream also holding the microphone would play twice.
      const stream = typeof MediaStream === 'function' ? new MediaStream([e.track]) : e.streams[0];
      if (stream) this.remoteStreams.set(e.track, stream);
      host.onRemoteTracks();
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.restartIce();
      if (pc.connectionState === 'connected') {
        this.stopWatchdog();
        this.watchdogFired = 0;
      }
    };
    // A negotiation that ends without ICE even starting gets a restart, then a new connection.
    pc.onsignalingstatechange = () => {
      if (pc.signalingState !== 'stable' || pc.connectionState === 'connected' || this.watchdog !== undefined || !pc.remoteDescription) return;
      this.watchdog = setTimeout(() => {
        this.watchdog = undefined;
        const state = pc.connectionState;
        // Only a connection whose ICE never started: one that is checking makes progress and
        // ends 'connected' or 'failed' on its own.
        if (this.closed || pc.signalingState !== 'stable' || state !== 'new') return;
        // A connection that gathered no candidate of its own is beyond an ICE restart.
        if (this.watchdogFired++ === 0 && this.candidates > 0) this.restartIce();
        else host.reset();
      }, MEDIA_TIMING.connectWatchdogMs);
    };
  }

  private stopWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends `track` as the track of `type`: replaces the sender's track when the type has a
   * sender (no renegotiation), adds a sender otherwise (renegotiates). `null` leaves the
   * sender without a track: the remote side receives nothing more.
   */
  async setTrack(type: PublishableTrackType, track: MediaStreamTrack | null, stream?: MediaStream): Promise<void> {
    if (this.closed) return;
    const sender = this.senders.get(type);
    if (sender) {
      if (sender.track !== track) await sender.replaceTrack(track);
      return;
    }
    if (!track) return;
    this.senders.set(type, stream ? this.pc.addTrack(track, stream) : this.pc.addTrack(track));
  }

  /** The stream of the remote side's track of `type`, once negotiated; one stream per track. */
  remoteStream(type: PublishableTrackType): MediaStream | undefined {
    if (this.closed) return undefined;
    let mid: string | undefined;
    for (const key in this.remoteTypes) if (this.remoteTypes[key] === type) mid = key;
    if (mid === undefined) return undefined;
    const track = this.pc.getTransceivers().find((t) => t.mid === mid)?.receiver.track;
    if (!track || track.readyState === 'ended') return undefined;
    return this.remoteStreams.get(track);
  }

  /** Applies a received signal after the ones before it. */
  handle(signal: Signal): Promise<void> {
    this.chain = this.chain
      .then(() => this.apply(signal))
      .catch((err: unknown) =>
        this.host.logger('warn', 'could not apply a signal', { from: this.remoteSessionId, kind: signal.kind.oneofKind, error: String(err) }),
      );
    return this.chain;
  }

  /** Restarts ICE after a failure: the impolite side offers, the polite side asks it to. */
  restartIce(): void {
    if (this.closed) return;
    this.host.logger('info', 'restarting ICE', { remote: this.remoteSessionId });
    if (this.polite) this.host.signal({ oneofKind: 'iceRestart', iceRestart: {} });
    else this.pc.restartIce();
  }

  /** Closes the connection; the remote tracks end. Calling it again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatchdog();
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = pc.onsignalingstatechange = null;
    for (const receiver of pc.getReceivers()) receiver.track?.stop();
    pc.close();
    this.senders.clear();
    this.remoteStreams.clear();
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendDescription();
    } catch (err) {
      this.host.logger('warn', 'could not make an offer', { remote: this.remoteSessionId, error: String(err) });
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(signal: Signal): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    const kind = signal.kind;
    if (kind.oneofKind === 'description') {
      const type = SDP_TYPES[kind.description.type];
      if (!type) return;
      if (type === 'rollback') {
        if (pc.signalingState === 'have-remote-offer') await pc.setRemoteDescription({ type });
        return;
      }
      const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingAnswer);
      const collision = type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      this.remoteTypes = { ...kind.description.trackTypes };
      this.settingAnswer = type !== 'offer';
      try {
        await pc.setRemoteDescription({ type, sdp: kind.description.sdp });
      } finally {
        this.settingAnswer = false;
      }
      if (type === 'offer' && !this.closed) {
        await pc.setLocalDescription();
        this.sendDescription();
      }
      this.host.onRemoteTracks();
    } else if (kind.oneofKind === 'candidate') {
      const endOfCandidates = kind.candidate.candidate === '';
      try {
        // An empty candidate is the end of the candidates: addIceCandidate() says so.
        await (endOfCandidates ? pc.addIceCandidate() : pc.addIceCandidate(fromCandidate(kind.candidate)));
      } catch (err) {
        // A candidate of an offer this side ignored, or an end of candidates that an older
        // implementation does not take, changes nothing.
        if (!this.ignoreOffer && !endOfCandidates) throw err;
      }
    } else if (kind.oneofKind === 'iceRestart') {
      pc.restartIce();
    }
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (this.closed || !description) return;
    this.host.signal({
      oneofKind: 'description',
      description: { type: TO_SDP_TYPE[description.type], sdp: description.sdp, trackTypes: this.ownTrackTypes(), trackSessionIds: {} },
    });
  }

  /** This side's published tracks by mid, for the remote side to tell camera from screen. */
  private ownTrackTypes(): Record<string, TrackType> {
    const out: Record<string, TrackType> = {};
    const transceivers = this.pc.getTransceivers();
    for (const [type, sender] of this.senders) {
      const mid = transceivers.find((t) => t.sender === sender)?.mid;
      if (mid) out[mid] = type;
    }
    return out;
  }
}

/** A candidate of `icecandidate` in the schema's form; `null` (the end of candidates) is an empty one. */
function toCandidate(candidate: RTCIceCandidate | null): IceCandidate {
  if (!candidate) return { candidate: '', sdpMid: '', sdpMLineIndex: -1, usernameFragment: '' };
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? '',
    sdpMLineIndex: candidate.sdpMLineIndex ?? -1,
    usernameFragment: candidate.usernameFragment ?? '',
  };
}

/** A schema candidate as `addIceCandidate` takes it. */
function fromCandidate(c: IceCandidate): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate };
  if (c.sdpMid) init.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex >= 0) init.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment) init.usernameFragment = c.usernameFragment;
  return init;
}
