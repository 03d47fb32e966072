import type { TimerHandle, TimerSet } from '../timers';
import type { CoordinatorState } from './coordinator-state';

/**
 * Drops ghost participants: the sessions of a user who has had no live (authenticated)
 * socket for `graceMs`, each with `participantLeft` to its call's audience, as if the user had
 * left. A user with any live socket keeps every session; one who reconnects within the grace
 * period keeps them too.
 *
 * The grace period starts when a user's last socket goes (and they have a session), or when
 * a user without a socket joins a call (a join that outlived its client, e.g.
 * `disconnectUser` while JoinCall was in flight).
 */
export class ParticipantGrace {
  private readonly pending = new Map<string, TimerHandle>();
  /** Sessions dropped so far. */
  dropped = 0;

  /**
   * @param graceMs how long a user may have no live socket before their sessions are dropped;
   *   `Infinity` never drops them.
   */
  constructor(
    private readonly state: CoordinatorState,
    private readonly isOnline: (userId: string) => boolean,
    private readonly timers: TimerSet,
    readonly graceMs: number,
  ) {}

  /** Number of users whose grace period runs. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** A user's first socket authenticated: their sessions are safe. */
  online(userId: string): void {
    this.pending.get(userId)?.cancel();
    this.pending.delete(userId);
  }

  /** A user's last socket went: the grace period starts, if they have a session. */
  offline(userId: string): void {
    if (this.state.sessionsOf(userId).length > 0) this.start(userId);
  }

  /** `userId` joined a call: without a live socket, the grace period starts. */
  joined(userId: string): void {
    if (!this.isOnline(userId)) this.start(userId);
  }

  /** Cancels every grace period (the coordinator is closing). */
  close(): void {
    for (const timer of this.pending.values()) timer.cancel();
    this.pending.clear();
  }

  private start(userId: string): void {
    if (this.pending.has(userId) || !Number.isFinite(this.graceMs)) return;
    this.pending.set(
      userId,
      this.timers.later(this.graceMs, () => {
        this.pending.delete(userId);
        if (this.isOnline(userId)) return;
        for (const { call, sessionIds } of this.state.sessionsOf(userId)) {
          for (const sessionId of sessionIds) if (this.state.removeParticipant(call, sessionId)) this.dropped++;
        }
      }),
    );
  }
}
