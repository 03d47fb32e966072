import type { ParticipantReaction } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';

/**
 * Clears each participant's `reaction` from the store `ttlMs` after the coordinator received
 * it (by this device's clock, at most `ttlMs` after it arrived here). One timer per
 * participant showing a reaction; a newer reaction replaces it. O(1) per store change: only
 * the reactions the table marks as new are looked at. Leaving the call, or `dispose`, clears
 * every timer.
 *
 * ```ts
 * const expiry = new ReactionExpiry(store, 5000);
 * expiry.dispose(); // the session ended
 * ```
 */
export class ReactionExpiry {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly stops: (() => void)[];

  /**
   * @param store the store whose participants show reactions.
   * @param ttlMs how long a reaction is shown, in ms.
   */
  constructor(
    private readonly store: StreamVideoWriteableStateStore<unknown>,
    private readonly ttlMs: number,
  ) {
    this.stops = [
      store.participants$.listen(() => this.schedule()),
      store.activeCall$.listen((call) => {
        if (!call) this.clearTimers();
      }),
    ];
  }

  /** How many reactions wait to be cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Stops following the store and clears every timer. */
  dispose(): void {
    for (const stop of this.stops) stop();
    this.clearTimers();
  }

  private schedule(): void {
    for (const sessionId of this.store.table.takeNewReactions()) {
      const reaction = this.store.table.read(sessionId)?.reaction;
      if (reaction) this.expire(sessionId, reaction);
    }
  }

  private expire(sessionId: string, reaction: ParticipantReaction): void {
    const now = Date.now();
    const deadline = now + Math.min(this.ttlMs, Math.max(0, reaction.createdAt.getTime() + this.ttlMs - now));
    this.arm(sessionId, reaction, deadline);
  }

  /**
   * Clears the reaction at `deadline` by this device's clock. A timer counts from the event
   * loop's last clock reading, which a busy loop leaves behind: one that fires before the
   * deadline waits again for the rest (not when the clock was set back by more than the TTL).
   */
  private arm(sessionId: string, reaction: ParticipantReaction, deadline: number): void {
    clearTimeout(this.timers.get(sessionId));
    const timer = setTimeout(() => {
      if (this.timers.get(sessionId) !== timer) return;
      const left = deadline - Date.now();
      if (left > 0 && left <= this.ttlMs) return this.arm(sessionId, reaction, deadline);
      this.timers.delete(sessionId);
      this.store.updateParticipants((t) => t.clearReaction(sessionId, reaction));
    }, deadline - Date.now());
    this.timers.set(sessionId, timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
