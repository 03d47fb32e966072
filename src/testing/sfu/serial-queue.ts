/**
 * Runs tasks one at a time, in the order they were queued; a task that fails is reported and
 * the next one runs. Closing drops what has not started.
 *
 * ```ts
 * const queue = new SerialQueue((err) => console.warn(err));
 * queue.push(() => handle.trickle(candidate));
 * await queue.idle();
 * ```
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** @param report where a failed task's error goes. */
  constructor(private readonly report: (err: unknown) => void) {}

  /** Queues `task` after every task queued before it. */
  push(task: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        if (!this.closed) this.report(err);
      }
    });
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Tasks not started yet never run. */
  close(): void {
    this.closed = true;
  }
}
