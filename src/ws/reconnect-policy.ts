import { StreamVideoError } from '../errors/stream-video-error';

/** What a {@link ReconnectPolicy} knows when it picks the next delay. */
export interface ReconnectContext {
  /** Failed attempts since the connection was last up (0 before the first retry). */
  readonly attempt: number;
  /** Milliseconds since the connection was lost. */
  readonly elapsedMs: number;
  /** Why the last attempt or connection ended. */
  readonly lastError: Error | undefined;
  /** Whether the connection was live before: `false` while `connectUser` makes the first connection. */
  readonly everConnected: boolean;
}

/**
 * Decides when to reconnect. Implementations must be pure: the connection calls
 * `nextDelayMs` once per attempt and waits that long; `null` stops reconnecting.
 *
 * ```ts
 * const fixed: ReconnectPolicy = { nextDelayMs: ({ attempt }) => (attempt < 5 ? 100 : null) };
 * ```
 */
export interface ReconnectPolicy {
  /**
   * The delay before the next reconnection attempt.
   * @param context the attempt count, the time since the connection was lost and the last error.
   * @returns the delay in ms (a negative one counts as 0), or `null` to stop reconnecting:
   *   the connection then closes for good with the last error.
   */
  nextDelayMs(context: ReconnectContext): number | null;
}

/** Options of {@link ExponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** First step of the backoff, in ms (default 250). */
  baseMs?: number;
  /** Largest delay, in ms (default 10,000). */
  maxMs?: number;
  /** Attempts before giving up (default: never give up). */
  maxAttempts?: number;
  /**
   * Attempts before giving up while the first connection cannot reach the server at all (the
   * last error is `network`: refused, unreachable, reset) (default 3).
   */
  maxConnectAttempts?: number;
  /** Source of randomness in [0, 1) (default `Math.random`); tests pass a fixed one. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter. The first attempt after a drop goes at once (most
 * drops are a network blip, and a resume costs one exchange); attempt `n >= 1` waits a
 * random time in `[0, min(maxMs, baseMs * 2^(n-1)))`, so that many clients that keep failing
 * do not return at once.
 *
 * While `connectUser` makes the first connection and the server cannot be reached at all
 * (the last error is `network`: nothing listens, the host is unreachable), it gives up after
 * `maxConnectAttempts`, so that `connectUser` fails with `network` within about a second
 * instead of at the connect timeout; a server that answers, however slowly, is tried until
 * then.
 *
 * ```ts
 * new StreamVideoClient(key, { reconnectPolicy: new ExponentialBackoff({ baseMs: 100, maxAttempts: 20 }) });
 * ```
 */
export class ExponentialBackoff implements ReconnectPolicy {
  /** First step of the backoff, in ms (default 250). */
  readonly baseMs: number;
  /** Largest delay, in ms (default 10,000). */
  readonly maxMs: number;
  /** Attempts before `nextDelayMs` returns `null` (default `Infinity`: never give up). */
  readonly maxAttempts: number;
  /** Attempts before `nextDelayMs` returns `null` while the first connection cannot reach the server (default 3). */
  readonly maxConnectAttempts: number;
  private readonly random: () => number;

  /**
   * Creates the policy; every option has a default.
   * @param options the backoff's first step, largest delay, attempt limit and randomness.
   * @throws RangeError unless `0 < baseMs <= maxMs`, and `maxAttempts` and `maxConnectAttempts` are whole numbers >= 0 (or `Infinity`).
   */
  constructor(options: ExponentialBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.maxMs = options.maxMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.maxConnectAttempts = options.maxConnectAttempts ?? 3;
    this.random = options.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) throw new RangeError('ExponentialBackoff: need 0 < baseMs <= maxMs');
    for (const [name, n] of [
      ['maxAttempts', this.maxAttempts],
      ['maxConnectAttempts', this.maxConnectAttempts],
    ] as const) {
      if (!(n >= 0) || (n !== Number.POSITIVE_INFINITY && !Number.isInteger(n)))
        throw new RangeError(`ExponentialBackoff: ${name} must be a whole number >= 0`);
    }
  }

  /**
   * 0 for the first attempt, then a random delay in `[0, min(maxMs, baseMs * 2^(attempt-1)))`,
   * or `null` once `attempt` reaches `maxAttempts` (or `maxConnectAttempts`, while the first
   * connection cannot reach the server).
   * @param context the attempt, whether the connection was ever live, and the last error.
   */
  nextDelayMs({ attempt, everConnected, lastError }: ReconnectContext): number | null {
    if (attempt >= this.maxAttempts) return null;
    if (!everConnected && attempt >= this.maxConnectAttempts && lastError instanceof StreamVideoError && lastError.code === 'network') return null;
    if (attempt === 0) return 0;
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.floor(this.random() * ceiling);
  }
}
