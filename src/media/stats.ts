import type { AggregatedStatsReport, CallStatsReport, PeerStatsReport } from '../store/call-stats-report';
import type { Logger } from '../config/logger';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { PeerConnection } from './peer-connection';

/** Fields of the W3C stats dictionaries this module reads; every one may be missing. */
export interface StatsEntry {
  type: string;
  kind?: string;
  /** The transceiver's mid (inbound-rtp and outbound-rtp, in recent browsers). */
  mid?: string;
  /** The id of the receiving track (inbound-rtp). */
  trackIdentifier?: string;
  bytesSent?: number;
  bytesReceived?: number;
  framesEncoded?: number;
  framesDecoded?: number;
  packetsLost?: number;
  jitter?: number;
  roundTripTime?: number;
  currentRoundTripTime?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  state?: string;
  nominated?: boolean;
}

/** An empty {@link AggregatedStatsReport}. */
export function emptyStats(): AggregatedStatsReport {
  return {
    totalBytes: 0,
    framesProcessed: 0,
    packetsLost: 0,
    averageJitterInMs: 0,
    averageRoundTripTimeInMs: 0,
    highestFrameWidth: 0,
    highestFrameHeight: 0,
    highestFramesPerSecond: 0,
  };
}

class Accumulator {
  readonly report = emptyStats();
  private jitters: number[] = [];
  private rtts: number[] = [];

  video(e: StatsEntry): void {
    this.report.highestFrameWidth = Math.max(this.report.highestFrameWidth, e.frameWidth ?? 0);
    this.report.highestFrameHeight = Math.max(this.report.highestFrameHeight, e.frameHeight ?? 0);
    this.report.highestFramesPerSecond = Math.max(this.report.highestFramesPerSecond, e.framesPerSecond ?? 0);
  }

  jitter(seconds: number | undefined): void {
    if (typeof seconds === 'number') this.jitters.push(seconds * 1000);
  }

  rtt(seconds: number | undefined): void {
    if (typeof seconds === 'number') this.rtts.push(seconds * 1000);
  }

  done(): AggregatedStatsReport {
    this.report.averageJitterInMs = mean(this.jitters);
    this.report.averageRoundTripTimeInMs = mean(this.rtts);
    return this.report;
  }
}

/** Reads one peer connection's `getStats()` into a {@link PeerStatsReport}. */
export async function peerStats(peer: PeerConnection): Promise<PeerStatsReport> {
  const entries = (await peer.pc.getStats()) as unknown as Map<string, StatsEntry>;
  const { publisher, subscriber } = directionStats(entries.values());
  return { sessionId: peer.remoteSessionId, userId: peer.remoteUserId, connectionState: peer.pc.connectionState, publisher, subscriber };
}

/**
 * What a connection's stats entries say was sent and received; with `include`, only the RTP
 * streams it keeps count (the candidate pair's round-trip time always does).
 */
export function directionStats(
  entries: Iterable<StatsEntry>,
  include: (e: StatsEntry) => boolean = () => true,
): Pick<PeerStatsReport, 'publisher' | 'subscriber'> {
  const out = new Accumulator();
  const inn = new Accumulator();
  for (const e of entries) {
    if (e.type !== 'candidate-pair' && !include(e)) continue;
    if (e.type === 'outbound-rtp') {
      out.report.totalBytes += e.bytesSent ?? 0;
      if (e.kind === 'video') {
        out.report.framesProcessed += e.framesEncoded ?? 0;
        out.video(e);
      }
    } else if (e.type === 'inbound-rtp') {
      inn.report.totalBytes += e.bytesReceived ?? 0;
      inn.report.packetsLost += e.packetsLost ?? 0;
      inn.jitter(e.jitter);
      if (e.kind === 'video') {
        inn.report.framesProcessed += e.framesDecoded ?? 0;
        inn.video(e);
      }
    } else if (e.type === 'remote-inbound-rtp') {
      out.report.packetsLost += e.packetsLost ?? 0;
      out.jitter(e.jitter);
    } else if (e.type === 'candidate-pair' && e.state === 'succeeded' && e.nominated) {
      out.rtt(e.currentRoundTripTime);
      inn.rtt(e.currentRoundTripTime);
    }
  }
  return { publisher: out.done(), subscriber: inn.done() };
}

/** Sums peer reports into a {@link CallStatsReport}. */
export function callStats(peers: readonly PeerStatsReport[], timestamp: number): CallStatsReport {
  return { timestamp, publisherStats: sum(peers.map((p) => p.publisher)), subscriberStats: sum(peers.map((p) => p.subscriber)), peers };
}

function sum(reports: readonly AggregatedStatsReport[]): AggregatedStatsReport {
  const total = emptyStats();
  const jitters: number[] = [];
  const rtts: number[] = [];
  for (const r of reports) {
    total.totalBytes += r.totalBytes;
    total.framesProcessed += r.framesProcessed;
    total.packetsLost += r.packetsLost;
    total.highestFrameWidth = Math.max(total.highestFrameWidth, r.highestFrameWidth);
    total.highestFrameHeight = Math.max(total.highestFrameHeight, r.highestFrameHeight);
    total.highestFramesPerSecond = Math.max(total.highestFramesPerSecond, r.highestFramesPerSecond);
    if (r.averageJitterInMs > 0) jitters.push(r.averageJitterInMs);
    if (r.averageRoundTripTimeInMs > 0) rtts.push(r.averageRoundTripTimeInMs);
  }
  total.averageJitterInMs = mean(jitters);
  total.averageRoundTripTimeInMs = mean(rtts);
  return total;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Refreshes `callStatsReport$` from `read` every `intervalMs` (0: never), one read at a time;
 * a read that fails is logged and the next tick tries again.
 * @returns the function that stops it (no report is set after it).
 */
export function pollCallStats(
  intervalMs: number,
  read: () => Promise<CallStatsReport>,
  store: StreamVideoWriteableStateStore<unknown>,
  logger: Logger,
): () => void {
  if (intervalMs <= 0) return () => {};
  let polling = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    read()
      .then(
        (report) => {
          if (!stopped) store.callStatsReport$.set(report);
        },
        (err: unknown) => logger('debug', 'could not read the stats', { error: String(err) }),
      )
      .finally(() => (polling = false));
  }, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
