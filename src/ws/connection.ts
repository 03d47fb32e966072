import { atom, type ReadableAtom } from 'nanostores';
import { ResumeStatus, type Event, type ServerFrame } from '../../gen/stream/video/coordinator/v1/events';
import type { User } from '../../gen/stream/video/coordinator/v1/models';
import type { TokenManager } from '../coordinator/token-manager';
import { StreamVideoError, type StreamVideoErrorCode } from '../errors';
import type { Logger } from '../logger';
import { CLOSE_CODES } from './close-codes';
import type { ConnectionState } from './connection-state';
import { decodeServerFrame, encodeClientFrame, type ServerFrameCase, type ServerFrameOf } from './frames';
import type { ReconnectPolicy } from './reconnect-policy';
import { WS_OPEN, type NetworkEventSource, type WebSocketConstructor, type WebSocketLike } from './websocket-like';

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  url: string;
  apiKey: string;
  user: User;
  tokens: TokenManager;
  WebSocket: WebSocketConstructor;
  reconnectPolicy: ReconnectPolicy;
  logger: Logger;
  /** Time for one attempt's handshake (open, auth, resume), in ms. */
  handshakeTimeoutMs: number;
  /** Time `connect()` keeps trying before it fails with `timeout`, in ms. */
  connectTimeoutMs: number;
  /** Health-check interval, in ms; by default the one the server announces. */
  healthCheckIntervalMs?: number;
  /** The server is declared dead after this long without a frame (default 3 intervals). */
  deadAfterMs?: number;
  /** Source of `online`/`offline` events (a browser's `window`); none in Node. */
  network?: NetworkEventSource;
  /** Each event, exactly once and in sequence order. */
  onEvent: (event: Event) => void;
  /** Events were lost beyond the server's replay buffer: the state must be reloaded. */
  onRecovered: () => void;
}

type Handler<K extends ServerFrameCase> = (frame: ServerFrameOf<K>, socket: WebSocketLike) => void;

/**
 * The real-time channel: authenticates, delivers each event exactly once in sequence order,
 * checks the server's health, reconnects with the policy's backoff and resumes from the
 * last sequence number seen. Frames from a superseded socket are ignored.
 */
export class Connection {
  private readonly state = atom<ConnectionState>('idle');
  /** The connection state, read-only. */
  readonly state$: ReadableAtom<ConnectionState> = this.state;
  /** The last sequence number delivered; `undefined` before the first connection. */
  lastSeq: number | undefined;
  /** The server's id of the current socket. */
  connectionId = '';
  /** Counts for tests and benchmarks. */
  readonly stats = { sockets: 0, reconnects: 0, duplicatesDropped: 0, gaps: 0, malformedFrames: 0, resyncs: 0 };

  private socket: WebSocketLike | undefined;
  private socketToken = '';
  private attempt = 0;
  private lostAt = 0;
  private lastError: Error | undefined;
  private lastReceived = 0;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private firstConnect: { resolve: () => void; reject: (e: StreamVideoError) => void } | undefined;
  private waiters = new Set<{ resolve: () => void; reject: (e: StreamVideoError) => void }>();
  private stopped = false;
  private offline = false;
  private expiredInARow = 0;
  /** Where the current socket is in its handshake: frames of another step are skipped. */
  private step: 'auth' | 'resume' | 'live' = 'auth';

