/**
 * Where the local coordinator's Janus is: `running` (its API answers), `down` (it crashed,
 * was killed or its API connection was lost: nothing is served until `restart()`), `closed`
 * (the coordinator closed; it never runs again).
 */
export type JanusStatus = 'running' | 'down' | 'closed';

/** How a Janus process ended: its exit code, or the signal that ended it. */
export interface JanusExit {
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, e.g. `SIGKILL`, or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** True when the coordinator stopped it; false for a crash or a kill from outside. */
  readonly expected: boolean;
}

/**
 * The local coordinator's SFU as tests and tools see it (`coordinator.sfu`): a Janus Gateway
 * process of the coordinator's own. The coordinator notices when it stops without being asked
 * (the status turns `down`, the participants of every SFU call get `call.sfu_changed`, joins
 * of SFU calls fail with `unavailable`); `restart()` starts a new one, which serves new joins
 * and brings the calls' media back.
 *
 * ```ts
 * const coordinator = await LocalCoordinator.start({ sfu: 'janus' });
 * process.kill(coordinator.sfu!.pid!, 'SIGKILL'); // a crash
 * await coordinator.sfu!.restart();
 * ```
 */
export interface LocalSfu {
  /** `running`, `down` or `closed`. */
  readonly status: JanusStatus;
  /** The process id of the Janus running now, or undefined when none runs. */
  readonly pid: number | undefined;
  /** 1 for the first Janus, then one more per restart; 0 while none runs. */
  readonly generation: number;
  /** How the last Janus ended when nobody asked it to (a crash), if one did. */
  readonly lastUnexpectedExit: JanusExit | undefined;
  /**
   * Stops the Janus running now, if any, and starts a new one; resolves once it answers.
   * @throws JanusError when the new one cannot start (the status stays `down`).
   */
  restart(): Promise<void>;
  /**
   * Calls `listener` with the new status and generation whenever the status changes (and on
   * every start).
   * @returns a function that stops the listener.
   */
  onStatus(listener: (status: JanusStatus, generation: number) => void): () => void;
}
