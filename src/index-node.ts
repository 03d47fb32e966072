import { WebSocket } from 'ws';
import { StreamVideoClient as UniversalClient } from './StreamVideoClient';
import { responseCapInterceptor } from './coordinator/interceptors/response-cap';
import { undiciResponseCap } from './coordinator/undici-response-cap';
import type { ClientPlatform } from './options/client-options';
import type { WebSocketConstructor } from './ws/websocket-like';

export * from './index';

/**
 * The Node entry's `StreamVideoClient`: the same client, with the `ws` package as its
 * WebSocket unless `opts.WebSocket` names another (Node has no WebSocket of its own before
 * v22), and RPC answers capped at `opts.maxResponseBytes` through undici's `maxResponseSize`.
 *
 * ```ts
 * import { StreamVideoClient } from 'stream-video-client'; // resolves here under Node
 * const client = new StreamVideoClient('api-key', { baseUrl: 'http://127.0.0.1:3030' });
 * ```
 */
export class StreamVideoClient extends UniversalClient {
  /** @internal */
  protected static override readonly platform: ClientPlatform = {
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    responseCap: (maxBytes) => responseCapInterceptor(undiciResponseCap(maxBytes)),
  };
}
