import type { RpcInterceptor, RpcTransport } from '@protobuf-ts/runtime-rpc';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../coordinator/retry-policy';
import { StreamVideoError } from '../errors/stream-video-error';
import { KNOWN_CALL_TYPES } from '../validation/arguments';
import { checkKnownKeys } from '../validation/known-keys';
import { OPTION_INTERVAL_RANGE } from '../ws/heartbeat';
import type { ReconnectPolicy } from '../ws/reconnect-policy';
import type { NetworkEventSource, WebSocketConstructor } from '../ws/websocket-like';
import { consoleLogger, LOG_LEVELS, withLevel, type Logger, type LogLevelThreshold } from '../config/logger';
import type { RTCPeerConnectionConstructor } from '../media/peer-connection';
import { memoryDevicePreferences, type DevicePreferences, type MediaDevicesLike } from '../devices/media-devices';
import { REACTION_TTL_MS } from '../config/call-limits';

/** Time limits of the client, in milliseconds. */
export interface StreamClientTimeouts {
  /** One RPC attempt (default 10,000). */
  rpcMs?: number;
  /** `connectUser`, retries included (default 15,000). */
  connectMs?: number;
  /** One socket handshake: open, auth, resume (default 10,000). */
  handshakeMs?: number;
  /** Measuring the latency to the edges in `joinCall` (default 1,500). */
  edgeMeasurementMs?: number;
  /** How long an action waits for a reconnecting socket (default 10,000). */
  reconnectWaitMs?: number;
  /**
   * One call of the token provider (default 10,000); a call that takes longer fails with
   * `timeout` (`meta.reason = "token_provider"`): an RPC waiting on it fails once, not once per
   * retry; a reconnect tries the provider again on its backoff.
   */
  tokenProviderMs?: number;
}

/**
 * Options of `new StreamVideoClient(apiKey, opts)`; every one has a default.
 *
 * ```ts
 * const client = new StreamVideoClient('key', { baseUrl: 'http://127.0.0.1:3030', logger: (l, m) => console.log(l, m) });
 * ```
 */
export interface StreamClientOptions {
  /** The coordinator's base URL (default `http://127.0.0.1:3030`, the local coordinator). */
  baseUrl?: string;
  /** The Twirp prefix URL (default `baseUrl + '/twirp'`). */
  twirpUrl?: string;
  /** The WebSocket URL (default `baseUrl` with `ws:`/`wss:` and the path `/video/connect`). */
  wsUrl?: string;
  /** Where the SDK logs (default: the console). Tokens are never logged. */
  logger?: Logger;
  /** The least severe level passed to the logger: `debug`, `info`, `warn`, `error` or `silent` (default `warn`). */
  logLevel?: LogLevelThreshold;
  /** Send RPCs as Twirp JSON instead of binary protobuf, e.g. to read them in a browser's network panel (default false). */
  sendJson?: boolean;
  /** The RPC transport (default: protobuf-ts's `TwirpFetchTransport` to `twirpUrl`); the SDK's interceptors apply to any. */
  transport?: RpcTransport;
  /** Time limits, in ms; each one left out keeps its default (see {@link StreamClientTimeouts}). */
  timeouts?: StreamClientTimeouts;
  /** Retries of idempotent RPCs; fields left out keep {@link DEFAULT_RETRY_POLICY}'s (3 attempts, 100 ms, 2,000 ms). */
  retry?: Partial<RetryPolicy>;
  /** When to reconnect the socket (default: exponential backoff with full jitter, 250 ms first step). */
  reconnectPolicy?: ReconnectPolicy;
  /** The WebSocket constructor (default: the platform's; the Node entry uses `ws`). */
  WebSocket?: WebSocketConstructor;
  /** Health-check interval of the socket, in ms, from 5 to 3,600,000 (default: the server's, clamped to 1,000 to 600,000). */
  healthCheckIntervalMs?: number;
  /** The call types `callType` arguments are checked against (default {@link KNOWN_CALL_TYPES}). */
  callTypes?: readonly string[];
  /** Source of `online`/`offline` events (default: `window` in browsers). */
  network?: NetworkEventSource;
  /**
   * The `RTCPeerConnection` constructor for calls' media (default: the platform's; Node has
   * none: without one, media methods fail with `unsupported` and everything else works).
   */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /** How often the store's `callStatsReport$` and each participant's `connectionQuality` are refreshed while in a call, in ms (default 2,000; 0 never). */
  statsIntervalMs?: number;
  /**
   * The cameras, microphones and speakers `call.camera`, `call.microphone`, `call.speaker` and
   * `call.screenShare` use (default: the browser's `navigator.mediaDevices`). Pass your own to
   * process capture, or to simulate devices in tests; see {@link MediaDevicesLike}.
   */
  mediaDevices?: MediaDevicesLike;
  /**
   * Where the devices the user selects are remembered (default: in memory, for the client's
   * life); see {@link DevicePreferences} to keep them across page loads.
   */
  devicePreferences?: DevicePreferences;
  /**
   * How long a participant's `reaction` stays in the store, in ms from when the coordinator
   * received it: 10 to 3,600,000 (default `REACTION_TTL_MS`, 5,000).
   */
  reactionTtlMs?: number;
  /**
   * The largest RPC answer the client reads, in bytes, from 1,024 to 1,073,741,824 (default
   * 8 MiB); past it the read stops and the request fails with `resource_exhausted`. Enforced
   * by the Node entry, for the default transport. In browsers `TwirpFetchTransport` reads
   * every answer whole and only `timeouts.rpcMs` bounds it: setting it there (or with your
   * own `transport`) logs a warning with `reason` `runtime` (or `custom_transport`).
   */
  maxResponseBytes?: number;
}

