import { WebSocket } from 'ws';
import { StreamVideoClient as UniversalClient } from './StreamVideoClient';
import type { StreamClientOptions } from './options/client-options';
import { CALL_CONFIG, type CallConfig } from './config/call-config';
import type { WebSocketConstructor } from './ws/websocket-like';

export * from './index';

/**
 * The Node entry's `StreamVideoClient`: the same client, with the `ws` package as its
 * WebSocket unless `opts.WebSocket` names another (Node has no WebSocket of its own before v22).
 *
 * ```ts
 * import { StreamVideoClient } from 'stream-video-client'; // resolves here under Node
 * const client = new StreamVideoClient('api-key', { baseUrl: 'http://127.0.0.1:3030' });
 * ```
 */
export class StreamVideoClient extends UniversalClient {
  constructor(apiKey: string, opts: StreamClientOptions = {}, callConfig: CallConfig = CALL_CONFIG.meeting) {
    // Options of the wrong shape go through untouched, for the base class to refuse them.
    const withWs = typeof opts === 'object' && opts !== null && !Array.isArray(opts) && !opts.WebSocket ? { ...opts, WebSocket: WebSocket as unknown as WebSocketConstructor } : opts;
    super(apiKey, withWs, callConfig);
  }
}
