/**
 * An in-memory stand-in for WebRTC in Node, to pass as `opts.RTCPeerConnection`: Node has no
 * WebRTC, and the native addon packages crash at exit. It models what the SDK's media layer
 * relies on, after the W3C rules: the signaling states, `setLocalDescription()` without
 * arguments, implicit rollback of a local offer by a remote one, transceivers with mids
 * (`addTransceiver`, a settable `direction`, `setStreams`; an `addTrack` reuses a transceiver
 * the remote offered), descriptions as SDP text the coordinator's checks accept, a receiver
 * track's `muted` a test may set, `negotiationneeded` only when stable,
 * trickled candidates ending with `null`, `ontrack`, `replaceTrack`, `restartIce`, a
 * connection that comes up once both sides applied each other's descriptions and a
 * candidate, `getStats` (frames decoded grow on each read while the remote sends a live
 * video track) and `close`. It is not a media engine: real media is tested in Chromium.
 *
 * ```ts
 * const rtc = new FakeWebRtc();
 * const client = new StreamVideoClient(key, { RTCPeerConnection: rtc.for('alice') });
 * await call.publishVideoStream(rtc.mediaStream('video', 'audio'));
 * rtc.open('alice').length; // alice's peer connections not closed
 * ```
 */

type Kind = 'audio' | 'video';

/** Whether every one of `names` is a method of `target`. */
const hasMethods = (target: object, names: readonly string[]) => names.every((name) => typeof Reflect.get(target, name) === 'function');

/**
 * The fakes stand where the SDK's options and methods take the DOM's `RTCPeerConnection` and
 * `MediaStream`, which a Node fake cannot fully be. These guards check at run time that a fake
 * has every method the SDK calls (src/media), then let it pass as the DOM type.
 */
const PEER_CONNECTION_METHODS = [
  'setLocalDescription',
  'setRemoteDescription',
  'addIceCandidate',
  'addTrack',
  'addTransceiver',
  'getTransceivers',
  'getReceivers',
  'getStats',
  'restartIce',
  'close',
] as const;
const MEDIA_STREAM_METHODS = ['getTracks', 'getAudioTracks', 'getVideoTracks'] as const;

function isPeerConnectionClass(
  value: abstract new (...args: never[]) => object,
): value is typeof value & (new (config?: RTCConfiguration) => RTCPeerConnection) {
  return hasMethods(value.prototype as object, PEER_CONNECTION_METHODS);
}

function isMediaStream(value: object): value is MediaStream {
  return hasMethods(value, MEDIA_STREAM_METHODS);
}

/** A track: `stop()` ends it; `end()` ends it as the browser would (with an `ended` event). */
export class FakeTrack extends EventTarget {
  readyState: 'live' | 'ended' = 'live';
  /** Whether no media reaches the track (a test sets it to model a receiver that renders nothing). */
  muted = false;
  constructor(
    readonly kind: Kind,
    readonly id: string,
  ) {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
  /** Ended by the browser (the "Stop sharing" bar, a device unplugged). */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }
}

/** A stream of tracks, with the accessors the SDK uses. */
export class FakeStream {
  constructor(
    readonly id: string,
    private readonly tracks: FakeTrack[],
  ) {}
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
}

class FakeSender {
  track: FakeTrack | null = null;
  replaced = 0;
  /** The streams `setStreams` set (the msid the descriptions announce). */
  streams: FakeStream[] = [];
  async replaceTrack(track: FakeTrack | null): Promise<void> {
    this.track = track;
    this.replaced++;
  }
  setStreams(...streams: FakeStream[]): void {
    this.streams = streams;
  }
}

class FakeTransceiver {
  mid: string | null = null;
  readonly sender = new FakeSender();
  readonly receiver: { track: FakeTrack };
  direction: RTCRtpTransceiverDirection = 'recvonly';
  /** Whether the last negotiation had this side sending here. */
  negotiatedSending = false;
  /** Whether `ontrack` fired for the remote side sending here. */
  receiving = false;
  constructor(
    readonly kind: Kind,
    readonly byAddTrack: boolean,
    id: string,
  ) {
    this.receiver = { track: new FakeTrack(kind, `${id}-recv`) };
  }
}

