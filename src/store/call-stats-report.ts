/**
 * Totals of one direction of the active call (what this session sends, or what it
 * receives), over every peer connection, from `RTCPeerConnection.getStats()`.
 */
export interface AggregatedStatsReport {
  /** Bytes sent (publisher) or received (subscriber) on RTP, all tracks together. */
  totalBytes: number;
  /** Video frames encoded (publisher) or decoded (subscriber). */
  framesProcessed: number;
  /** Packets the remote side reported lost (publisher) or lost on the way in (subscriber). */
  packetsLost: number;
  /** Mean jitter over the tracks that report it, in ms; 0 when none does. */
  averageJitterInMs: number;
  /** Mean round-trip time over the connections that measured one, in ms; 0 when none did. */
  averageRoundTripTimeInMs: number;
  /** The widest video frame, in pixels (0 without video). */
  highestFrameWidth: number;
  /** The tallest video frame, in pixels (0 without video). */
  highestFrameHeight: number;
  /** The highest video frame rate, in frames per second (0 without video). */
  highestFramesPerSecond: number;
}

/** One peer connection (to one remote session) in a {@link CallStatsReport}. */
export interface PeerStatsReport {
  /** The remote participant's session id. */
  sessionId: string;
  /** The remote participant's user id. */
  userId: string;
  /** `RTCPeerConnection.connectionState`: `new`, `connecting`, `connected`, `disconnected`, `failed` or `closed`. */
  connectionState: string;
  /** What this session sends to that participant. */
  publisher: AggregatedStatsReport;
  /** What this session receives from that participant. */
  subscriber: AggregatedStatsReport;
}

/**
 * The media statistics of the active call: `call.getStats()` answers one, and the store's
 * `callStatsReport$` holds the latest, refreshed on an interval while in a call.
 *
 * ```ts
 * const report = await call.getStats();
 * console.log(report.subscriberStats.framesProcessed, report.subscriberStats.averageRoundTripTimeInMs);
 * ```
 */
export interface CallStatsReport {
  /** When the report was taken, epoch ms. */
  timestamp: number;
  /** What this session sends, all peers together. */
  publisherStats: AggregatedStatsReport;
  /** What this session receives, all peers together. */
  subscriberStats: AggregatedStatsReport;
  /** Each peer connection, one per remote participant this session exchanges media with. */
  peers: readonly PeerStatsReport[];
}
