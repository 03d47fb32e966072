import { TwirpError } from './twirp/twirp-error';

/** A timer started with {@link TimerSet.later}; `cancel()` stops it (idempotent). */
export interface TimerHandle {
  /** Stops the timer; nothing happens if it already ran or was cancelled. */
  cancel(): void;
}

/**
 * Every timer the local coordinator starts outside the hub's sockets (injected RPC latency,
 * edge latency delays, participant grace periods), so that closing the coordinator clears
 * them all: after {@link TimerSet.close}, none is pending and none can be started.
 *
 * ```ts
 * const timers = new TimerSet();
 * await timers.delay(50);                  // rejects with `unavailable` if closed meanwhile
 * const t = timers.later(1000, () => {}); // t.cancel()
 * timers.close();
 * ```
 */
export class TimerSet {
  private readonly pending = new Map<ReturnType<typeof setTimeout>, (() => void) | undefined>();
  private closed = false;

  /** Number of timers still pending. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves after `ms`. Rejects with a `TwirpError('unavailable')` when the set is (or gets)
   * closed first, so that a request waiting on it ends instead of hanging.
   */
  delay(ms: number): Promise<void> {
    if (this.closed) return Promise.reject(closing());
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, () => reject(closing()));
    });
  }

  /** Runs `fn` after `ms` unless cancelled or closed first. After close, starts nothing. */
  later(ms: number, fn: () => void): TimerHandle {
    if (this.closed) return { cancel: () => undefined };
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    this.pending.set(timer, undefined);
    return {
      cancel: () => {
        if (this.pending.delete(timer)) clearTimeout(timer);
      },
    };
  }

  /** Clears every pending timer (pending delays reject); later calls start nothing. Idempotent. */
  close(): void {
    this.closed = true;
    const aborted = [...this.pending];
    this.pending.clear();
    for (const [timer, abort] of aborted) {
      clearTimeout(timer);
      abort?.();
    }
  }
}

function closing(): TwirpError {
  return new TwirpError('unavailable', 'the coordinator is closing');
}
