import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import type { Logger } from '../config/logger';
import { EventGate } from './event-gate';
import { foldEvent, type FoldTarget } from './event-folder';
import { toCoordinatorEvent, type CoordinatorEvent } from './event-map';

/** Where events can be followed once they are folded into the store. */
export interface FoldedEvents {
  /** Calls `subscriber` with each event after it is folded; returns the function that unsubscribes. */
  subscribe(subscriber: (event: CoordinatorEvent) => void): () => void;
}

/**
 * The one way an event goes once the connection has decoded it and checked its sequence
 * number: name it, pass the gate (held while an RPC about the same call is in flight), fold
 * it into the store, hand it to the SDK's subscribers (the joined call's media), emit it to
 * listeners. Always in that order: a listener reads a store that already shows its event.
 *
 * ```ts
 * const pipeline = new EventPipeline({ store, userId: 'alice' }, (e) => router.emit(e.type, e), logger);
 * connection = new Connection({ ..., onEvent: (event) => pipeline.push(event) });
 * ```
 */
export class EventPipeline implements FoldedEvents {
  /** Holds events about a call while an RPC answer about it is in flight. */
  readonly gate: EventGate;
  private readonly subscribers = new Set<(event: CoordinatorEvent) => void>();

  /**
   * @param target the store to fold into, and the connected user.
   * @param emit hands an event to the listeners.
   * @param logger where unreadable events are logged (at `warn`, with their code).
   * @param onUnreadable called with each event whose payload cannot be read (it is dropped).
   */
  constructor(
    private readonly target: FoldTarget,
    private readonly emit: (event: CoordinatorEvent) => void,
    private readonly logger: Logger,
    private readonly onUnreadable: (event: Event) => void = () => {},
  ) {
    this.gate = new EventGate((event) => this.deliver(event));
  }

  /** Takes one decoded, in-sequence event from the connection. */
  push(event: Event): void {
    const named = toCoordinatorEvent(event);
    if (!named) {
      // Custom data JSON cannot hold, or nested deeper than converting it can go.
      this.logger('warn', 'dropped an event it cannot read', { code: 'malformed', reason: 'unreadable_event', seq: event.seq });
      this.onUnreadable(event);
      return;
    }
    this.gate.push(named);
  }

  /**
   * Follows every event once it is folded, before the listeners get it (the joined call's
   * media subscribes here for its signals and participants).
   * @returns the function that unsubscribes.
   */
  subscribe(subscriber: (event: CoordinatorEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }

  private deliver(event: CoordinatorEvent): void {
    foldEvent(event, this.target);
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch (err) {
        // One subscriber failing must not keep the event from the others, or from the listeners.
        this.logger('error', 'handling a folded event failed', { seq: event.seq, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.emit(event);
  }
}
