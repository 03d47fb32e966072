import { SdpType, type SessionDescription, type TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import type { RTCPeerConnectionConstructor } from '../peer-connection';
import { toCandidate } from '../ice-candidates';
import type { TrackSample } from '../track-health';
import { SFU_TIMING, type SfuPeerHost } from './sfu-peer-host';

/** Fields of an `inbound-rtp` stats entry read here; every one may be missing. */
interface InboundEntry {
  type: string;
  kind?: string;
  mid?: string;
  trackIdentifier?: string;
  packetsReceived?: number;
  framesDecoded?: number;
}

/** Where a subscriber track comes from: a participant session and one of its track types. */
interface Source {
  readonly sessionId: string;
  readonly type: TrackType;
}

/**
 * The connection that brings every other participant's tracks from the SFU: the SFU offers
 * (each mid with the session and the track type it carries), this side answers. Each remote
 * track gets a `MediaStream` of its own, a new one whenever the SFU gives its mid to another
 * source, so that a participant's stream never shows someone else.
 *
 * ```ts
 * const subscriber = new SfuSubscriber(RTCPeerConnection, { iceServers: [] }, 0, host);
 * await subscriber.handleOffer(description); // from the SFU
 * subscriber.remoteStream('alice-session', TrackType.VIDEO);
 * subscriber.close();
 * ```
 */
export class SfuSubscriber {
  readonly pc: RTCPeerConnection;
  private sources = new Map<string, Source>();
  /** The stream of each mid, for the source it carries now. */
  private readonly streams = new Map<string, { source: Source; track: MediaStreamTrack; stream: MediaStream }>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the first offer never came in time (the host then recovers). */
  stalled = false;

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
    pc.ontrack = () => host.onRemoteTracks();
  }

  /**
   * Expects an offer from the SFU within the answer time (once there is something to
   * receive); without one the connection counts as stalled.
   */
  expectOffer(): void {
    clearTimeout(this.readyTimer);
    this.readyTimer = setTimeout(() => {
      if (this.closed || this.pc.remoteDescription) return;
      this.stalled = true;
      this.host.onStateChange();
    }, SFU_TIMING.answerTimeoutMs);
  }

  /** Applies an offer of the SFU and answers it, after the offers before it. */
  handleOffer(description: SessionDescription): Promise<void> {
    this.chain = this.chain
      .then(() => this.answer(description))
      .catch((err: unknown) => this.host.logger('warn', 'could not answer the SFU', { error: String(err) }));
    return this.chain;
  }

  /** The stream of a participant's track of `type`, when the SFU sends it; one stream per track. */
  remoteStream(sessionId: string, type: TrackType): MediaStream | undefined {
    if (this.closed || typeof MediaStream !== 'function') return undefined;
    for (const [mid, source] of this.sources) {
      if (source.sessionId !== sessionId || source.type !== type) continue;
      const track = this.pc.getTransceivers().find((t) => t.mid === mid)?.receiver.track;
      if (!track || track.readyState === 'ended') continue;
      let entry = this.streams.get(mid);
      if (!entry || entry.source !== source || entry.track !== track) {
        entry = { source, track, stream: new MediaStream([track]) };
        this.streams.set(mid, entry);
      }
      return entry.stream;
    }
    return undefined;
  }

  /** The mids of the tracks each participant session sends, for per-participant stats. */
  midsBySession(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const [mid, source] of this.sources) {
      let set = out.get(source.sessionId);
      if (!set) out.set(source.sessionId, (set = new Set()));
      set.add(mid);
    }
    return out;
  }

  /**
   * What arrived of each remote track so far, keyed `sessionId\ntrackType`: packets (audio)
   * or decoded frames (video), and whether the track is muted.
   */
  async samples(): Promise<Map<string, TrackSample>> {
    const out = new Map<string, TrackSample>();
    const transceivers = this.pc.getTransceivers();
    const report = (await this.pc.getStats()) as unknown as Map<string, InboundEntry>;
    for (const e of report.values()) {
      if (e.type !== 'inbound-rtp') continue;
      const t = transceivers.find((x) => (e.mid ? x.mid === e.mid : x.receiver.track?.id === e.trackIdentifier));
      const source = t?.mid ? this.sources.get(t.mid) : undefined;
      if (source)
        out.set(`${source.sessionId}\n${source.type}`, {
          count: (e.kind === 'audio' ? e.packetsReceived : e.framesDecoded) ?? 0,
          muted: t!.receiver.track.muted,
        });
    }
    return out;
  }

  /** Closes the connection; the remote tracks end. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.readyTimer);
    const pc = this.pc;
    pc.onicecandidate = pc.onconnectionstatechange = pc.ontrack = null;
    for (const receiver of pc.getReceivers()) receiver.track?.stop();
    pc.close();
    this.streams.clear();
    this.sources.clear();
  }

  private async answer(description: SessionDescription): Promise<void> {
    if (this.closed || description.type !== SdpType.OFFER) return;
    clearTimeout(this.readyTimer);
    await this.pc.setRemoteDescription({ type: 'offer', sdp: description.sdp });
    const sources = new Map<string, Source>();
    for (const [mid, sessionId] of Object.entries(description.trackSessionIds)) {
      const type = description.trackTypes[mid];
      // The same source as before keeps its object: its stream stays the same.
      const before = this.sources.get(mid);
      if (type !== undefined) sources.set(mid, before && before.sessionId === sessionId && before.type === type ? before : { sessionId, type });
    }
    this.sources = sources;
    // An explicit answer, not setLocalDescription() without one: every implementation takes it.
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (this.closed) return;
    this.host.signal(
      { oneofKind: 'description', description: { type: SdpType.ANSWER, sdp: answer.sdp ?? '', trackTypes: {}, trackSessionIds: {} } },
      this.generation,
    );
    this.host.onRemoteTracks();
  }
}
