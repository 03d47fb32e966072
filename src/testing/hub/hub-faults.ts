/**
 * Faults on demand for the WebSocket hub. Each applies to the sockets open when it is
 * called (`dropUser`, `silenceUser`) or to every frame sent from then on (`setFrameDelay`).
 *
 * ```ts
 * coordinator.hub.faults.dropUser('alice');     // sockets die without a close frame
 * coordinator.hub.faults.silenceUser('bob');   // sockets stay open but say nothing
 * coordinator.hub.faults.setFrameDelay(20);    // every frame waits 20 ms, order kept
 * ```
 */
export interface HubFaults {
  /** Kills every socket of `userId` at once, as a network drop would (no close frame). Returns how many. */
  dropUser(userId: string): number;
  /** The sockets of `userId` stop sending anything, health-check answers included. Returns how many. */
  silenceUser(userId: string): number;
  /** Every frame sent from now on waits `ms` (0 removes the delay); order is kept per socket. */
  setFrameDelay(ms: number): void;
  /** Sends raw bytes (e.g. a malformed frame) to every socket of `userId`. Returns how many. */
  sendRaw(userId: string, data: Uint8Array | string): number;
}

/** Counts of what the hub's faults did, for reports. */
export interface HubFaultCounts {
  /** Sockets killed by `dropUser`. */
  dropped: number;
  /** Sockets silenced by `silenceUser`. */
  silenced: number;
  /** Frames queued behind a frame delay (`setFrameDelay`) instead of being sent at once. */
  delayedFrames: number;
  /** Sockets `sendRaw` was sent to (one per socket and call, whether or not the socket was silenced). */
  rawFrames: number;
}
