import { RecordingError } from './recording-error';
import type { AbortReason } from './run-tool';

/**
 * Runs tasks with at most `concurrency` at once, in the order they were queued, each within
 * `timeoutMs` from its start: its signal aborts with reason `'timeout'` then (and the task
 * fails with whatever it throws on abort). {@link BoundedQueue.close} aborts the running
 * tasks (reason `'closed'`) and fails the waiting ones without starting them.
 *
 * ```ts
 * const queue = new BoundedQueue(1, 600_000);
 * const size = await queue.run((signal) => compose(job, signal));
 * queue.close();
 * ```
 */
export class BoundedQueue {
  private running = 0;
  /** Resolves a waiting task's turn: true when it got a place, false when the queue closed. */
  private readonly waiting: ((started: boolean) => void)[] = [];
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly timeoutMs: number,
  ) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `task` once a place is free; resolves or rejects as it does.
   * @throws RecordingError `processing_failed` when the queue closed before the task started.
   */
  async run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    if (this.running < this.concurrency) this.running++;
    // A task that ends hands its place to the first waiting one: `running` counts it still.
    else if (!(await new Promise<boolean>((resolve) => this.waiting.push(resolve)))) throw closedError();
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort('timeout' satisfies AbortReason), this.timeoutMs);
    try {
      if (this.closed) throw closedError();
      return await task(controller.signal);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
      const next = this.waiting.shift();
      if (next) next(true);
      else this.running--;
    }
  }

  /** Aborts the running tasks and fails the waiting ones. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.controllers) c.abort('closed' satisfies AbortReason);
    for (const wake of this.waiting.splice(0)) wake(false);
  }
}

function closedError(): RecordingError {
  return new RecordingError('processing_failed', 'the coordinator closed before the recording was processed');
}
