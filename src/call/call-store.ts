import type { ReadOnlyStateStore } from '../store/state-store';
import type { Call } from './call';

/**
 * The SDK's reactive state, read-only: subscribe to a store to follow a value
 * (`store.subscribe(cb)`), read it once with `getCurrentValue(store)`. All state changes
 * are exposed here, so UI changes should follow these stores.
 *
 * ```ts
 * const { incomingCalls$, getCurrentValue } = client.readOnlyStateStore;
 * incomingCalls$.subscribe((calls) => renderIncoming(calls));
 * ```
 */
export interface StreamVideoReadOnlyStateStore extends ReadOnlyStateStore<Call> {}