interface FakeSdp {
  owner: number;
  ufrag: string;
  media: { mid: string; kind: Kind; sending: boolean }[];
}

type Handler<E> = ((event: E) => void) | null;

/** The fake WebRTC of one test: every peer connection and track it made. */
export class FakeWebRtc {
  readonly pcs: FakePeerConnection[] = [];
  readonly tracks: FakeTrack[] = [];
  /** Labels whose next connection is made stalled (see {@link FakePeerConnection.stall}). */
  readonly stallNext = new Set<string>();
  private next = 0;

  /** The constructor to pass as `opts.RTCPeerConnection`; its connections are labelled `label`. */
  for(label: string): new (config?: RTCConfiguration) => RTCPeerConnection {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the class below has its own `this`: its constructor needs this fake's
    const rtc = this;
    const Labelled = class extends FakePeerConnection {
      constructor(config?: RTCConfiguration) {
        super(rtc, label, config);
      }
    };
    if (!isPeerConnectionClass(Labelled)) throw new TypeError('FakePeerConnection lacks a method the SDK calls');
    return Labelled;
  }

  /** {@link stream} typed as the `MediaStream` the SDK's methods take. */
  mediaStream(...kinds: Kind[]): MediaStream {
    return this.asMediaStream(this.stream(...kinds));
  }

  /** A fake stream typed as the `MediaStream` the SDK's methods take (the SDK reads only what it models). */
  asMediaStream(stream: FakeStream): MediaStream {
    if (!isMediaStream(stream)) throw new TypeError('FakeStream lacks a method the SDK calls');
    return stream;
  }

  /** The connections made by the client labelled `label`. */
  of(label: string): FakePeerConnection[] {
    return this.pcs.filter((pc) => pc.label === label);
  }

  /** A new id. */
  id(prefix: string): string {
    return `${prefix}-${++this.next}`;
  }

  /** A stream with a new live track of each kind given (what getUserMedia would give). */
  stream(...kinds: Kind[]): FakeStream {
    const tracks = kinds.map((k) => new FakeTrack(k, this.id(k)));
    this.tracks.push(...tracks);
    return new FakeStream(this.id('stream'), tracks);
  }

  /** Peer connections not closed (of `label`'s client, or all). */
  open(label?: string): FakePeerConnection[] {
    return this.pcs.filter((pc) => pc.connectionState !== 'closed' && (label === undefined || pc.label === label));
  }

  /** Tracks still live: those of {@link stream} and every receiver's. */
  liveTracks(): FakeTrack[] {
    const all = [...this.tracks, ...this.pcs.flatMap((pc) => pc.getReceivers().map((r) => r.track))];
    return all.filter((t) => t.readyState === 'live');
  }

  /** @internal */ byOwner(owner: number): FakePeerConnection | undefined {
    return this.pcs[owner];
  }
}

/** The fake `RTCPeerConnection`; see the module's comment. */
export class FakePeerConnection {
  private state: RTCSignalingState = 'stable';
  get signalingState(): RTCSignalingState {
    return this.state;
  }
  set signalingState(next: RTCSignalingState) {
    if (this.state === next) return;
    this.state = next;
    if (next !== 'closed') queueMicrotask(() => this.onsignalingstatechange?.(new Event('signalingstatechange')));
  }
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  /** The descriptions of the last completed negotiation. */
  currentLocalDescription: { type: RTCSdpType; sdp: string } | null = null;
  currentRemoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  onnegotiationneeded: Handler<Event> = null;
  onicecandidate: Handler<{ candidate: { candidate: string; sdpMid: string; sdpMLineIndex: number; usernameFragment: string } | null }> = null;
  ontrack: Handler<{ track: FakeTrack; transceiver: FakeTransceiver; streams: FakeStream[] }> = null;
  onconnectionstatechange: Handler<Event> = null;
  onsignalingstatechange: Handler<Event> = null;
  /** Never connects, like a Chromium connection that gathers no candidate (see {@link stall}). */
  stalled = false;
  /** Offers and answers this connection made, for tests. */
  readonly made = { offers: 0, answers: 0, rollbacks: 0, restarts: 0 };
  readonly index: number;
  private readonly transceivers: FakeTransceiver[] = [];
  private ufrag: string;
  private candidatesSentFor = '';
  private remoteCandidatesFor = new Set<string>();
  private nextMid = 0;
  private pendingMids: FakeTransceiver[] = [];
  private restartPending = false;
  private negotiationQueued = false;
  private statsReads = new Map<string, number>();

