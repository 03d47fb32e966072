import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData } from 'ws';
import { ResumeStatus, type ClientFrame, type Event, type ResumeRequest, type ResumeResult } from '../../../gen/stream/video/coordinator/v1/events';
import type { CallState, Edge } from '../../../gen/stream/video/coordinator/v1/models';
import { CLOSE_CODES } from '../../ws/close-codes';
import { decodeClientFrame, type ClientFrameCase, type ClientFrameOf } from '../../ws/frames';
import type { TokenAuthority } from '../auth';
import type { UserDirectory } from '../state/call-record';
import { checkStruct } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import type { EventLogs } from './event-log';
import { HubConnection } from './hub-connection';
import type { HubFaultCounts, HubFaults } from './hub-faults';
import { resolveHubOptions, sweepIntervalMs, type HubOptions, type ResolvedHubOptions } from './hub-options';
import { HubSocket } from './hub-socket';

export type { HubOptions } from './hub-options';

/** Told when a user's first socket authenticates (`true`) and when their last one goes (`false`). */
export type PresenceListener = (userId: string, online: boolean) => void;

type FrameHandler<K extends ClientFrameCase> = (conn: HubConnection, frame: ClientFrameOf<K>) => void | Promise<void>;

/** What the hub reads from the coordinator's state when a socket authenticates. */
export interface HubDirectory {
  /** The users, updated with each connecting user's profile. */
  readonly users: UserDirectory;
  /** The calls that ring `userId` now, as that user sees them. */
  ringingCallsOf(userId: string): CallState[];
  /** The edge servers offered to clients. */
  edges(): Edge[];
}

/**
 * The coordinator's real-time hub: authenticates sockets, delivers each user's numbered
 * events live, replays missed ones on resume, runs health checks, and injects faults.
 */
export class Hub {
  /** The path clients connect to. */
  readonly path: string;
  /** The health-check interval announced to clients, in ms. */
  readonly healthCheckIntervalMs: number;
  /** The period of the health sweep, in ms: never below 10 ms, whatever the options say. */
  readonly sweepIntervalMs: number;
  private lastSweep = Date.now();
  /** What the hub enforces: every option of {@link HubOptions}, with its default applied. */
  readonly limits: Readonly<Required<HubOptions>>;
  /** What the faults did. */
  readonly faultCounts: HubFaultCounts = { dropped: 0, silenced: 0, delayedFrames: 0, rawFrames: 0 };
  /** Upgrades refused because too many sockets had not authenticated (HTTP 503): from their address, or all of them authenticating. */
  refusedUpgrades = 0;
  /** Sockets closed to make room for a new one: they had not sent their auth frame, and were the oldest such. */
  evictedSockets = 0;
  private readonly wss: WebSocketServer;
  private readonly byUser = new Map<string, Set<HubConnection>>();
  private readonly all = new Set<HubConnection>();
  /** Sockets that have not authenticated yet, oldest first, with their remote address (`maxUnauthenticatedSockets`). */
  private readonly unauthenticated = new Map<HubConnection, string>();
  /** How many sockets of each remote address have not authenticated yet (`maxUnauthenticatedPerAddress`). */
  private readonly unauthenticatedByAddress = new Map<string, number>();
  private readonly options: ResolvedHubOptions;
  private frameDelayMs = 0;
  private readonly sweep: ReturnType<typeof setInterval>;
  private readonly unsubscribe: () => void;
  private closing: Promise<void> | undefined;
  private readonly allGone = new Set<() => void>();

