import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { ICoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { Edge, IceServer } from '../../gen/stream/video/coordinator/v1/models';
import { TokenAuthority } from './auth';
import { EventLogs, type ReplayBufferOptions } from './hub/event-log';
import { Hub, type HubOptions } from './hub/hub';
import { actionHandlers } from './service/action-handlers';
import { callHandlers } from './service/call-handlers';
import { mediaHandlers } from './service/media-handlers';
import { memberHandlers } from './service/member-handlers';
import { CALL_TYPES } from './state/call-types';
import { queryHandlers } from './service/query-handlers';
import { CoordinatorState } from './state/coordinator-state';
import { RpcFaults } from './twirp/faults';
import { TwirpError } from './twirp/twirp-error';
import { createTwirpHandler, type TwirpContext } from './twirp/twirp-router';

/** Options of {@link LocalCoordinator.start}; every one has a default. */
export interface LocalCoordinatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** The app secret that signs user tokens (default `local-secret`). */
  secret?: string;
  /** The API key clients must send (default `local-key`). */
  apiKey?: string;
  /** Edge server names offered to clients (default `['edge-a', 'edge-b']`). */
  edges?: string[];
  /** Extra delay of each edge's latency endpoint, in ms, to steer edge selection in tests. */
  edgeLatencyMs?: Record<string, number>;
  /**
   * STUN/TURN servers per call type, handed to participants with their edge credentials
   * (default: each call type's own, none for the built-in types: on loopback, host
   * candidates connect). E.g. `{ default: [{ urls: ['stun:stun.example.org:3478'], username: '', password: '' }] }`.
   */
  iceServers?: Record<string, IceServer[]>;
  /** The WebSocket hub's path, auth time limit and health-check timing. */
  hub?: HubOptions;
  /** Bounds of each user's event replay buffer. */
  replayBuffer?: ReplayBufferOptions;
  /** Clock, in epoch ms (default `Date.now`). */
  now?: () => number;
  /**
   * Extra HTTP routes (a demo page, a token endpoint): called for every request that is not
   * Twirp, a latency probe or a CORS preflight; resolve `true` when it answered.
   */
  httpHandler?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Reports unexpected errors (default: none). */
  onError?: (err: unknown, where: string) => void;
}

/**
 * The local coordinator: a real Twirp server over HTTP (and the WebSocket hub) with the
 * coordinator's state in memory, for tests, demos and benchmarks.
 *
 * ```ts
 * const coordinator = await LocalCoordinator.start();
 * const token = await coordinator.createToken('alice');
 * // ... point a StreamVideoClient at coordinator.baseUrl ...
 * await coordinator.close();
 * ```
 */
export class LocalCoordinator {
  /** `http://host:port`, the base URL of every endpoint. */
  readonly baseUrl: string;
  /** The Twirp prefix URL, `baseUrl + '/twirp'`. */
  readonly twirpUrl: string;
  /** `ws://host:port/video/connect`, the real-time channel. */
  readonly wsUrl: string;
  /** The API key clients must send. */
  readonly apiKey: string;
  /** The WebSocket hub: connections, health checks and socket faults. */
  readonly hub: Hub;
  /** Faults on demand for RPCs. */
  readonly rpcFaults: RpcFaults;
  /** The calls and users in memory. */
  readonly state: CoordinatorState;
  /** Every user's numbered events and replay buffer. */
  readonly events: EventLogs;
  private readonly tokens: TokenAuthority;

  private readonly server: Server;

  private constructor(parts: { server: Server; hub: Hub; host: string; apiKey: string; tokens: TokenAuthority; events: EventLogs; state: CoordinatorState; rpcFaults: RpcFaults }) {
    const { port } = parts.server.address() as AddressInfo;
    this.server = parts.server;
    this.baseUrl = `http://${parts.host.includes(':') ? `[${parts.host}]` : parts.host}:${port}`;
    this.twirpUrl = `${this.baseUrl}/twirp`;
    this.hub = parts.hub;
    this.wsUrl = `${this.baseUrl.replace(/^http/, 'ws')}${parts.hub.path}`;
    this.apiKey = parts.apiKey;
    this.tokens = parts.tokens;
    this.events = parts.events;
    this.state = parts.state;
    this.rpcFaults = parts.rpcFaults;
  }

