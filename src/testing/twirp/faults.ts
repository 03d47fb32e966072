import { MAX_TIMER_MS } from '../options';
import { TwirpError, type TwirpCode } from './twirp-error';

interface PlannedFailure {
  remaining: number;
  code: TwirpCode;
  msg: string;
}

/**
 * Faults on demand for the local coordinator's RPCs: fail the next N calls of a method
 * with a Twirp code, or add latency. Methods are named as in the schema (`JoinCall`);
 * `'*'` means every method.
 *
 * ```ts
 * coordinator.rpcFaults.failNext('JoinCall', 2, 'unavailable');
 * coordinator.rpcFaults.setLatency('*', 50);
 * ```
 */
export class RpcFaults {
  private readonly failures = new Map<string, PlannedFailure[]>();
  private readonly latency = new Map<string, number>();
  /** How many failures were injected so far, by method. */
  readonly injected = new Map<string, number>();

  /**
   * Creates an empty set of faults (the local coordinator makes one; see `rpcFaults`).
   * @param delay how latency is waited for (default: a plain timer). The local coordinator
   *   passes its own, which it clears on close.
   */
  constructor(private readonly delay: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))) {}

  /** The next `count` calls of `method` fail with `code`. Plans for one method queue up in order. */
  failNext(method: string, count: number, code: TwirpCode, msg = `injected fault: ${code}`): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('failNext: count must be a positive integer');
    const list = this.failures.get(method) ?? [];
    list.push({ remaining: count, code, msg });
    this.failures.set(method, list);
  }

  /** Every call of `method` (or `'*'`) waits `ms` (0 to 2^31 - 1) before it is handled; 0 removes the latency. */
  setLatency(method: string, ms: number): void {
    if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`setLatency: ms must be from 0 to ${MAX_TIMER_MS}`);
    if (ms === 0) this.latency.delete(method);
    else this.latency.set(method, ms);
  }

  /** Removes every planned failure and latency. */
  clear(): void {
    this.failures.clear();
    this.latency.clear();
  }

  /** How many calls waited on an injected latency, by method, and how long in all (ms). */
  readonly delayed = new Map<
    string,
    {
      /** Calls of the method that waited. */
      calls: number;
      /** Milliseconds they waited, summed. */
      ms: number;
    }
  >();

  /** @internal Applies the planned faults to one call of `method`: waits, then throws or returns. */
  async apply(method: string): Promise<void> {
    const delay = (this.latency.get(method) ?? 0) + (this.latency.get('*') ?? 0);
    if (delay > 0) {
      const seen = this.delayed.get(method) ?? { calls: 0, ms: 0 };
      this.delayed.set(method, { calls: seen.calls + 1, ms: seen.ms + delay });
      await this.delay(delay);
    }
    const failure = this.take(method) ?? this.take('*');
    if (failure) {
      this.injected.set(method, (this.injected.get(method) ?? 0) + 1);
      throw new TwirpError(failure.code, failure.msg, { injected: 'true' });
    }
  }

  private take(key: string): PlannedFailure | undefined {
    const list = this.failures.get(key);
    const head = list?.[0];
    if (!list || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) list.shift();
    if (list.length === 0) this.failures.delete(key);
    return head;
  }
}
