/** The range a server-announced health-check interval is clamped to, in ms. */
export const SERVER_INTERVAL_RANGE = Object.freeze({ min: 1_000, max: 600_000 });

/** The range of the client's own `healthCheckIntervalMs` option, in ms (below `setInterval`'s 2^31 - 1 limit). */
export const OPTION_INTERVAL_RANGE = Object.freeze({ min: 5, max: 3_600_000 });

/**
 * The interval to probe at: the client's option when set, else the server's announcement
 * clamped to {@link SERVER_INTERVAL_RANGE} (a server announcing 1 ms, 0 or 2^32 - 1 must
 * neither flood the socket nor overflow a timer).
 */
export function probeInterval(option: number | undefined, announced: number): number {
  if (option !== undefined) return option;
  if (!(announced > 0)) return 10_000;
  return Math.min(SERVER_INTERVAL_RANGE.max, Math.max(SERVER_INTERVAL_RANGE.min, announced));
}

/** Options of a {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** How often to probe, in ms. */
  intervalMs: number;
  /** The other side is declared dead after this long without a frame, in ms. */
  deadAfterMs: number;
  /** Sends one probe. */
  probe(): void;
  /** Called once when nothing arrived for `deadAfterMs`; the heartbeat has stopped. */
  onSilent(): void;
}

/**
 * Health checks of one live socket: a probe every interval, and the verdict "silent" when
 * nothing arrived for `deadAfterMs`. Stopped by `stop()` or by going silent.
 *
 * Silence is counted only while this process could have heard the server: when the process
 * itself stalls (a long synchronous task, a suspended tab), the stall is not the server's
 * silence, and the frames that arrived meanwhile are read after the timers that run first.
 * So a tick that comes late adds its lateness to the window, and a tick that finds the
 * socket silent checks again once the pending I/O has been handled.
 */
export class Heartbeat {
  private last = Date.now();
  private lastTick = Date.now();
  private stopped = false;
  private readonly tickMs: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly options: HeartbeatOptions) {
    this.tickMs = Math.max(OPTION_INTERVAL_RANGE.min, Math.min(options.intervalMs, options.deadAfterMs / 2));
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  /** Something arrived from the other side. */
  received(): void {
    this.last = Date.now();
  }

  /** Stops probing. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private silent(): boolean {
    return Date.now() - this.last > this.options.deadAfterMs;
  }

  private tick(): void {
    const now = Date.now();
    const late = now - this.lastTick - this.tickMs;
    this.lastTick = now;
    // The process stalled for `late` ms: no frame could be read then, whatever the server did.
    if (late > this.tickMs) this.last += late;
    if (!this.silent()) {
      this.options.probe();
      return;
    }
    afterPendingIo(() => {
      if (this.stopped || !this.silent()) return;
      this.stop();
      this.options.onSilent();
    });
  }
}

/** Runs `fn` after the I/O that is ready now has been handled (`setImmediate`, else a 0 ms timer). */
function afterPendingIo(fn: () => void): void {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  if (immediate) immediate(fn);
  else setTimeout(fn, 0);
}