  private readonly handlers = {
    connectionOk: ({ connectionOk }, socket) => {
      if (!this.inStep('auth', 'connectionOk')) return;
      this.step = 'resume';
      this.connectionId = connectionOk.connectionId;
      if (connectionOk.healthCheckIntervalMs > 0 && this.options.healthCheckIntervalMs === undefined) this.serverInterval = connectionOk.healthCheckIntervalMs;
      const resume = this.lastSeq === undefined ? { lastSeq: 0, fresh: true } : { lastSeq: this.lastSeq, fresh: false };
      socket.send(encodeClientFrame({ oneofKind: 'resume', resume }));
    },
    resumeResult: ({ resumeResult }) => {
      if (!this.inStep('resume', 'resumeResult')) return;
      if (resumeResult.status === ResumeStatus.RESYNC_REQUIRED || resumeResult.status === ResumeStatus.FRESH) {
        const resync = resumeResult.status === ResumeStatus.RESYNC_REQUIRED;
        this.lastSeq = resumeResult.lastSeq;
        if (resync) {
          this.stats.resyncs++;
          this.options.logger('info', 'events were lost beyond the replay buffer: re-syncing', { lastSeq: this.lastSeq });
        }
        this.becomeLive();
        if (resync) this.options.onRecovered();
      } else {
        this.becomeLive();
      }
    },
    event: ({ event }, socket) => this.onEventFrame(event, socket),
    healthCheck: ({ healthCheck }, socket) => {
      if (!healthCheck.reply) socket.send(encodeClientFrame({ oneofKind: 'healthCheck', healthCheck: { connectionId: this.connectionId, reply: true } }));
    },
    error: ({ error }) => {
      // The close that follows decides what happens; keep the server's reason for it.
      this.lastError = new StreamVideoError(closeErrorCode(error.code), error.message, { method: 'connect', serverMessage: error.message, meta: { reason: error.code } });
    },
  } satisfies { [K in ServerFrameCase]: Handler<K> };

  private serverInterval = 10_000;

  constructor(private readonly options: ConnectionOptions) {}