  private readonly handlers = {
    auth: (conn, frame) => this.onAuth(conn, frame),
    healthCheck: (conn, frame) => {
      if (!frame.healthCheck.reply) conn.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: conn.id, reply: true } });
    },
  } satisfies { [K in ClientFrameCase]: FrameHandler<K> };

  /** Faults on demand; see {@link HubFaults}. */
  readonly faults: HubFaults = {
    dropUser: (userId) =>
      this.forUser(
        userId,
        (c) => {
          c.terminate();
          this.forget(c); // gone now: not counted or dropped again before its 'close' event
        },
        'dropped',
      ),
    silenceUser: (userId) => this.forUser(userId, (c) => (c.silenced = true), 'silenced'),
    setFrameDelay: (ms) => {
      if (!(ms >= 0)) throw new RangeError('setFrameDelay: ms must be >= 0');
      this.frameDelayMs = ms;
    },
    sendRaw: (userId, data) => this.forUser(userId, (c) => c.sendBytes(data), 'rawFrames'),
  };

  constructor(
    private readonly server: Server,
    private readonly tokens: TokenAuthority,
    private readonly apiKey: string,
    private readonly events: EventLogs,
    private readonly directory: HubDirectory,
    options: HubOptions = {},
    private readonly now: () => number = Date.now,
    private readonly onPresence: PresenceListener = () => undefined,
  ) {
    this.options = resolveHubOptions(options);
    this.limits = this.options;
    this.path = this.options.path;
    this.healthCheckIntervalMs = this.options.healthCheckIntervalMs;
    this.sweepIntervalMs = sweepIntervalMs(this.options);
    // ws refuses a message over maxPayload from its header, before buffering it; HubSocket turns
    // ws's own close (1009) into the hub's answer (error frame, then 4006).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxFrameBytes, WebSocket: HubSocket });
    server.on('upgrade', this.onUpgrade);
    this.unsubscribe = events.subscribe((userId, event, batch) => {
      for (const conn of this.byUser.get(userId) ?? []) if (conn.phase === 'live') conn.sendEvent(event, batch);
    });
    this.lastSweep = now();
    this.sweep = setInterval(() => this.healthSweep(), this.sweepIntervalMs);
  }

  /** Number of open sockets, all users. */
  get connectionCount(): number {
    return this.all.size;
  }

  /** Number of open sockets of `userId`. */
  connectionsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Number of open sockets that have not authenticated yet. */
  get unauthenticatedCount(): number {
    return this.unauthenticated.size;
  }

  /**
   * Closes every socket with 1001 (going away) and stops the hub. Resolves once every socket
   * is gone: sockets whose client does not answer the close within `closeGraceMs` are dropped.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.sweep);
    this.unsubscribe();
    this.server.off('upgrade', this.onUpgrade);
    const open = [...this.all];
    for (const conn of open) conn.close(CLOSE_CODES.GOING_AWAY, 'server closing');
    this.wss.close();
    if (this.all.size > 0) {
      let grace: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.allGone.add(resolve);
        grace = setTimeout(() => {
          for (const conn of this.all) conn.socket.terminate();
        }, this.options.closeGraceMs);
      }).finally(() => clearTimeout(grace));
    }
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // An upgrade socket has no error listener of Node's: a client that resets it while it is
    // refused (or while ws handles it) must not take the process down.
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    if (!this.makeRoom(address)) {
      // Refused before the handshake: no WebSocket, no timer, nothing held.
      this.refusedUpgrades++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws as HubSocket, address));
  };

  /**
   * Whether a new socket from `address` may wait for its auth frame: not over its address's
   * limit, and a place among all unauthenticated sockets, made if needed by closing a socket
   * that has not sent its auth frame: the oldest one of the address that holds the most (a
   * flood's: a client sends its auth frame at once, and a flood cannot push out the sockets
   * of addresses that hold fewer than its own).
   */
  private makeRoom(address: string): boolean {
    if ((this.unauthenticatedByAddress.get(address) ?? 0) >= this.options.maxUnauthenticatedPerAddress) return false;
    if (this.unauthenticated.size < this.options.maxUnauthenticatedSockets) return true;
    let victim: HubConnection | undefined;
    let most = 0;
    for (const [conn, from] of this.unauthenticated) {
      const held = this.unauthenticatedByAddress.get(from) ?? 0;
      if (conn.phase === 'awaiting_auth' && held > most) [victim, most] = [conn, held];
    }
    if (!victim) return false;
    this.evictedSockets++;
    this.release(victim);
    // Closed once the newcomer's upgrade is answered (it waits for nothing else); spared if
    // its auth frame came in between.
    const closing = victim;
    setImmediate(() => {
      if (closing.phase === 'awaiting_auth') closing.fail('auth_timeout', 'no auth frame yet, and its place was needed', CLOSE_CODES.AUTH_TIMEOUT);
    });
    return true;
  }

  /** Stops counting `conn` among the unauthenticated sockets (it authenticated, closed or was evicted). */
  private release(conn: HubConnection): void {
    const address = this.unauthenticated.get(conn);
    if (address === undefined) return;
    this.unauthenticated.delete(conn);
    const left = (this.unauthenticatedByAddress.get(address) ?? 1) - 1;
    if (left > 0) this.unauthenticatedByAddress.set(address, left);
    else this.unauthenticatedByAddress.delete(address);
  }

  private onSocket(ws: HubSocket, address: string): void {
    const conn = new HubConnection(
      randomUUID(),
      ws,
      () => this.frameDelayMs,
      () => this.faultCounts.delayedFrames++,
      this.now(),
    );
    this.all.add(conn);
    // Under pressure (half the places taken), a socket gets less time to authenticate.
    const { maxUnauthenticatedSockets, maxFrameBytes } = this.options;
    const underPressure = this.unauthenticated.size >= maxUnauthenticatedSockets / 2;
    const authTimeoutMs = underPressure ? Math.min(this.options.authTimeoutMs, this.options.authTimeoutUnderPressureMs) : this.options.authTimeoutMs;
    this.unauthenticated.set(conn, address);
    this.unauthenticatedByAddress.set(address, (this.unauthenticatedByAddress.get(address) ?? 0) + 1);
    conn.later(authTimeoutMs, () => {
      if (conn.phase === 'awaiting_auth') conn.fail('auth_timeout', `no auth frame within ${authTimeoutMs} ms`, CLOSE_CODES.AUTH_TIMEOUT);
    });
    ws.onTooLarge = () => conn.fail('frame_too_large', `a frame was over ${maxFrameBytes} bytes`, CLOSE_CODES.FRAME_TOO_LARGE);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', () => this.forget(conn));
    ws.on('error', () => this.forget(conn));
  }

  private onMessage(conn: HubConnection, data: RawData, isBinary: boolean): void {
    if (conn.phase === 'closed') return;
    conn.lastSeen = this.now();
    let frame: ClientFrame;
    try {
      if (!isBinary) throw new Error('text frame');
      frame = decodeClientFrame(toBytes(data));
    } catch {
      conn.fail('invalid_frame', 'the frame is not a binary ClientFrame', CLOSE_CODES.INVALID_FRAME);
      return;
    }
    const kind = frame.frame.oneofKind;
    if (kind === undefined) return; // a frame type from a newer client: skipped
    if (!conn.accepts(frame.frame)) {
      conn.fail('invalid_frame', conn.phase === 'awaiting_auth' ? 'the first frame must be auth' : 'auth was already done', CLOSE_CODES.INVALID_FRAME);
      return;
    }
    const handler = this.handlers[kind] as FrameHandler<typeof kind>;
    Promise.resolve(handler(conn, frame.frame as never)).catch(() => conn.fail('internal', 'internal error', CLOSE_CODES.GOING_AWAY));
  }

  private async onAuth(conn: HubConnection, { auth }: ClientFrameOf<'auth'>): Promise<void> {
    conn.phase = 'authenticating';
    if (auth.apiKey !== this.apiKey) {
      conn.fail('unauthenticated', 'the API key is not valid', CLOSE_CODES.UNAUTHENTICATED);
      return;
    }
    let userId: string;
    try {
      userId = (await this.tokens.verify(auth.token)).user_id;
    } catch (err) {
      const expired = err instanceof TwirpError && err.meta['reason'] === 'token_expired';
      if (expired) conn.fail('token_expired', 'the token has expired', CLOSE_CODES.TOKEN_EXPIRED);
      else conn.fail('unauthenticated', 'the token is not valid', CLOSE_CODES.UNAUTHENTICATED);
      return;
    }
    if (conn.phase !== 'authenticating') return; // closed while verifying
    if (!auth.user || auth.user.id !== userId) {
      conn.fail('unauthenticated', `the token is for another user than "${auth.user?.id ?? ''}"`, CLOSE_CODES.UNAUTHENTICATED);
      return;
    }
    if (auth.user.custom) {
      // A profile that JSON cannot hold would break every JSON answer and SDK that shows it.
      try {
        checkStruct('user.custom', auth.user.custom);
      } catch {
        conn.fail('invalid_frame', 'user.custom must hold JSON values only', CLOSE_CODES.INVALID_FRAME);
        return;
      }
    }
    if (this.connectionsOf(userId) >= this.options.maxSocketsPerUser) {
      conn.fail('too_many_connections', `user "${userId}" has ${this.options.maxSocketsPerUser} sockets open already`, CLOSE_CODES.DROPPED);
      return;
    }
    conn.userId = userId;
    this.release(conn);
    const user = this.directory.users.upsert(auth.user);
    let set = this.byUser.get(userId);
    const first = !set;
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(conn);
    if (first) this.onPresence(userId, true);
    conn.lastSeen = this.now(); // the health-check clock starts with connection ok, however long the token took
    // Synchronous from here on: nothing can be published between the replay and going live.
    const { resume, replay } = this.resume(userId, auth.resume);
    conn.send({
      oneofKind: 'connectionOk',
      connectionOk: {
        connectionId: conn.id,
        user,
        healthCheckIntervalMs: this.healthCheckIntervalMs,
        resume,
        ringingCalls: this.directory.ringingCallsOf(userId),
        edges: this.directory.edges(),
      },
    });
    for (const event of replay) conn.sendEvent(event);
    conn.phase = 'live';
  }

  /**
   * The answer to a resume point: fresh, the events after it (same epoch, still in the
   * buffer), or a re-sync (the gap is gone; or another epoch: the numbering restarted, and
   * this epoch's events are replayed from the first when they are all still kept).
   */
  private resume(userId: string, point: ResumeRequest | undefined): { resume: ResumeResult; replay: Event[] } {
    const log = this.events.log(userId);
    const epoch = this.events.epoch;
    const resync = { resume: { status: ResumeStatus.RESYNC_REQUIRED, lastSeq: log.seq, replayed: 0, epoch }, replay: [] };
    if (!point || point.fresh) return { resume: { status: ResumeStatus.FRESH, lastSeq: log.seq, replayed: 0, epoch }, replay: [] };
    if (point.epoch !== epoch) {
      // A client of an earlier start: it must re-sync, but has missed none of this start's
      // events that are still kept: they are replayed from the first one.
      const all = log.since(0, this.now());
      if (all.kind === 'gap') return resync;
      return { resume: { status: ResumeStatus.RESYNC_REQUIRED, lastSeq: 0, replayed: all.events.length, epoch }, replay: all.events };
    }
    const found = log.since(point.lastSeq, this.now());
    if (found.kind === 'gap') return resync;
    return { resume: { status: ResumeStatus.REPLAYED, lastSeq: point.lastSeq, replayed: found.events.length, epoch }, replay: found.events };
  }

  private healthSweep(): void {
    const now = this.now();
    // A late sweep means this process stalled: no frame could be read then, so the stall is
    // not the clients' silence (the same rule as the SDK's heartbeat).
    const late = now - this.lastSweep - this.sweepIntervalMs;
    this.lastSweep = now;
    if (late > this.sweepIntervalMs) for (const conn of this.all) conn.lastSeen += late;
    for (const conn of this.all) {
      // Not authenticated yet (the auth time limit covers it): it has not been told the interval.
      if (!conn.userId || conn.phase === 'closed') continue;
      if (now - conn.lastSeen > this.options.deadAfterMs) {
        conn.close(CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'health check timeout');
        this.forget(conn);
      } else {
        conn.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: conn.id, reply: false } });
      }
    }
  }

  private forget(conn: HubConnection): void {
    conn.dispose();
    this.release(conn);
    if (!this.all.delete(conn)) return;
    const set = this.byUser.get(conn.userId);
    if (set?.delete(conn) && set.size === 0) {
      this.byUser.delete(conn.userId);
      if (!this.closing) this.onPresence(conn.userId, false);
    }
    if (this.all.size === 0) for (const resolve of [...this.allGone]) resolve();
  }

  private forUser(userId: string, act: (c: HubConnection) => void, counter: keyof HubFaultCounts): number {
    const conns = [...(this.byUser.get(userId) ?? [])].filter((c) => c.phase !== 'closed');
    for (const c of conns) {
      act(c);
      this.faultCounts[counter]++;
    }
    return conns.length;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
