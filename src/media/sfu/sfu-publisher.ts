import { SdpType, TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import type { RTCPeerConnectionConstructor } from '../peer-connection';
import type { PublishableTrackType } from '../track-type';
import { SFU_TIMING, type SfuPeerHost } from './sfu-peer-host';
import { toCandidate } from '../ice-candidates';

/**
 * The camera's simulcast layers, listed from the highest to the lowest (Janus takes the first
 * rid as the highest layer): the full size, a half, a quarter, each with a bitrate cap (1.2
 * Mbps, 500 and 150 kbps). A 1280x720 capture gives the three; at 640x480 Chromium sends two.
 */
export const CAMERA_LAYERS: readonly RTCRtpEncodingParameters[] = Object.freeze([
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
]);

/**
 * The connection that carries this session's tracks to the SFU: one `sendonly` transceiver
 * per published track type (the camera in three simulcast layers, the microphone and the
 * screen share as their own), offered by this side, answered by the SFU. Publishing a type
 * again replaces its track (`replaceTrack`, no renegotiation); muting leaves the transceiver
 * without a track. One negotiation at a time: a change during one is offered after its answer.
 *
 * ```ts
 * const publisher = new SfuPublisher(RTCPeerConnection, { iceServers: [] }, 0, host);
 * await publisher.setTrack(TrackType.VIDEO, camera, stream);
 * await publisher.handleAnswer(sdp); // from the SFU
 * publisher.close();
 * ```
 */
export class SfuPublisher {
  readonly pc: RTCPeerConnection;
  private readonly transceivers = new Map<PublishableTrackType, RTCRtpTransceiver>();
  /** An offer waits for its answer. */
  private offering = false;
  /** Another offer is due once the answer arrives. */
  private again = false;
  private iceRestart = false;
  private scheduled = false;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Whether an answer never came in time (the host then recovers). */
  stalled = false;

  /**
   * @param Ctor the `RTCPeerConnection` constructor.
   * @param config the configuration (ICE servers).
   * @param generation this connection's generation (0 first; one more per replacement).
   * @param host where signals go and state changes are told.
   */
  constructor(
    Ctor: RTCPeerConnectionConstructor,
    config: RTCConfiguration,
    readonly generation: number,
    private readonly host: SfuPeerHost,
  ) {
    const pc = new Ctor(config);
    this.pc = pc;
    pc.onicecandidate = (e) => host.signal({ oneofKind: 'candidate', candidate: toCandidate(e.candidate) }, generation);
    pc.onconnectionstatechange = () => host.onStateChange();
  }

  /** Whether a track of `type` was ever added (its transceiver exists). */
  has(type: PublishableTrackType): boolean {
    return this.transceivers.has(type);
  }

  /**
   * Sends `track` as the track of `type`: replaces the transceiver's track when the type has
   * one (no renegotiation), adds a `sendonly` transceiver otherwise (offers). `null` sends nothing more.
   */
  async setTrack(type: PublishableTrackType, track: MediaStreamTrack | null, stream?: MediaStream): Promise<void> {
    if (this.closed) return;
    const transceiver = this.transceivers.get(type);
    if (transceiver) {
      if (transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
      return;
    }
    if (!track) return;
    const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: stream ? [stream] : [] };
    if (type === TrackType.VIDEO) init.sendEncodings = CAMERA_LAYERS.map((l) => ({ ...l }));
    this.transceivers.set(type, this.pc.addTransceiver(track, init));
    this.negotiate();
  }

  /** Offers again with new ICE credentials (the connection failed). */
  restartIce(): void {
    this.iceRestart = true;
    this.negotiate();
  }

  /** Applies the SFU's answer to the offer in flight; offers again when something changed meanwhile. */
  async handleAnswer(sdp: string): Promise<void> {
    if (this.closed || !this.offering) return;
    clearTimeout(this.answerTimer);
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.offering = false;
    if (this.again) {
      this.again = false;
      this.negotiate();
    }
  }

  /** Closes the connection; published tracks are the session's, not stopped here. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.answerTimer);
    this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.transceivers.clear();
  }

  /** Offers once the current turn's changes are made (several tracks added together: one offer). */
  private negotiate(): void {
    if (this.closed || this.scheduled) return;
    if (this.offering) {
      this.again = true;
      return;
    }
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.offer();
    });
  }

  private async offer(): Promise<void> {
    if (this.closed || this.offering) return;
    this.offering = true;
    const iceRestart = this.iceRestart;
    this.iceRestart = false;
    try {
      // An explicit offer, not setLocalDescription() without one: every implementation takes it.
      const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
      await this.pc.setLocalDescription(offer);
      if (this.closed) return;
      const trackTypes: Record<string, TrackType> = {};
      for (const [type, t] of this.transceivers) if (t.mid) trackTypes[t.mid] = type;
      this.host.signal(
        { oneofKind: 'description', description: { type: SdpType.OFFER, sdp: offer.sdp ?? '', trackTypes, trackSessionIds: {} } },
        this.generation,
      );
      this.answerTimer = setTimeout(() => {
        this.stalled = true;
        this.host.onStateChange();
      }, SFU_TIMING.answerTimeoutMs);
    } catch (err) {
      this.offering = false;
      this.host.logger('warn', 'could not make an offer to the SFU', { error: String(err) });
    }
  }
}