  constructor(
    private readonly rtc: FakeWebRtc,
    /** The client that made it (see {@link FakeWebRtc.for}). */
    readonly label: string,
    readonly config?: RTCConfiguration,
  ) {
    this.index = rtc.pcs.length;
    rtc.pcs.push(this);
    if (rtc.stallNext.delete(label)) this.stalled = true;
    this.ufrag = rtc.id('ufrag');
  }

  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }
  getReceivers(): { track: FakeTrack }[] {
    return this.transceivers.map((t) => t.receiver);
  }
  getSenders(): FakeSender[] {
    return this.transceivers.map((t) => t.sender);
  }

  addTrack(track: FakeTrack): FakeSender {
    this.requireOpen();
    let t = this.transceivers.find((x) => !x.byAddTrack && x.kind === track.kind && x.mid !== null && x.sender.track === null && x.direction === 'recvonly');
    if (!t) {
      t = new FakeTransceiver(track.kind, true, this.rtc.id('tr'));
      this.transceivers.push(t);
    }
    t.sender.track = track;
    t.direction = 'sendrecv';
    this.queueNegotiation();
    return t.sender;
  }

  addTransceiver(kind: Kind, init: { direction?: RTCRtpTransceiverDirection; streams?: FakeStream[] } = {}): FakeTransceiver {
    this.requireOpen();
    const t = new FakeTransceiver(kind, false, this.rtc.id('tr'));
    t.direction = init.direction ?? 'sendrecv';
    t.sender.streams = init.streams ?? [];
    this.transceivers.push(t);
    this.queueNegotiation();
    return t;
  }

  restartIce(): void {
    this.requireOpen();
    this.made.restarts++;
    this.ufrag = this.rtc.id('ufrag');
    this.restartPending = true;
    this.queueNegotiation();
  }

  async setLocalDescription(desc?: { type: RTCSdpType; sdp?: string }): Promise<void> {
    await tick();
    this.requireOpen();
    const type = desc?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
    if (type === 'offer') {
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer')
        throw domError('InvalidStateError', `offer in ${this.signalingState}`);
      for (const t of this.transceivers) {
        if (t.mid === null) {
          t.mid = String(this.nextMid++);
          this.pendingMids.push(t);
        }
      }
      this.restartPending = false;
      this.localDescription = { type, sdp: this.sdp() };
      this.signalingState = 'have-local-offer';
      this.made.offers++;
    } else if (type === 'answer') {
      if (this.signalingState !== 'have-remote-offer') throw domError('InvalidStateError', `answer in ${this.signalingState}`);
      this.localDescription = { type, sdp: this.sdp() };
      for (const t of this.transceivers) t.negotiatedSending = t.direction === 'sendrecv';
      this.currentLocalDescription = this.localDescription;
      this.currentRemoteDescription = this.remoteDescription;
      this.signalingState = 'stable';
      this.made.answers++;
      this.afterStable();
    } else {
      throw domError('InvalidStateError', `setLocalDescription(${type}) is not modelled`);
    }
    this.trickle();
    this.checkConnected();
  }

  async setRemoteDescription(desc: { type: RTCSdpType; sdp?: string }): Promise<void> {
    await tick();
    this.requireOpen();
    if (desc.type === 'rollback') return this.rollback();
    const sdp = parseSdp(desc.sdp ?? '');
    if (desc.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.rollback(); // implicit rollback
      if (this.signalingState !== 'stable') throw domError('InvalidStateError', `offer in ${this.signalingState}`);
      for (const m of sdp.media) {
        let t = this.transceivers.find((x) => x.mid === m.mid);
        if (!t) {
          t = this.transceivers.find((x) => x.byAddTrack && x.mid === null && x.kind === m.kind);
          if (!t) this.transceivers.push((t = new FakeTransceiver(m.kind, false, this.rtc.id('tr'))));
          t.mid = m.mid;
          this.nextMid = Math.max(this.nextMid, Number(m.mid) + 1);
        }
        this.receive(t, m.sending);
      }
      this.remoteDescription = { type: desc.type, sdp: desc.sdp ?? '' };
      this.signalingState = 'have-remote-offer';
    } else if (desc.type === 'answer' || desc.type === 'pranswer') {
      if (this.signalingState !== 'have-local-offer') throw domError('InvalidStateError', `answer in ${this.signalingState}`);
      for (const m of sdp.media) {
        const t = this.transceivers.find((x) => x.mid === m.mid);
        if (t) this.receive(t, m.sending);
      }
      for (const t of this.transceivers) t.negotiatedSending = t.direction === 'sendrecv' && t.mid !== null;
      this.pendingMids = [];
      this.remoteDescription = { type: desc.type, sdp: desc.sdp ?? '' };
      this.currentRemoteDescription = this.remoteDescription;
      this.currentLocalDescription = this.localDescription;
      this.signalingState = 'stable';
      this.afterStable();
    }
    this.checkConnected();
  }

  async addIceCandidate(candidate?: { candidate?: string; usernameFragment?: string }): Promise<void> {
    await tick();
    this.requireOpen();
    if (!this.remoteDescription) throw domError('InvalidStateError', 'no remote description');
    if (candidate?.candidate) this.remoteCandidatesFor.add(candidate.usernameFragment ?? '');
    this.checkConnected();
  }

  /** From now on this connection never connects and gathers nothing, whatever is restarted. */
  stall(): void {
    this.stalled = true;
  }

  /** Simulates an ICE failure: the connection goes to `failed`. */
  fail(): void {
    this.setConnectionState('failed');
    this.remoteCandidatesFor.clear();
  }

  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    const remote = this.remotePc();
    for (const t of this.transceivers) {
      if (t.mid === null) continue;
      if (t.kind === 'audio') {
        if (!t.receiving) continue;
        const source = remote?.transceivers.find((x) => x.mid === t.mid)?.sender.track;
        let packets = this.statsReads.get(t.mid) ?? 0;
        if (this.connectionState === 'connected' && source?.readyState === 'live') this.statsReads.set(t.mid, ++packets);
        out.set(`in-${t.mid}`, {
          type: 'inbound-rtp',
          kind: 'audio',
          mid: t.mid,
          bytesReceived: packets * 50,
          packetsReceived: packets,
          packetsLost: 0,
          jitter: 0.001,
        });
        continue;
      }
      if (t.sender.track)
        out.set(`out-${t.mid}`, {
          type: 'outbound-rtp',
          kind: 'video',
          bytesSent: 1000,
          framesEncoded: 1,
          frameWidth: 640,
          frameHeight: 480,
          framesPerSecond: 30,
        });
      if (!t.receiving) continue;
      const source = remote?.transceivers.find((x) => x.mid === t.mid)?.sender.track;
      let frames = this.statsReads.get(t.mid) ?? 0;
      if (this.connectionState === 'connected' && source?.readyState === 'live') this.statsReads.set(t.mid, ++frames);
      out.set(`in-${t.mid}`, {
        type: 'inbound-rtp',
        kind: 'video',
        mid: t.mid,
        bytesReceived: frames * 100,
        packetsReceived: frames,
        framesDecoded: frames,
        packetsLost: 0,
        jitter: 0.001,
        frameWidth: 640,
        frameHeight: 480,
        framesPerSecond: 30,
      });
    }
    return out;
  }

  close(): void {
    if (this.signalingState === 'closed') return;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
    for (const r of this.getReceivers()) r.track.stop();
  }

  private receive(t: FakeTransceiver, remoteSending: boolean): void {
    if (remoteSending && !t.receiving) {
      t.receiving = true;
      this.ontrack?.({ track: t.receiver.track, transceiver: t, streams: [new FakeStream(this.rtc.id('remote'), [t.receiver.track])] });
    }
  }

  private rollback(): void {
    if (this.signalingState === 'have-local-offer') {
      for (const t of this.pendingMids) t.mid = null;
      this.pendingMids = [];
      this.localDescription = null;
    } else if (this.signalingState === 'have-remote-offer') {
      this.remoteDescription = null;
    } else {
      throw domError('InvalidStateError', `rollback in ${this.signalingState}`);
    }
    this.made.rollbacks++;
    this.signalingState = 'stable';
    this.afterStable();
  }

  private sdp(): string {
    const media = this.transceivers
      .filter((t) => t.mid !== null)
      .map((t) => ({ mid: t.mid!, kind: t.kind, sending: t.direction === 'sendrecv' || t.direction === 'sendonly' }));
    return toSdp({ owner: this.index, ufrag: this.ufrag, media });
  }

  private trickle(): void {
    if (this.candidatesSentFor === this.ufrag || this.stalled) return;
    this.candidatesSentFor = this.ufrag;
    const ufrag = this.ufrag;
    setTimeout(() => {
      if (this.signalingState === 'closed') return;
      for (const n of [1, 2])
        this.onicecandidate?.({
          candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag },
        });
      this.onicecandidate?.({ candidate: null });
      this.checkConnected();
    }, 1);
  }

  private remotePc(): FakePeerConnection | undefined {
    if (!this.remoteDescription) return undefined;
    return this.rtc.byOwner(parseSdp(this.remoteDescription.sdp).owner);
  }

  private checkConnected(): void {
    if (this.signalingState !== 'stable' || !this.localDescription || !this.remoteDescription) return;
    const remote = this.remotePc();
    const remoteUfrag = parseSdp(this.remoteDescription.sdp).ufrag;
    if (!remote || remote.connectionState === 'closed' || this.stalled || remote.stalled) return;
    // Either side knowing a candidate of the other is enough: ICE learns the other address
    // from the connectivity checks (a peer-reflexive candidate), as with a dropped candidate.
    if (!this.remoteCandidatesFor.has(remoteUfrag) && !remote.remoteCandidatesFor.has(this.ufrag)) return;
    if (this.connectionState !== 'connected') {
      this.setConnectionState('connected');
      remote.checkConnected();
    }
  }

  private setConnectionState(state: RTCPeerConnectionState): void {
    if (this.connectionState === state || this.connectionState === 'closed') return;
    this.connectionState = state;
    this.onconnectionstatechange?.(new Event('connectionstatechange'));
  }

  private needsNegotiation(): boolean {
    return (
      this.restartPending || this.transceivers.some((t) => t.mid === null || (t.direction === 'sendrecv' || t.direction === 'sendonly') !== t.negotiatedSending)
    );
  }

  private queueNegotiation(): void {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    setTimeout(() => {
      this.negotiationQueued = false;
      if (this.signalingState === 'stable' && this.needsNegotiation()) this.onnegotiationneeded?.(new Event('negotiationneeded'));
    }, 0);
  }

  private afterStable(): void {
    if (this.needsNegotiation()) this.queueNegotiation();
  }

  private requireOpen(): void {
    if (this.signalingState === 'closed') throw domError('InvalidStateError', 'the connection is closed');
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function domError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * The fake's description as SDP text: a real session description's skeleton (`v=`, `o=`,
 * `s=`, `t=`, one `m=` line per transceiver), as the coordinator checks it, with what the fake
 * models in an attribute line.
 */
function toSdp(d: FakeSdp): string {
  const lines = ['v=0', `o=- ${d.owner} 1 IN IP4 127.0.0.1`, 's=-', 't=0 0', `a=x-fake:${JSON.stringify(d)}`];
  for (const m of d.media) lines.push(`m=${m.kind} 9 UDP/TLS/RTP/SAVPF ${m.kind === 'audio' ? 111 : 96}`, `a=mid:${m.mid}`);
  return `${lines.join('\r\n')}\r\n`;
}

/** What {@link toSdp} wrote. */
function parseSdp(sdp: string): FakeSdp {
  const line = sdp.split('\r\n').find((l) => l.startsWith('a=x-fake:'));
  if (!line) throw domError('OperationError', 'not a description of the fake');
  return JSON.parse(line.slice('a=x-fake:'.length)) as FakeSdp;
}
