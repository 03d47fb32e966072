import { WebSocket } from 'ws';

/** The close code `ws` uses when a message is over its `maxPayload` (RFC 6455 "message too big"). */
const MESSAGE_TOO_BIG = 1009;

/**
 * The hub's server-side socket, handed to `ws` through its documented `WebSocket` option.
 *
 * `ws` checks `maxPayload` against each frame's header, before it reads the payload, so
 * nothing larger than the limit is ever buffered; but it then closes the socket by itself
 * with 1009, which the protocol does not document and which carries no `ConnectionError`.
 * This class catches that one close and lets the hub answer as it answers every refused
 * frame instead: a `frame_too_large` error frame, then close 4006.
 */
export class HubSocket extends WebSocket {
  /** Called instead of `ws`'s own 1009 close; it must send the error frame and close the socket. */
  onTooLarge: (() => void) | undefined;

  /** `WebSocket.close`, except `ws`'s close for an oversized message, which goes to {@link onTooLarge}. */
  override close(code?: number, data?: string | Buffer): void {
    const handler = code === MESSAGE_TOO_BIG && this.readyState === WebSocket.OPEN ? this.onTooLarge : undefined;
    if (!handler) {
      super.close(code, data);
      return;
    }
    this.onTooLarge = undefined;
    handler();
    if (this.readyState === WebSocket.OPEN) super.close(code, data); // the handler did not close: ws's own answer
  }
}