  /** Starts a coordinator and resolves once it listens. */
  static async start(options: LocalCoordinatorOptions = {}): Promise<LocalCoordinator> {
    const opts = { secret: 'local-secret', apiKey: 'local-key', ...options };
    const now = opts.now ?? Date.now;
    const tokens = new TokenAuthority(opts.secret);
    const events = new EventLogs(opts.replayBuffer, now);
    const state = new CoordinatorState(events, now);
    const edgeNames = opts.edges ?? ['edge-a', 'edge-b'];
    let coordinator: LocalCoordinator | undefined;
    const edges = (): Edge[] => edgeNames.map((name) => ({ name, latencyUrl: `${coordinator!.baseUrl}/latency/${encodeURIComponent(name)}` }));

    const implementation = {
      ...callHandlers({ state, tokens, edges, iceServers: (type) => (opts.iceServers?.[type] ?? CALL_TYPES.get(type)?.iceServers ?? []).map((s) => ({ ...s, urls: [...s.urls] })) }),
      ...mediaHandlers(state),
      ...actionHandlers(state),
      ...memberHandlers(state),
      ...queryHandlers(state),
    } satisfies ICoordinatorService<TwirpContext>;
    const rpcFaults = new RpcFaults();
    const twirp = createTwirpHandler({
      service: CoordinatorService,
      implementation,
      faults: rpcFaults,
      authenticate: async (headers) => {
        const key = headers['stream-api-key'];
        if (key !== opts.apiKey) {
          throw new TwirpError('unauthenticated', key ? 'the API key is not valid' : 'the stream-api-key header is required', { reason: 'invalid_api_key' });
        }
        const auth = headers['authorization'] ?? '';
        const match = /^Bearer\s+(\S+)$/i.exec(auth);
        if (!match) throw new TwirpError('unauthenticated', 'the Authorization header must be "Bearer <token>"', { reason: 'missing_token' });
        return (await tokens.verify(match[1]!)).user_id;
      },
      onInternalError: (err, where) => opts.onError?.(err, where),
    });

    const server = createServer((req, res) => {
      handleHttp(req, res, twirp, edgeNames, opts.edgeLatencyMs ?? {}, opts.httpHandler).catch((err) => {
        opts.onError?.(err, req.url ?? '');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const hub = new Hub(server, tokens, opts.apiKey, events, state.users, opts.hub, now);
    coordinator = new LocalCoordinator({ server, hub, host: opts.host ?? '127.0.0.1', apiKey: opts.apiKey, tokens, events, state, rpcFaults });
    return coordinator;
  }

  /**
   * Mints a user token signed with the app secret.
   * @param options.expiresInSeconds lifetime; negative makes an expired token; omitted means none.
   */
  createToken(userId: string, options?: { expiresInSeconds?: number }): Promise<string> {
    return this.tokens.createToken(userId, options);
  }

  /** Stops listening and closes every open connection. */
  async close(): Promise<void> {
    this.hub.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization, stream-api-key',
  'access-control-max-age': '600',
};

async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  twirp: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>,
  edges: string[],
  edgeLatencyMs: Record<string, number>,
  extra: LocalCoordinatorOptions['httpHandler'],
): Promise<void> {
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (await twirp(req, res)) return;
  const path = (req.url ?? '/').split('?')[0]!;
  const latency = /^\/latency\/([^/]+)$/.exec(path);
  if (latency && req.method === 'GET') {
    let edge: string | undefined;
    try {
      edge = decodeURIComponent(latency[1]!);
    } catch {
      edge = undefined; // malformed percent-encoding: no such edge
    }
    if (edge === undefined || !edges.includes(edge)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown edge');
      return;
    }
    const delay = edgeLatencyMs[edge] ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok');
    return;
  }
  if (extra && (await extra(req, res))) return;
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}