/**
 * @internal What an entry point supplies for its runtime: the Node entry gives `ws` and a
 * response cap through undici; the browser entry gives nothing (the platform's own are used).
 */
export interface ClientPlatform {
  WebSocket?: WebSocketConstructor;
  /** The interceptor that caps RPC answers at `maxBytes`. */
  responseCap?: (maxBytes: number) => RpcInterceptor;
}

/** The default of {@link StreamClientOptions.maxResponseBytes}: 8 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_RESPONSE_BYTES_RANGE = { min: 1024, max: 1024 * 1024 * 1024 };

/** The options with every default filled in; `logger` already filtered by `logLevel`. */
export interface ResolvedOptions {
  twirpUrl: string;
  wsUrl: string;
  logger: Logger;
  sendJson: boolean;
  transport: RpcTransport | undefined;
  timeouts: Required<StreamClientTimeouts>;
  retry: RetryPolicy;
  reconnectPolicy: ReconnectPolicy | undefined;
  WebSocket: WebSocketConstructor | undefined;
  healthCheckIntervalMs: number | undefined;
  callTypes: readonly string[];
  network: NetworkEventSource | undefined;
  RTCPeerConnection: RTCPeerConnectionConstructor | undefined;
  statsIntervalMs: number;
  mediaDevices: MediaDevicesLike | undefined;
  devicePreferences: DevicePreferences;
  reactionTtlMs: number;
  /** The interceptor that caps RPC answers, when the platform has one and the transport is the default. */
  responseCap: RpcInterceptor | undefined;
}

