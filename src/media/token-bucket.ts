/**
 * A token bucket: up to `capacity` actions at once, then one more per `refillMs`. Time is
 * passed in (`Date.now()` by default), so that it can be tested without timers. Used by the
 * media layer (how often a remote session may make this side replace its connection) and by
 * the local coordinator (signals and connection generations per sender and target).
 *
 * ```ts
 * const bucket = new TokenBucket(3, 10_000);
 * if (bucket.take()) replaceConnection(); else log('rate-limited for', bucket.waitMs(), 'ms');
 * ```
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param capacity the most actions at once (the bucket starts full).
   * @param refillMs the time one token takes to come back, in ms.
   * @param now the current time, in ms.
   */
  constructor(
    readonly capacity: number,
    readonly refillMs: number,
    now = Date.now(),
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /**
   * Takes `n` tokens when there are that many; takes nothing otherwise.
   * @returns whether they were taken.
   */
  take(n = 1, now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** How many tokens there are now (fractions included). */
  available(now = Date.now()): number {
    this.refill(now);
    return this.tokens;
  }

  /** How long until `n` tokens are there, in ms (0: now). */
  waitMs(n = 1, now = Date.now()): number {
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil((n - this.tokens) * this.refillMs);
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.refillMs);
    this.last = Math.max(this.last, now);
  }
}
