import type { Logger } from '../config/logger';
import type { ConnectionQuality } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { rateConnection, worse, type QualitySample } from './connection-quality';

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

/** What {@link startQualityMonitor} reads. */
export interface QualityMonitorOptions {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  peerConnections(): Iterable<RTCPeerConnection>;
  /** How often, in ms (the client's `statsIntervalMs`); 0 never. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** Keys of the local participant's ratings: what it sends, what it receives. */
const SENDING = '\n>';
const RECEIVING = '\n<';
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);

/** The running measurement. */
export interface QualityMonitor {
  /** One round of statistics into the store (the timer's, or a test's). */
  poll(): Promise<void>;
  dispose(): void;
}

/**
 * Rates every participant's `connectionQuality` from `getStats()` of the call's peer
 * connections each interval (thresholds: {@link ConnectionQuality}). A remote participant is
 * rated by what arrives of the tracks it publishes (matched by track id, whatever connection
 * carries them) and the round trip of that connection; the local one by what the others
 * report of its sending (RTCP receiver reports, quality limitation) or, publishing nothing, by
 * what it receives. Each stream is rated on its own and the worst rating wins.
 */
export function startQualityMonitor(o: QualityMonitorOptions): QualityMonitor {
  const { store } = o;
  const previous = new WeakMap<RTCPeerConnection, Map<string, Entry>>();
  let busy = false;
  let closed = false;

  const measure = async (): Promise<void> => {
    const owners = new Map<string, string>();
    for (const p of store.table.iterate('remote'))
      for (const stream of [p.audioStream, p.videoStream, p.screenShareStream, p.screenShareAudioStream])
        for (const track of stream?.getTracks() ?? []) owners.set(track.id, p.sessionId);
    const pcs = [...o.peerConnections()];
    const reports = await Promise.all(pcs.map((pc) => pc.getStats()));
    if (closed) return;
    const ratings = new Map<string, ConnectionQuality>();
    const rate = (key: string, sample: QualitySample) => ratings.set(key, worse(ratings.get(key), rateConnection(sample)));
    pcs.forEach((pc, i) => {
      const report = reports[i] as unknown as Map<string, Entry>;
      const before = previous.get(pc);
      previous.set(pc, report);
      const link: QualitySample = { connected: pc.connectionState === 'connected' };
      report.forEach((e) => {
        if (e.type === 'candidate-pair' && e.nominated && e.state === 'succeeded') link.rttMs = ms(e.currentRoundTripTime);
      });
      rate(RECEIVING, link);
      report.forEach((e) => {
        // Only tracks a participant publishes now: a muted one delivers nothing, rightly.
        const owner = e.type === 'inbound-rtp' ? owners.get(e.trackIdentifier!) : undefined;
        const last = before?.get(e.id);
        if (owner) {
          const sample: QualitySample = { ...link, jitterMs: ms(e.jitter) };
          if (last) {
            const lost = Math.max(0, (e.packetsLost ?? 0) - (last.packetsLost ?? 0));
            const got = (e.packetsReceived ?? 0) - (last.packetsReceived ?? 0);
            if (lost + got > 0) sample.loss = lost / (lost + got);
            const frames = (e.framesDecoded ?? 0) - (last.framesDecoded ?? 0);
            sample.media = got <= 0 || (e.kind === 'video' && frames <= 0) ? 'stalled' : (e.freezeCount ?? 0) > (last.freezeCount ?? 0) ? 'frozen' : 'flowing';
          }
          rate(owner, sample);
          rate(RECEIVING, sample);
        } else if (e.type === 'remote-inbound-rtp') rate(SENDING, { ...link, loss: e.fractionLost, jitterMs: ms(e.jitter) });
        else if (e.qualityLimitationReason === 'bandwidth' || e.qualityLimitationReason === 'cpu') rate(SENDING, { media: 'limited' });
      });
    });
    store.updateParticipants((table) => {
      let changed = false;
      for (const p of table.iterate('all')) {
        const quality = ratings.get(p.isLocalParticipant ? (ratings.has(SENDING) ? SENDING : RECEIVING) : p.sessionId) ?? 'unknown';
        changed = table.setInsights(p.sessionId, { connectionQuality: quality }) || changed;
      }
      return changed;
    });
  };

  const poll = async (): Promise<void> => {
    if (busy || closed) return;
    busy = true;
    try {
      await measure();
    } catch (err) {
      o.logger('debug', 'could not rate the connections', { error: String(err) });
    } finally {
      busy = false;
    }
  };
  const timer = o.intervalMs > 0 ? setInterval(() => void poll(), o.intervalMs) : undefined;
  return {
    poll,
    dispose() {
      closed = true;
      clearInterval(timer);
    },
  };
}
