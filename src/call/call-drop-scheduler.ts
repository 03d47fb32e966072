/** What the scheduler does when a ring times out. */
export type DropAction = 'cancel' | 'reject';

/**
 * The ring timers: an unanswered outgoing ring is cancelled, an unanswered incoming one is
 * rejected, after their timeouts. One timer per call at most. The SDK keeps them in step
 * with the ringing calls through `sync`, and stops them all with `clearAll` when the user
 * disconnects.
 *
 * ```ts
 * scheduler.schedule('default:abc', 'cancel', 30_000);
 * scheduler.clear('default:abc'); // answered
 * ```
 */
export class CallDropScheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * Creates a scheduler with no timers running.
   * @param drop called with the call's cid and its action when a timer fires; the timer is
   *   removed first, so `has(cid)` is false inside it. It should not throw.
   */
  constructor(private readonly drop: (cid: string, action: DropAction) => void) {}

  /** (Re)starts the timer of `cid`; a timeout of 0 or less schedules nothing. */
  schedule(cid: string, action: DropAction, timeoutMs: number): void {
    this.clear(cid);
    if (!(timeoutMs > 0)) return;
    this.timers.set(
      cid,
      setTimeout(() => {
        this.timers.delete(cid);
        this.drop(cid, action);
      }, timeoutMs),
    );
  }

  /** Stops the timer of `cid`, if any. */
  clear(cid: string): void {
    const timer = this.timers.get(cid);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(cid);
  }

  /**
   * Keeps one timer per ringing call: starts one for each call of `calls` without one, stops
   * those of calls no longer in `calls`.
   * @param calls the ringing calls, by cid, with their action and timeout in ms.
   */
  sync(calls: ReadonlyMap<string, { action: DropAction; timeoutMs: number }>): void {
    for (const cid of [...this.timers.keys()]) if (!calls.has(cid)) this.clear(cid);
    for (const [cid, { action, timeoutMs }] of calls) if (!this.timers.has(cid)) this.schedule(cid, action, timeoutMs);
  }

  /** Stops every timer. */
  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Number of running timers. */
  get size(): number {
    return this.timers.size;
  }

  /** Whether `cid` has a running timer. */
  has(cid: string): boolean {
    return this.timers.has(cid);
  }
}