  /** Connects; resolves once live, rejects with a `StreamVideoError` on a failure retrying cannot fix or after `connectTimeoutMs`. */
  connect(): Promise<void> {
    if (this.stopped) return Promise.reject(new StreamVideoError('disconnected', 'the connection was closed', { method: 'connect' }));
    if (this.state.get() !== 'idle') return Promise.reject(new StreamVideoError('already_connected', 'connect() was already called', { method: 'connect' }));
    return new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.state.set('connecting');
      this.listenNetwork('addEventListener');
      this.connectTimer = setTimeout(() => {
        this.fail(new StreamVideoError('timeout', `could not connect within ${this.options.connectTimeoutMs} ms`, { method: 'connect', cause: this.lastError }));
      }, this.options.connectTimeoutMs);
      void this.open();
    });
  }

  /** Resolves when connected; rejects after `timeoutMs` or when the connection stops. */
  waitUntilConnected(timeoutMs: number, method: string): Promise<void> {
    if (this.state.get() === 'connected') return Promise.resolve();
    if (this.stopped || this.state.get() === 'idle') return Promise.reject(new StreamVideoError('not_connected', 'no user is connected', { method }));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new StreamVideoError('timeout', `not reconnected within ${timeoutMs} ms`, { method }));
      }, timeoutMs);
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e: StreamVideoError) => (clearTimeout(timer), reject(new StreamVideoError(e.code, e.message, { method, cause: e }))),
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes for good: clears every timer, closes the socket, rejects what waits. Idempotent. */
  disconnect(): void {
    this.stop(new StreamVideoError('disconnected', 'disconnectUser was called', { method: 'connect' }), 'client disconnect');
  }

  /** Drops the current socket as if the network failed (for tests and fault injection). */
  simulateDrop(): void {
    if (this.socket) this.onSocketClosed(this.socket, CLOSE_CODES.DROPPED, 'simulated drop');
  }

  private async open(): Promise<void> {
    if (this.stopped || this.offline) return;
    let token: string;
    try {
      token = await this.options.tokens.get();
    } catch (err) {
      this.fail(StreamVideoError.from(err, 'connect'));
      return;
    }
    if (this.stopped || this.offline) return;
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(this.options.url);
    } catch (err) {
      this.fail(new StreamVideoError('invalid_argument', 'the WebSocket URL is not valid', { method: 'connect', cause: err }));
      return;
    }
    this.socket = socket;
    this.socketToken = token;
    this.step = 'auth';
    this.stats.sockets++;
    // The `ws` package (an EventEmitter, unlike the platform's WebSocket) can hand over its own
    // Buffer, saving a copy of every frame; browsers only know 'arraybuffer' and 'blob'.
    socket.binaryType = typeof (socket as { on?: unknown }).on === 'function' ? 'nodebuffer' : 'arraybuffer';
    this.handshakeTimer = setTimeout(() => {
      this.lastError = new StreamVideoError('timeout', `no handshake within ${this.options.handshakeTimeoutMs} ms`, { method: 'connect' });
      this.onSocketClosed(socket, CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'handshake timeout');
    }, this.options.handshakeTimeoutMs);
    socket.onopen = () => {
      if (socket !== this.socket) return;
      socket.send(encodeClientFrame({ oneofKind: 'auth', auth: { apiKey: this.options.apiKey, token, user: this.options.user } }));
    };
    socket.onmessage = (msg) => this.onMessage(socket, msg.data);
    socket.onclose = (ev) => this.onSocketClosed(socket, ev.code, ev.reason);
    socket.onerror = () => {
      if (socket === this.socket) this.lastError ??= new StreamVideoError('network', 'the WebSocket failed', { method: 'connect' });
    };
  }

  private onMessage(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.socket) return; // a late frame from a superseded socket
    this.lastReceived = Date.now();
    if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      this.stats.malformedFrames++;
      this.options.logger('debug', 'skipped a non-binary frame');
      return;
    }
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      this.stats.malformedFrames++;
      this.options.logger('debug', 'skipped an undecodable frame', { error: String(err) });
      return;
    }
    const kind = frame.frame.oneofKind;
    if (kind === undefined) {
      this.options.logger('debug', 'skipped a frame of an unknown kind');
      return;
    }
    (this.handlers[kind] as Handler<typeof kind>)(frame.frame as never, socket);
  }

  private onEventFrame(event: Event, socket: WebSocketLike): void {
    if (!this.inStep('live', 'event')) return;
    const last = this.lastSeq ?? 0;
    if (event.seq <= last) {
      this.stats.duplicatesDropped++;
      this.options.logger('debug', 'dropped an event delivered twice', { seq: event.seq });
      return;
    }
    if (event.seq !== last + 1) {
      // Something between us and the server lost events: resume from what we have.
      this.stats.gaps++;
      this.options.logger('warn', 'missing events: resuming', { expected: last + 1, got: event.seq });
      this.onSocketClosed(socket, CLOSE_CODES.INVALID_FRAME, 'sequence gap');
      return;
    }
    this.lastSeq = event.seq;
    if (event.payload.oneofKind === undefined) {
      this.options.logger('debug', 'skipped an event of an unknown kind', { seq: event.seq });
      return;
    }
    try {
      this.options.onEvent(event);
    } catch (err) {
      // A failure while handling one event must not stop the socket's next frames.
      this.options.logger('error', 'handling an event failed', { seq: event.seq, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Whether the current socket is at `step`; logs and skips a frame that comes out of turn. */
  private inStep(step: 'auth' | 'resume' | 'live', frame: string): boolean {
    if (this.step === step) return true;
    this.options.logger('debug', `skipped a ${frame} frame out of turn`, { step: this.step });
    return false;
  }

  private becomeLive(): void {
    this.step = 'live';
    clearTimeout(this.handshakeTimer);
    this.attempt = 0;
    this.expiredInARow = 0;
    this.lastError = undefined;
    this.lastReceived = Date.now();
    this.startHealthChecks();
    this.state.set('connected');
    if (this.firstConnect) {
      clearTimeout(this.connectTimer);
      this.firstConnect.resolve();
      this.firstConnect = undefined;
    }
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  private startHealthChecks(): void {
    clearInterval(this.healthTimer);
    const interval = this.options.healthCheckIntervalMs ?? this.serverInterval;
    const deadAfter = this.options.deadAfterMs ?? interval * 3;
    const socket = this.socket;
    this.healthTimer = setInterval(() => {
      if (!socket || socket !== this.socket) return;
      if (Date.now() - this.lastReceived > deadAfter) {
        this.lastError = new StreamVideoError('timeout', `the server was silent for over ${deadAfter} ms`, { method: 'connect' });
        this.onSocketClosed(socket, CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'health check timeout');
        return;
      }
      if (socket.readyState === WS_OPEN) socket.send(encodeClientFrame({ oneofKind: 'healthCheck', healthCheck: { connectionId: this.connectionId, reply: false } }));
    }, Math.max(5, Math.min(interval, deadAfter / 2)));
  }

  private onSocketClosed(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket || this.stopped) return;
    this.dropSocket(CLOSE_CODES.NORMAL, reason);
    clearInterval(this.healthTimer);
    clearTimeout(this.handshakeTimer);
    if (code === CLOSE_CODES.UNAUTHENTICATED) {
      this.fail(asError(this.lastError, 'unauthenticated', 'the server refused the credentials'));
      return;
    }
    if (code === CLOSE_CODES.TOKEN_EXPIRED) {
      void this.refreshAndReopen();
      return;
    }
    this.options.logger('info', 'connection lost: reconnecting', { code, reason });
    this.scheduleReconnect();
  }

  private async refreshAndReopen(): Promise<void> {
    this.expiredInARow++;
    this.state.set(this.firstConnect ? 'connecting' : 'reconnecting');
    if (this.expiredInARow > 2) {
      this.fail(new StreamVideoError('token_expired', 'the token provider returns expired tokens', { method: 'connect' }));
      return;
    }
    try {
      await this.options.tokens.refresh(this.socketToken);
    } catch (err) {
      this.fail(StreamVideoError.from(err, 'connect'));
      return;
    }
    void this.open();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    if (this.attempt === 0) this.lostAt = Date.now();
    if (this.offline) this.state.set('offline');
    else if (!this.firstConnect) this.state.set('reconnecting');
    if (this.offline) return; // `online` resumes at once
    const delay = this.options.reconnectPolicy.nextDelayMs({ attempt: this.attempt, elapsedMs: Date.now() - this.lostAt, lastError: this.lastError });
    if (delay === null) {
      this.fail(asError(this.lastError, 'network', 'gave up reconnecting'));
      return;
    }
    this.attempt++;
    this.stats.reconnects++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(), Math.max(0, delay));
  }

  private readonly onOffline = (): void => {
    if (this.stopped) return;
    this.offline = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.onSocketClosed(this.socket, CLOSE_CODES.DROPPED, 'browser offline');
    else this.state.set('offline');
  };

  private readonly onOnline = (): void => {
    if (this.stopped || !this.offline) return;
    this.offline = false;
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    if (!this.socket) {
      this.state.set(this.firstConnect ? 'connecting' : 'reconnecting');
      void this.open();
    }
  };

  private fail(err: StreamVideoError): void {
    if (!this.stopped) this.options.logger('warn', 'connection closed for good', { code: err.code });
    this.stop(err, 'giving up');
  }

  /** Closes for good with `err`: clears every timer, closes the socket, rejects what waits. */
  private stop(err: StreamVideoError, reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.listenNetwork('removeEventListener');
    this.dropSocket(CLOSE_CODES.NORMAL, reason);
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    clearInterval(this.healthTimer);
    this.firstConnect?.reject(err);
    this.firstConnect = undefined;
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
    this.state.set('disconnected');
  }

  private listenNetwork(how: 'addEventListener' | 'removeEventListener'): void {
    this.options.network?.[how]('offline', this.onOffline);
    this.options.network?.[how]('online', this.onOnline);
  }

  private dropSocket(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: `ws` throws when an 'error' (e.g. closing while connecting) has none.
    socket.onerror = () => {};
    try {
      socket.close(code, reason);
    } catch {
      // already closing: nothing to do
    }
  }

}

function closeErrorCode(code: string): StreamVideoErrorCode {
  if (code === 'unauthenticated' || code === 'token_expired') return code;
  if (code === 'auth_timeout') return 'timeout';
  if (code === 'invalid_frame') return 'malformed';
  return 'internal';
}

function asError(err: Error | undefined, code: StreamVideoErrorCode, message: string): StreamVideoError {
  if (err instanceof StreamVideoError) return err;
  return new StreamVideoError(code, message, { method: 'connect', cause: err });
}
