import type { Logger } from '../config/logger';

/** A listener of events of type `E`. */
export type EventHandler<E> = (event: E) => void;

/**
 * Routes events by name to their listeners; `'*'` receives every event. A listener that
 * throws is reported through the logger and does not stop the others.
 *
 * ```ts
 * const unsubscribe = router.on('call.ring', (e) => showIncoming(e.call));
 * unsubscribe();
 * ```
 */
export class EventRouter<M extends { [K in keyof M]: { type: string } }> {
  private readonly listeners = new Map<keyof M | '*', Set<EventHandler<never>>>();

  constructor(private readonly logger: Logger) {}

  /** Adds `callback` for `name` (or `'*'` for all); returns the function that removes it. */
  on<K extends keyof M>(name: K, callback: EventHandler<M[K]>): () => void;
  on(name: '*', callback: EventHandler<M[keyof M]>): () => void;
  on(name: keyof M | '*', callback: EventHandler<never>): () => void {
    if (typeof callback !== 'function') throw new TypeError('on: the callback must be a function');
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(callback);
    return () => this.off(name, callback as EventHandler<M[keyof M]>);
  }

  /** Removes `callback` from `name`; does nothing when it is not there. */
  off<K extends keyof M>(name: K | '*', callback: EventHandler<M[K]>): void {
    const set = this.listeners.get(name);
    if (!set) return;
    set.delete(callback);
    if (set.size === 0) this.listeners.delete(name);
  }

  /** Delivers `event` to the listeners of its name, then to the wildcard ones. */
  emit<K extends keyof M>(name: K, event: M[K]): void {
    this.deliver(this.listeners.get(name), event, name);
    this.deliver(this.listeners.get('*'), event, name);
  }

  /** Number of listeners, all names. */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners.clear();
  }

  private deliver(set: Set<EventHandler<never>> | undefined, event: unknown, name: keyof M): void {
    if (!set || set.size === 0) return;
    // A snapshot: listeners added or removed by a listener take effect from the next event.
    // One listener (the usual case) needs no copy of the set, made for every event.
    if (set.size === 1) {
      this.call(set.values().next().value!, event, name);
      return;
    }
    for (const listener of [...set]) this.call(listener, event, name);
  }

  private call(listener: EventHandler<never>, event: unknown, name: keyof M): void {
    try {
      (listener as EventHandler<unknown>)(event);
    } catch (err) {
      this.logger('error', `a listener of "${String(name)}" threw`, { event: String(name), error: err instanceof Error ? err.message : String(err) });
    }
  }
}