/** The local coordinator's default address. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:3030';

/** Fills in the defaults of `opts`, with what `platform` supplies where `opts` names nothing. */
export function resolveOptions(opts: StreamClientOptions, platform: ClientPlatform = {}): ResolvedOptions {
  checkOptions(opts);
  const base = String(opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw StreamVideoError.invalidArgument('constructor', 'opts.baseUrl', `"${base}" is not a URL`);
  }
  const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${url.pathname.replace(/\/$/, '')}/video/connect`;
  const win = (globalThis as { window?: NetworkEventSource }).window;
  const logger = withLevel(opts.logger ?? consoleLogger, opts.logLevel ?? 'warn');
  const responseCap = opts.transport ? undefined : platform.responseCap?.(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  if (opts.maxResponseBytes !== undefined && !responseCap) {
    // Accepted (the same options may serve Node and browsers), but said: nothing enforces it here.
    logger('warn', 'maxResponseBytes is not enforced with this transport or runtime', { reason: opts.transport ? 'custom_transport' : 'runtime' });
  }
  return {
    twirpUrl: opts.twirpUrl ?? `${base}/twirp`,
    wsUrl: opts.wsUrl ?? ws,
    logger,
    sendJson: opts.sendJson ?? false,
    transport: opts.transport,
    timeouts: {
      rpcMs: opts.timeouts?.rpcMs ?? 10_000,
      connectMs: opts.timeouts?.connectMs ?? 15_000,
      handshakeMs: opts.timeouts?.handshakeMs ?? 10_000,
      edgeMeasurementMs: opts.timeouts?.edgeMeasurementMs ?? 1_500,
      reconnectWaitMs: opts.timeouts?.reconnectWaitMs ?? 10_000,
      tokenProviderMs: opts.timeouts?.tokenProviderMs ?? 10_000,
    },
    retry: { ...DEFAULT_RETRY_POLICY, ...opts.retry },
    reconnectPolicy: opts.reconnectPolicy,
    WebSocket: opts.WebSocket ?? platform.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    healthCheckIntervalMs: opts.healthCheckIntervalMs,
    callTypes: opts.callTypes ?? KNOWN_CALL_TYPES,
    network: opts.network ?? (typeof win?.addEventListener === 'function' ? win : undefined),
    RTCPeerConnection: opts.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: RTCPeerConnectionConstructor }).RTCPeerConnection,
    statsIntervalMs: opts.statsIntervalMs ?? 2000,
    mediaDevices: opts.mediaDevices ?? (globalThis as { navigator?: { mediaDevices?: MediaDevicesLike } }).navigator?.mediaDevices,
    devicePreferences: opts.devicePreferences ?? memoryDevicePreferences(),
    reactionTtlMs: opts.reactionTtlMs ?? REACTION_TTL_MS,
    responseCap,
  };
}

/** Every option, every time limit and every retry setting: any other key is refused. */
const OPTION_KEYS: readonly (keyof StreamClientOptions)[] = [
  'baseUrl',
  'twirpUrl',
  'wsUrl',
  'logger',
  'logLevel',
  'sendJson',
  'transport',
  'timeouts',
  'retry',
  'reconnectPolicy',
  'WebSocket',
  'healthCheckIntervalMs',
  'callTypes',
  'network',
  'RTCPeerConnection',
  'statsIntervalMs',
  'reactionTtlMs',
  'maxResponseBytes',
  'mediaDevices',
  'devicePreferences',
];
const TIMEOUT_KEYS: readonly (keyof StreamClientTimeouts)[] = ['rpcMs', 'connectMs', 'handshakeMs', 'edgeMeasurementMs', 'reconnectWaitMs', 'tokenProviderMs'];
const RETRY_KEYS: readonly (keyof RetryPolicy)[] = ['maxAttempts', 'baseDelayMs', 'maxDelayMs'];

const bad = (argument: string, why: string) => StreamVideoError.invalidArgument('constructor', argument, why);

/** Checks the shape of the options; a wrong type is `invalid_argument` naming the option. */
function checkOptions(opts: unknown): asserts opts is StreamClientOptions {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw bad('opts', 'must be an object');
  const o = opts as Record<string, unknown>;
  checkKnownKeys('constructor', 'opts', o, OPTION_KEYS);
  if (o['baseUrl'] !== undefined && typeof o['baseUrl'] !== 'string' && !(o['baseUrl'] instanceof URL)) throw bad('opts.baseUrl', 'must be a URL string');
  for (const key of ['twirpUrl', 'wsUrl'] as const) if (o[key] !== undefined && typeof o[key] !== 'string') throw bad(`opts.${key}`, 'must be a URL string');
  if (o['logLevel'] !== undefined && !LOG_LEVELS.includes(o['logLevel'] as LogLevelThreshold))
    throw bad('opts.logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  if (o['sendJson'] !== undefined && typeof o['sendJson'] !== 'boolean') throw bad('opts.sendJson', 'must be a boolean');
  const transport = o['transport'] as { unary?: unknown; mergeOptions?: unknown } | undefined;
  if (
    transport !== undefined &&
    (typeof transport !== 'object' || transport === null || typeof transport.unary !== 'function' || typeof transport.mergeOptions !== 'function')
  ) {
    throw bad('opts.transport', 'must be an RpcTransport');
  }
  for (const key of ['logger', 'WebSocket', 'RTCPeerConnection'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'function') throw bad(`opts.${key}`, 'must be a function');
  if (o['callTypes'] !== undefined && (!Array.isArray(o['callTypes']) || o['callTypes'].some((t) => typeof t !== 'string')))
    throw bad('opts.callTypes', 'must be an array of strings');
  if (o['statsIntervalMs'] !== undefined && !(typeof o['statsIntervalMs'] === 'number' && o['statsIntervalMs'] >= 0 && o['statsIntervalMs'] <= 3_600_000))
    throw bad('opts.statsIntervalMs', 'must be a number from 0 to 3600000');
  // Objects the SDK calls: each must have the methods it calls.
  for (const [key, methods] of [
    ['mediaDevices', ['getUserMedia', 'enumerateDevices', 'addEventListener', 'removeEventListener']],
    ['devicePreferences', ['get', 'set']],
  ] as const) {
    const value = o[key] as Record<string, unknown> | undefined;
    if (value !== undefined && !methods.every((m) => typeof value?.[m] === 'function')) throw bad(`opts.${key}`, `must have ${methods.join(', ')}`);
  }
  const ttl = o['reactionTtlMs'];
  if (ttl !== undefined && !(typeof ttl === 'number' && ttl >= 10 && ttl <= 3_600_000)) throw bad('opts.reactionTtlMs', 'must be a number from 10 to 3600000');
  const cap = o['maxResponseBytes'];
  if (cap !== undefined && !(Number.isInteger(cap) && (cap as number) >= MAX_RESPONSE_BYTES_RANGE.min && (cap as number) <= MAX_RESPONSE_BYTES_RANGE.max)) {
    throw bad('opts.maxResponseBytes', `must be a whole number from ${MAX_RESPONSE_BYTES_RANGE.min} to ${MAX_RESPONSE_BYTES_RANGE.max}`);
  }
  const interval = o['healthCheckIntervalMs'];
  if (
    interval !== undefined &&
    !(Number.isInteger(interval) && (interval as number) >= OPTION_INTERVAL_RANGE.min && (interval as number) <= OPTION_INTERVAL_RANGE.max)
  ) {
    // Beyond 2^31 - 1 ms a timer fires at once: a probe flood.
    throw bad('opts.healthCheckIntervalMs', `must be a whole number from ${OPTION_INTERVAL_RANGE.min} to ${OPTION_INTERVAL_RANGE.max}`);
  }
  for (const group of ['timeouts', 'retry'] as const) {
    const g = o[group];
    if (g === undefined) continue;
    if (typeof g !== 'object' || g === null) throw bad(`opts.${group}`, 'must be an object');
    checkKnownKeys('constructor', `opts.${group}`, g, group === 'timeouts' ? TIMEOUT_KEYS : RETRY_KEYS);
    for (const [k, v] of Object.entries(g))
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 3_600_000)) throw bad(`opts.${group}.${k}`, 'must be a number from 0 to 3600000');
  }
  const policy = o['reconnectPolicy'] as { nextDelayMs?: unknown } | undefined;
  if (policy !== undefined && (typeof policy !== 'object' || policy === null || typeof policy.nextDelayMs !== 'function'))
    throw bad('opts.reconnectPolicy', 'must have a nextDelayMs function');
}
