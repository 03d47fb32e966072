import { WebSocket } from 'ws';
import { registerDefaultWebSocket } from './ws/default-websocket';
import type { WebSocketConstructor } from './ws/websocket-like';

// Node has no WebSocket of its own before v22: the Node entry uses `ws`.
registerDefaultWebSocket(WebSocket as unknown as WebSocketConstructor);

export * from './index';
