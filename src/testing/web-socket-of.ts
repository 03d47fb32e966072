import type { WebSocketConstructor, WebSocketLike } from '../ws/websocket-like';

/**
 * A socket of the `ws` package, as {@link webSocketOf} takes it: the part of `ws`'s
 * `WebSocket` the SDK's `WebSocketLike` shares (its handler properties are typed with `ws`'s
 * own event classes, so `ws`'s class is not a `WebSocketLike` to the compiler, though it works
 * as one). Named here so that these declarations need no `ws` types.
 */
export interface WsSocket {
  /** `'nodebuffer'`, `'arraybuffer'` or `'fragments'`. */
  binaryType: string;
  /** The socket's state; 1 is open. */
  readonly readyState: number;
  /** Sends one frame. */
  send(data: Uint8Array): void;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
}

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
export function webSocketOf(make: (url: string) => WsSocket | WebSocketLike): WebSocketConstructor {
  // `ws`'s sockets fit WebSocketLike at run time: the Node entry hands them to the SDK the same way.
  return function Socket(url: string): WebSocketLike {
    return make(url) as unknown as WebSocketLike;
  } as unknown as WebSocketConstructor;
}
