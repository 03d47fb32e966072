/**
 * WebSocket constructors for tests that watch or wrap the `ws` package's sockets.
 *
 * ```ts
 * const Counted = webSocketOf((url) => { opened++; return new WebSocket(url); });
 * new StreamVideoClient(key, { WebSocket: Counted });
 * ```
 */
import type { WebSocket } from 'ws';
import type { WebSocketConstructor, WebSocketLike } from '../../src/index-node';

/**
 * A `WebSocketConstructor` whose sockets `make` creates. `ws`'s sockets fit `WebSocketLike` at
 * run time (the Node entry hands them to the SDK the same way), but their handler properties
 * are typed with `ws`'s own event classes: this is the one place the types are bridged.
 */
export function webSocketOf(make: (url: string) => WebSocket | WebSocketLike): WebSocketConstructor {
  return function Socket(url: string): WebSocketLike {
    return make(url) as unknown as WebSocketLike;
  } as unknown as WebSocketConstructor;
}
