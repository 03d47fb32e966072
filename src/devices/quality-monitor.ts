import type { Logger } from '../config/logger';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { rateConnection, type QualitySample } from './connection-quality';

/** The fields of the W3C stats this module reads; every one may be missing. */
interface Entry {
  id: string;
  type: string;
  kind?: string;
  trackIdentifier?: string;
  packetsLost?: number;
  packetsReceived?: number;
  framesDecoded?: number;
  freezeCount?: number;
  jitter?: number;
  fractionLost?: number;
  roundTripTime?: number;
  currentRoundTripTime?: number;
  qualityLimitationReason?: string;
  state?: string;
  nominated?: boolean;
}

type Counters = Pick<Entry, 'packetsLost' | 'packetsReceived' | 'framesDecoded' | 'freezeCount'>;

/** Sums measures over an interval into a {@link QualitySample} (the worst of each). */
class Tally {
  private lost = 0;
  private expected = 0;
  private rtt: number | undefined;
  private jitter: number | undefined;
  private media: QualitySample['media'];
  private connected: boolean | undefined;

  packets(lost: number, received: number): void {
    this.lost += Math.max(0, lost);
    this.expected += Math.max(0, lost) + Math.max(0, received);
    if (received <= 0) this.worse('stalled');
  }

  fraction(lost: number): void {
    this.lost += lost * 100;
    this.expected += 100;
  }

  rttMs(ms: number | undefined): void {
    if (ms !== undefined) this.rtt = Math.max(this.rtt ?? 0, ms);
  }

  jitterMs(ms: number | undefined): void {
    if (ms !== undefined) this.jitter = Math.max(this.jitter ?? 0, ms);
  }

  worse(media: NonNullable<QualitySample['media']>): void {
    const order = ['flowing', 'limited', 'frozen', 'stalled'];
    if (order.indexOf(media) > order.indexOf(this.media ?? 'flowing')) this.media = media;
  }

  state(connected: boolean): void {
    this.connected = (this.connected ?? true) && connected;
  }

  get measured(): boolean {
    return this.expected > 0 || this.rtt !== undefined || this.media !== undefined;
  }

  sample(): QualitySample {
    return {
      loss: this.expected > 0 ? this.lost / this.expected : undefined,
      rttMs: this.rtt,
      jitterMs: this.jitter,
      media: this.media,
      connected: this.connected,
    };
  }
}

/** What {@link QualityMonitor} reads. */
export interface QualityMonitorOptions {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  peerConnections(): Iterable<RTCPeerConnection>;
  /** How often, in ms (the client's `statsIntervalMs`); 0 never. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/**
 * Every participant's `connectionQuality`, from `getStats()` of the call's peer connections
 * each interval (thresholds: {@link ConnectionQuality}). A remote participant is rated by what
 * arrives of its tracks (matched by track id, so it works whatever connection carries them)
 * and the round trip of that connection; the local one by what the others report of its
 * sending (RTCP receiver reports, quality limitation), or, publishing nothing, by what it
 * receives.
 */
export class QualityMonitor {
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private readonly previous = new WeakMap<RTCPeerConnection, Map<string, Counters>>();
  private polling = false;
  private closed = false;

  constructor(private readonly o: QualityMonitorOptions) {
    if (o.intervalMs > 0) this.timer = setInterval(() => void this.poll(), o.intervalMs);
  }

  dispose(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** One round of statistics into the store. */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await this.measure();
    } catch (err) {
      this.o.logger('debug', 'could not rate the connections', { error: String(err) });
    } finally {
      this.polling = false;
    }
  }

  private async measure(): Promise<void> {
    const { store } = this.o;
    const owners = new Map<string, string>();
    for (const p of store.table.iterate('remote'))
      for (const stream of [p.audioStream, p.videoStream, p.screenShareStream, p.screenShareAudioStream])
        for (const track of stream?.getTracks() ?? []) owners.set(track.id, p.sessionId);
    const remote = new Map<string, Tally>();
    const sending = new Tally();
    const receiving = new Tally();
    const pcs = [...this.o.peerConnections()];
    const reports = await Promise.all(pcs.map((pc) => pc.getStats()));
    if (this.closed) return;
    pcs.forEach((pc, i) => {
      const entries = [...(reports[i] as unknown as Map<string, Entry>).values()];
      const before = this.previous.get(pc);
      const now = new Map<string, Counters>();
      this.previous.set(pc, now);
      const pair = entries.find((e) => e.type === 'candidate-pair' && e.nominated && e.state === 'succeeded');
      const rtt = pair?.currentRoundTripTime === undefined ? undefined : pair.currentRoundTripTime * 1000;
      const connected = pc.connectionState === 'connected';
      const touched = new Set<Tally>();
      for (const e of entries) {
        if (e.type === 'inbound-rtp') {
          now.set(e.id, e);
          // Only tracks a participant publishes now: a muted one delivers nothing, rightly.
          const owner = e.trackIdentifier === undefined ? undefined : owners.get(e.trackIdentifier);
          if (!owner) continue;
          let tally = remote.get(owner);
          if (!tally) remote.set(owner, (tally = new Tally()));
          const tallies = [receiving, tally];
          const last = before?.get(e.id);
          for (const t of tallies) {
            touched.add(t);
            t.jitterMs(e.jitter === undefined ? undefined : e.jitter * 1000);
            if (!last) continue;
            t.packets((e.packetsLost ?? 0) - (last.packetsLost ?? 0), (e.packetsReceived ?? 0) - (last.packetsReceived ?? 0));
            if (e.kind === 'video' && (e.framesDecoded ?? 0) === (last.framesDecoded ?? 0)) t.worse('stalled');
            else if ((e.freezeCount ?? 0) > (last.freezeCount ?? 0)) t.worse('frozen');
          }
        } else if (e.type === 'remote-inbound-rtp') {
          touched.add(sending);
          if (e.fractionLost !== undefined) sending.fraction(e.fractionLost);
          sending.rttMs(e.roundTripTime === undefined ? undefined : e.roundTripTime * 1000);
          sending.jitterMs(e.jitter === undefined ? undefined : e.jitter * 1000);
        } else if (e.type === 'outbound-rtp' && (e.qualityLimitationReason === 'bandwidth' || e.qualityLimitationReason === 'cpu')) {
          touched.add(sending);
          sending.worse('limited');
        }
      }
      for (const t of touched) {
        t.rttMs(rtt);
        t.state(connected);
      }
      if (pcs.length > 0) receiving.rttMs(rtt);
    });
    const local = store.table.local;
    store.updateParticipants((table) => {
      let changed = false;
      for (const p of table.iterate('all')) {
        const tally = p.isLocalParticipant ? (sending.measured ? sending : receiving) : remote.get(p.sessionId);
        const quality = tally && (p.sessionId !== local || pcs.length > 0) ? rateConnection(tally.sample()) : 'unknown';
        changed = table.setInsights(p.sessionId, { connectionQuality: quality }) || changed;
      }
      return changed;
    });
  }
}
