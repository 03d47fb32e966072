import { ResumeStatus, type ResumeResult } from '../../gen/stream/video/coordinator/v1/events';

/** What to do with an event, by its sequence number. */
export type SequenceVerdict = 'next' | 'duplicate' | 'gap' | 'restarted';

/** What the tracker makes of the server's answer to a resume point. */
export type ResumeVerdict = 'replayed' | 'fresh' | 'resync';

/**
 * The user's event sequence as this client has seen it: the epoch and last number delivered,
 * the resume point of the next handshake, and the verdict on each new event. Sequence
 * numbers only mean something within their epoch (a server start); what the server sends is
 * checked, so a bad number leads to a re-sync, never to events dropped forever.
 *
 * ```ts
 * const seq = new SequenceTracker();
 * seq.resumed({ status: ResumeStatus.FRESH, lastSeq: 41, replayed: 0, epoch: 'e1' }); // 'fresh'
 * seq.check(42); // 'next': deliver it
 * seq.check(42); // 'duplicate': drop it
 * ```
 */
export class SequenceTracker {
  /** The last sequence number delivered (or the server's starting point); `undefined` before the first connection or after a bad answer. */
  lastSeq: number | undefined;
  /** The epoch `lastSeq` belongs to. */
  epoch = '';
  /** Events dropped because they were delivered before. */
  duplicatesDropped = 0;
  /** Gaps seen (events missing between two received ones). */
  gaps = 0;
  /** Whether no event was delivered on the current socket yet. */
  private firstOnSocket = true;

  /** Where the next handshake resumes: after `lastSeq` in `epoch`, or fresh. */
  resumePoint(): { lastSeq: number; fresh: boolean; epoch: string } {
    this.firstOnSocket = true;
    return this.lastSeq === undefined ? { lastSeq: 0, fresh: true, epoch: '' } : { lastSeq: this.lastSeq, fresh: false, epoch: this.epoch };
  }

  /**
   * Takes the server's answer to the resume point: replayed (the missed events follow),
   * fresh (the first connection), or resync (another epoch, a gap beyond the replay buffer,
   * or an answer that does not hold together: the state must be reloaded).
   * @param result the resume result of the connection ok.
   * @param asked whether the client asked to resume (not fresh).
   */
  resumed(result: ResumeResult | undefined, asked: boolean): ResumeVerdict {
    const valid = result !== undefined && isSeq(result.lastSeq) && result.epoch.length > 0;
    if (valid && result.status === ResumeStatus.REPLAYED && asked && result.epoch === this.epoch && result.lastSeq === this.lastSeq) return 'replayed';
    // Anchored at a number the server stands by; after a bad answer, at the next event.
    this.lastSeq = valid ? result.lastSeq : undefined;
    this.epoch = valid ? result.epoch : '';
    if (valid && result.status === ResumeStatus.FRESH && !asked) return 'fresh';
    return 'resync';
  }

  /**
   * The verdict on an event numbered `seq`; `next` and `restarted` also record it as
   * delivered. `restarted`: the first event of a socket numbered at or below what was
   * delivered, so the server's numbering went back (a restart it did not announce): deliver
   * it and reload the state.
   * @param seq the event's sequence number.
   */
  check(seq: number): SequenceVerdict {
    const first = this.firstOnSocket;
    this.firstOnSocket = false;
    if (!isSeq(seq)) {
      this.gaps++;
      return 'gap';
    }
    if (this.lastSeq === undefined || (first && seq <= this.lastSeq)) {
      const anchored = this.lastSeq === undefined;
      this.lastSeq = seq;
      return anchored ? 'next' : 'restarted';
    }
    if (seq <= this.lastSeq) {
      this.duplicatesDropped++;
      return 'duplicate';
    }
    if (seq !== this.lastSeq + 1) {
      this.gaps++;
      return 'gap';
    }
    this.lastSeq = seq;
    return 'next';
  }
}

/** A sequence number the client can count on: a whole number below 2^53 - 1. */
function isSeq(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n < Number.MAX_SAFE_INTEGER;
}
