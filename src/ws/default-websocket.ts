import type { WebSocketConstructor } from './websocket-like';

let registered: WebSocketConstructor | undefined;

/** @internal Sets the WebSocket used when the options name none (the Node entry registers `ws`). */
export function registerDefaultWebSocket(ctor: WebSocketConstructor): void {
  registered = ctor;
}

/** The WebSocket constructor to use: the registered one, else the platform's. */
export function defaultWebSocket(): WebSocketConstructor | undefined {
  return registered ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}
