import type { WebSocket } from 'ws';
import type { WebSocketConstructor, WebSocketLike } from '../ws/websocket-like';

/**
 * A WebSocket constructor for `opts.WebSocket` whose sockets `make` creates: for a test that
 * counts, records or wraps the sockets a client opens. `make` returns a `ws` socket (or a
 * subclass of one), or anything that implements `WebSocketLike`.
 *
 * ```ts
 * let opened = 0;
 * const client = new StreamVideoClient(coordinator.apiKey, {
 *   baseUrl: coordinator.baseUrl,
 *   WebSocket: webSocketOf((url) => (opened++, new WebSocket(url))),
 * });
 * ```
 * @param make called with the URL for each socket the client opens.
 */
export function webSocketOf(make: (url: string) => WebSocket | WebSocketLike): WebSocketConstructor {
  // `ws`'s sockets fit WebSocketLike at run time (the Node entry hands them to the SDK the
  // same way), but their handler properties are typed with `ws`'s own event classes.
  return function Socket(url: string): WebSocketLike {
    return make(url) as unknown as WebSocketLike;
  } as unknown as WebSocketConstructor;
}
