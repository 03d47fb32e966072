import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { ICoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { Edge, IceServer } from '../../gen/stream/video/coordinator/v1/models';
import { TokenAuthority } from './auth';
import { EventLogs, type ReplayBufferOptions } from './hub/event-log';
import { Hub } from './hub/hub';
import { resolveHubOptions, type HubOptions } from './hub/hub-options';
import { ONE_HOUR_MS, wholeNumber } from './options';
import { actionHandlers } from './service/action-handlers';
import { callHandlers } from './service/call-handlers';
import { mediaHandlers } from './service/media-handlers';
import { memberHandlers } from './service/member-handlers';
import { moderationHandlers } from './service/moderation-handlers';
import { CALL_TYPES } from './state/call-types';
import { queryHandlers } from './service/query-handlers';
import { CoordinatorState } from './state/coordinator-state';
import { ParticipantGrace } from './state/participant-grace';
import { TimerSet } from './timers';
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
  /** Extra delay of each edge's latency endpoint, in ms (0 to 3,600,000), to steer edge selection in tests. */
  edgeLatencyMs?: Record<string, number>;
  /**
   * The base URL of the edges' latency endpoints handed to clients (default: the coordinator's
   * own `baseUrl`): set it when clients reach the coordinator through a proxy (e.g. one that
   * adds network latency), so that their latency probes travel through it too.
   */
  edgeBaseUrl?: string;
  /**
   * STUN/TURN servers per call type, handed to participants with their edge credentials
   * (default: each call type's own, none for the built-in types: on loopback, host
   * candidates connect). E.g. `{ default: [{ urls: ['stun:stun.example.org:3478'], username: '', password: '' }] }`.
   */
  iceServers?: Record<string, IceServer[]>;
  /** The WebSocket hub's path, auth time limit, health-check timing, frame size and socket caps. */
  hub?: HubOptions;
  /**
   * How long a user may have no live socket before their call sessions are dropped (each with
   * `call.participant_left`), in ms: 10 to 3,600,000, or `Infinity` to keep them (default 30,000).
   */
  participantGraceMs?: number;
  /**
   * Time allowed for an HTTP request's headers, in ms: 10 to 3,600,000 (default 10,000). A
   * client that has not sent them by then gets 408 and is disconnected (slow-loris).
   */
  headersTimeoutMs?: number;
  /**
   * Time allowed to receive a whole HTTP request, in ms: from `headersTimeoutMs` to 3,600,000
   * (default 10,000, or `headersTimeoutMs` when larger: a request of at most 1 MiB that trickles
   * in for longer is a slow-loris, not a client).
   */
  requestTimeoutMs?: number;
  /** How often the HTTP server checks the two time limits above, in ms: 10 to 60,000 (default 1,000). */
  connectionsCheckingIntervalMs?: number;
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
  /** Drops the sessions of users who have had no live socket for `participantGraceMs`. */
  readonly participantGrace: ParticipantGrace;
  /** The Node HTTP server behind every endpoint, for tests that watch or shape its connections. */
  readonly httpServer: Server;
  private readonly tokens: TokenAuthority;
  private readonly timers: TimerSet;
  private closing: Promise<void> | undefined;

  private constructor(parts: {
    server: Server;
    hub: Hub;
    host: string;
    apiKey: string;
    tokens: TokenAuthority;
    events: EventLogs;
    state: CoordinatorState;
    rpcFaults: RpcFaults;
    timers: TimerSet;
    participantGrace: ParticipantGrace;
  }) {
    const { port } = parts.server.address() as AddressInfo;
    this.httpServer = parts.server;
    this.baseUrl = `http://${parts.host.includes(':') ? `[${parts.host}]` : parts.host}:${port}`;
    this.twirpUrl = `${this.baseUrl}/twirp`;
    this.hub = parts.hub;
    this.wsUrl = `${this.baseUrl.replace(/^http/, 'ws')}${parts.hub.path}`;
    this.apiKey = parts.apiKey;
    this.tokens = parts.tokens;
    this.events = parts.events;
    this.state = parts.state;
    this.rpcFaults = parts.rpcFaults;
    this.timers = parts.timers;
    this.participantGrace = parts.participantGrace;
  }

  /**
   * Starts a coordinator and resolves once it listens.
   * @throws RangeError naming the first option out of its range (nothing is started then).
   */
  static async start(options: LocalCoordinatorOptions = {}): Promise<LocalCoordinator> {
    const opts = { secret: 'local-secret', apiKey: 'local-key', ...options };
    const hubOptions = resolveHubOptions(opts.hub);
    const http = httpLimits(opts);
    const graceMs =
      opts.participantGraceMs === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : wholeNumber('participantGraceMs', opts.participantGraceMs, 30_000, 10, ONE_HOUR_MS);
    for (const [edge, ms] of Object.entries(opts.edgeLatencyMs ?? {})) wholeNumber(`edgeLatencyMs.${edge}`, ms, 0, 0, ONE_HOUR_MS);
    const edgeBaseUrl = opts.edgeBaseUrl === undefined ? undefined : httpBaseUrl('edgeBaseUrl', opts.edgeBaseUrl);
    const now = opts.now ?? Date.now;
    const tokens = new TokenAuthority(opts.secret);
    const events = new EventLogs(opts.replayBuffer, now);
    const state = new CoordinatorState(events, now);
    const timers = new TimerSet();
    const edgeNames = opts.edges ?? ['edge-a', 'edge-b'];
    let coordinator: LocalCoordinator | undefined;
    let hub: Hub | undefined;
    const edges = (): Edge[] => edgeNames.map((name) => ({ name, latencyUrl: `${edgeBaseUrl ?? coordinator!.baseUrl}/latency/${encodeURIComponent(name)}` }));
    const grace = new ParticipantGrace(state, (userId) => (hub?.connectionsOf(userId) ?? 0) > 0, timers, graceMs);

    const iceServers = (type: string) =>
      (opts.iceServers?.[type] ?? CALL_TYPES.get(type)?.iceServers ?? []).map((server) => ({ ...server, urls: [...server.urls] }));
    const calls = callHandlers({ state, tokens, edges, iceServers });
    const implementation = {
      ...calls,
      async joinCall(req, ctx) {
        const answer = await calls.joinCall(req, ctx);
        if (answer.joined) grace.joined(ctx.userId);
        return answer;
      },
      ...mediaHandlers(state),
      ...actionHandlers(state),
      ...memberHandlers(state),
      // Mesh calls need no media hooks for moderation (see ModerationMediaHooks).
      ...moderationHandlers(state),
      ...queryHandlers(state),
    } satisfies ICoordinatorService<TwirpContext>;
    const rpcFaults = new RpcFaults((ms) => timers.delay(ms));
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
        return (await tokens.verify(match[1])).user_id;
      },
      onInternalError: (err, where) => opts.onError?.(err, where),
    });

    const delay = (ms: number) => timers.delay(ms);
    const server = createServer(http, (req, res) => {
      handleHttp(req, res, twirp, edgeNames, opts.edgeLatencyMs ?? {}, delay, opts.httpHandler).catch((err) => {
        opts.onError?.(err, req.url ?? '');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    const directory = { users: state.users, ringingCallsOf: (userId: string) => state.ringingCallsOf(userId), edges };
    hub = new Hub(server, tokens, opts.apiKey, events, directory, hubOptions, now, (userId, online) => (online ? grace.online(userId) : grace.offline(userId)));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await hub.close();
      timers.close();
      throw err;
    }
    coordinator = new LocalCoordinator({
      server,
      hub,
      host: opts.host ?? '127.0.0.1',
      apiKey: opts.apiKey,
      tokens,
      events,
      state,
      rpcFaults,
      timers,
      participantGrace: grace,
    });
    return coordinator;
  }

  /**
   * Mints a user token signed with the app secret.
   * @param options.expiresInSeconds lifetime; negative makes an expired token; omitted means none.
   */
  createToken(userId: string, options?: { expiresInSeconds?: number }): Promise<string> {
    return this.tokens.createToken(userId, options);
  }

  /**
   * Stops listening and closes every open connection. Resolves once every socket is closed
   * (`hub.connectionCount` is 0) and every timer the coordinator started (injected latency,
   * edge latency delays, participant grace periods, the hub's sweep) is cleared; requests
   * waiting on injected latency end with `unavailable`. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.participantGrace.close();
    this.timers.close();
    const serverClosed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    this.httpServer.closeAllConnections();
    await this.hub.close();
    await serverClosed;
  }
}

/** An `http:` or `https:` URL without its trailing slashes; a RangeError naming `name` otherwise. */
function httpBaseUrl(name: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new RangeError(`${name} must be an http: or https: URL`);
  return String(value).replace(/\/+$/, '');
}

/** The HTTP server's time limits, from the options, checked. */
function httpLimits(opts: LocalCoordinatorOptions): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = wholeNumber('headersTimeoutMs', opts.headersTimeoutMs, 10_000, 10, ONE_HOUR_MS);
  const requestTimeout = wholeNumber('requestTimeoutMs', opts.requestTimeoutMs, Math.max(10_000, headersTimeout), headersTimeout, ONE_HOUR_MS);
  const connectionsCheckingInterval = wholeNumber('connectionsCheckingIntervalMs', opts.connectionsCheckingIntervalMs, 1000, 10, 60_000);
  return { headersTimeout, requestTimeout, connectionsCheckingInterval };
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
  delay: (ms: number) => Promise<void>,
  extra: LocalCoordinatorOptions['httpHandler'],
): Promise<void> {
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (await twirp(req, res)) return;
  const path = (req.url ?? '/').split('?')[0];
  const latency = /^\/latency\/([^/]+)$/.exec(path);
  if (latency && req.method === 'GET') {
    let edge: string | undefined;
    try {
      edge = decodeURIComponent(latency[1]);
    } catch {
      edge = undefined; // malformed percent-encoding: no such edge
    }
    if (edge === undefined || !edges.includes(edge)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown edge');
      return;
    }
    const ms = edgeLatencyMs[edge] ?? 0;
    if (ms > 0) {
      try {
        await delay(ms);
      } catch {
        return; // the coordinator is closing: the connection goes with it
      }
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok');
    return;
  }
  if (extra && (await extra(req, res))) return;
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}
