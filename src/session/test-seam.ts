import type { LatencyMeasurement } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { ConnectionStats } from '../ws/connection';

/**
 * The key of a client's test seam; read it with `inspectClient` from
 * `stream-video-client/testing`, not directly.
 */
export const TEST_SEAM: unique symbol = Symbol.for('stream-video-client/test-seam');

/**
 * What tests may read of a client's internals, and the one fault they may inject: counts
 * that show nothing piles up (listeners, ring timers, sockets), and a simulated socket
 * drop. Not for application code: it may change in any release.
 */
export interface ClientProbe {
  /** The connection of the current session, if a user is connected. */
  readonly connection:
    | {
        /** Sockets, reconnects, duplicates dropped, gaps, re-syncs. */
        readonly stats: ConnectionStats;
        /** The last event sequence number delivered. */
        readonly lastSeq: number | undefined;
        /** The server's id of the live socket ('' when none). */
        readonly connectionId: string;
        /** Drops the socket as if the network failed; the connection reconnects and resumes. */
        simulateDrop(): void;
      }
    | undefined;
  /** Ring timers running in the current session (0 without one). */
  readonly ringTimers: number;
  /** Listeners added with `on`, all names. */
  readonly listeners: number;
  /** Calls of the current session's token provider so far (0 without one). */
  readonly tokenProviderCalls: number;
  /** The latency measured to each edge in the background, in seconds (`{}` before the first round ends). */
  readonly edgeLatency: Readonly<Record<string, LatencyMeasurement>>;
}
