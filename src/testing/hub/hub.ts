import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
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

/** Options of the WebSocket hub. */
export interface HubOptions {
  /** Path clients connect to (default `/video/connect`). */
  path?: string;
  /** Time allowed for the auth frame, in ms (default 5,000). */
  authTimeoutMs?: number;
  /** Health-check interval, in ms (default 10,000). */
  healthCheckIntervalMs?: number;
  /** A socket silent for longer than this is closed, in ms (default 3 × the interval). */
  deadAfterMs?: number;
  /** Largest client frame, in bytes (default 64 KiB). */
  maxFrameBytes?: number;
}

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
  readonly path: string;
  readonly healthCheckIntervalMs: number;
  readonly faultCounts: HubFaultCounts = { dropped: 0, silenced: 0, delayedFrames: 0, rawFrames: 0 };
  private readonly wss: WebSocketServer;
  private readonly byUser = new Map<string, Set<HubConnection>>();
  private readonly all = new Set<HubConnection>();
  private readonly authTimeoutMs: number;
  private readonly deadAfterMs: number;
  private frameDelayMs = 0;
  private readonly sweep: ReturnType<typeof setInterval>;
  private readonly unsubscribe: () => void;

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
  ) {
    this.path = options.path ?? '/video/connect';
    this.authTimeoutMs = options.authTimeoutMs ?? 5000;
    this.healthCheckIntervalMs = options.healthCheckIntervalMs ?? 10_000;
    this.deadAfterMs = options.deadAfterMs ?? this.healthCheckIntervalMs * 3;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? 64 * 1024 });
    server.on('upgrade', this.onUpgrade);
    this.unsubscribe = events.subscribe((userId, event, batch) => {
      for (const conn of this.byUser.get(userId) ?? []) if (conn.phase === 'live') conn.sendEvent(event, batch);
    });
    this.sweep = setInterval(() => this.healthSweep(), Math.max(5, Math.min(this.healthCheckIntervalMs, this.deadAfterMs / 2)));
  }

  /** Number of open sockets, all users. */
  get connectionCount(): number {
    return this.all.size;
  }

  /** Number of open sockets of `userId`. */
  connectionsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Closes every socket with 1001 (going away) and stops the hub. */
  close(): void {
    clearInterval(this.sweep);
    this.unsubscribe();
    this.server.off('upgrade', this.onUpgrade);
    for (const conn of this.all) conn.close(CLOSE_CODES.GOING_AWAY, 'server closing');
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
  };

  private onSocket(ws: WebSocket): void {
    const conn = new HubConnection(randomUUID(), ws, () => this.frameDelayMs, () => this.faultCounts.delayedFrames++, this.now());
    this.all.add(conn);
    conn.later(this.authTimeoutMs, () => {
      if (conn.phase === 'awaiting_auth') conn.fail('auth_timeout', `no auth frame within ${this.authTimeoutMs} ms`, CLOSE_CODES.AUTH_TIMEOUT);
    });
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
    conn.userId = userId;
    const user = this.directory.users.upsert(auth.user);
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(conn);
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
    for (const conn of this.all) {
      if (conn.phase === 'awaiting_auth') continue;
      if (now - conn.lastSeen > this.deadAfterMs) {
        conn.close(CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'health check timeout');
        this.forget(conn);
      } else {
        conn.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: conn.id, reply: false } });
      }
    }
  }

  private forget(conn: HubConnection): void {
    conn.dispose();
    this.all.delete(conn);
    const set = this.byUser.get(conn.userId);
    if (set?.delete(conn) && set.size === 0) this.byUser.delete(conn.userId);
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
