/**
 * The part of the WebSocket API the SDK uses: the browser's `WebSocket` and the `ws`
 * package's both fit, so the browser build never imports `ws`.
 */
export interface WebSocketLike {
  /** The SDK sets it to `'arraybuffer'`: binary frames must then arrive as an `ArrayBuffer` (or a typed array). */
  binaryType: string;
  /** The socket's state; 1 (`OPEN`) means frames can be sent. */
  readonly readyState: number;
  /**
   * Sends one binary frame.
   * @param data an encoded protobuf `ClientFrame`.
   */
  send(data: Uint8Array): void;
  /**
   * Closes the socket. It may throw when the socket is closing already: the SDK ignores that.
   * @param code the close code, e.g. `CLOSE_CODES.NORMAL`.
   * @param reason a short reason, for logs.
   */
  close(code?: number, reason?: string): void;
  /** Set by the SDK: must be called once the socket is open. */
  onopen: ((event: unknown) => void) | null;
  /** Set by the SDK: must be called with each frame received, `data` holding its bytes. */
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Set by the SDK: must be called once when the socket closes, with the close code and reason. */
  onclose: ((event: { code: number; reason: string }) => void) | null;
  /** Set by the SDK: called when the socket fails; the close that follows decides what happens. */
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s `WebSocket` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Something that emits `online` / `offline` (a browser's `window`). */
export interface NetworkEventSource {
  /**
   * Starts calling `listener` on each `type` event; the SDK adds one of each at `connectUser`.
   * @param type `offline` when the network goes away, `online` when it is back.
   * @param listener called with no arguments.
   */
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  /**
   * Stops calling a listener added with `addEventListener`; the SDK removes its own when the connection closes.
   * @param type the event type it was added for.
   * @param listener the same function that was added.
   */
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** `WebSocket.OPEN`. */
export const WS_OPEN = 1;
