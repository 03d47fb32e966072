import type { Logger } from '../../config/logger';
import type { SignalKind } from '../signal-channel';

/** What an SFU publisher or subscriber connection needs from its {@link SfuSession}. */
export interface SfuPeerHost {
  /** Queues a signal to the SFU, from the connection of this generation. */
  signal(kind: SignalKind, generation: number): void;
  /** The connection's state changed (`connectionState`), or a negotiation stalled: the session decides on recovery. */
  onStateChange(): void;
  /** The remote tracks or what they carry changed: the streams shown should be recomputed (subscriber). */
  onRemoteTracks(): void;
  readonly logger: Logger;
}

/**
 * Timing of the SFU connections. `answerTimeoutMs`: how long an offer may wait for its answer
 * (the SFU's to the publisher, or to the subscriber's) before the connection counts as
 * failed; `restartTimeoutMs`: how long an ICE restart may take before the connection is
 * replaced by a new one.
 */
export const SFU_TIMING = {
  /** Default 10,000. @internal Tests shorten it. */
  answerTimeoutMs: 10_000,
  /** Default 8,000. @internal Tests shorten it. */
  restartTimeoutMs: 8_000,
};
