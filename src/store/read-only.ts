import type { ReadableAtom } from 'nanostores';

/**
 * A read-only view of a store: it can be read, listened to and derived from with
 * `computed`, but has no `set`, and the view itself is frozen.
 */
export function readOnly<T>(store: ReadableAtom<T>): ReadableAtom<T> {
  return Object.freeze({
    get: () => store.get(),
    listen: store.listen.bind(store),
    subscribe: store.subscribe.bind(store),
    eq: store.eq.bind(store),
    notify: () => {},
    off: () => {},
    get init() {
      return store.init;
    },
    get lc() {
      return store.lc;
    },
    get value() {
      return store.value;
    },
  });
}
