/** What to do with an event, by its sequence number. */
export type SequenceVerdict = 'next' | 'duplicate' | 'gap';

/**
 * The user's event sequence as this client has seen it: the last number delivered, the
 * resume point of the next handshake, and the verdict on each new event (the next one, one
 * seen already, or one after a gap).
 *
 * ```ts
 * const seq = new SequenceTracker();
 * seq.restart(41);              // the server's resume result
 * seq.check(42);                // 'next': deliver it
 * seq.check(42);                // 'duplicate': drop it
 * ```
 */
export class SequenceTracker {
  /** The last sequence number delivered (or the server's starting point); `undefined` before the first connection. */
  lastSeq: number | undefined;
  /** Events dropped because they were delivered before. */
  duplicatesDropped = 0;
  /** Gaps seen (events missing between two received ones). */
  gaps = 0;

  /** Where the next handshake resumes: after `lastSeq`, or fresh before the first connection. */
  resumePoint(): { lastSeq: number; fresh: boolean } {
    return this.lastSeq === undefined ? { lastSeq: 0, fresh: true } : { lastSeq: this.lastSeq, fresh: false };
  }

  /** Starts counting after `lastSeq` (a fresh start or a re-sync: what came before is not replayed). */
  restart(lastSeq: number): void {
    this.lastSeq = lastSeq;
  }

  /**
   * The verdict on an event numbered `seq`; `next` also records it as delivered.
   * @param seq the event's sequence number.
   */
  check(seq: number): SequenceVerdict {
    const last = this.lastSeq ?? 0;
    if (seq <= last) {
      this.duplicatesDropped++;
      return 'duplicate';
    }
    if (seq !== last + 1) {
      this.gaps++;
      return 'gap';
    }
    this.lastSeq = seq;
    return 'next';
  }
}
