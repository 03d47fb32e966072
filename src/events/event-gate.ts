import { batch } from 'nanostores';
import type { CoordinatorEvent } from './event-map';

interface Hold {
  matches: (event: CoordinatorEvent) => boolean;
  events: CoordinatorEvent[];
}

/**
 * Keeps the store in event order while an RPC whose answer is a snapshot is in flight: the
 * socket may bring events newer than the snapshot before the answer arrives. Events that
 * match a hold wait; when the answer is applied, they are delivered after it, in order.
 * Delivering an event folds it into the store and then emits it: a held event reaches its
 * listeners only once the store shows it.
 *
 * ```ts
 * await gate.around((e) => e.callCid === cid, () => rpc(), (answer) => applyAnswer(answer));
 * ```
 */
export class EventGate {
  private readonly holds = new Set<Hold>();

  /** @param deliver folds one event into the store, then emits it. */
  constructor(private readonly deliver: (event: CoordinatorEvent) => void) {}

  /** Delivers `event` now, or keeps it for the hold it matches. */
  push(event: CoordinatorEvent): void {
    if (this.holds.size > 0) this.holdOrDeliver(event);
    else this.deliver(event);
  }

  private holdOrDeliver(event: CoordinatorEvent): void {
    for (const hold of this.holds) {
      if (hold.matches(event)) {
        hold.events.push(event);
        return;
      }
    }
    this.deliver(event);
  }

  /**
   * Runs `work` while events that `matches` accepts are held; applies its result with
   * `settle`, then delivers the held events in order, all in one store batch. When `work` or
   * `settle` fails, the held events are delivered all the same, and the error is rethrown.
   * After `clear()`, neither the result nor the held events reach the store.
   */
  async around<T>(matches: (event: CoordinatorEvent) => boolean, work: () => Promise<T>, settle: (result: T) => void): Promise<T> {
    const hold: Hold = { matches, events: [] };
    this.holds.add(hold);
    let result: T;
    try {
      result = await work();
    } catch (err) {
      this.release(hold);
      throw err;
    }
    if (!this.holds.delete(hold)) return result; // cleared meanwhile: the session is over
    batch(() => {
      try {
        settle(result);
      } finally {
        for (const event of hold.events) this.push(event);
      }
    });
    return result;
  }

  private release(hold: Hold): void {
    if (this.holds.delete(hold)) batch(() => hold.events.forEach((event) => this.push(event)));
  }

  /** Drops every hold and the events they keep (the session is over). */
  clear(): void {
    this.holds.clear();
  }
}
