import { atom, type ReadableAtom } from 'nanostores';
import type { ConnectionOk, Event } from '../../gen/stream/video/coordinator/v1/events';
import type { User } from '../../gen/stream/video/coordinator/v1/models';
import type { TokenSource } from '../auth/token-manager';
import type { Logger } from '../config/logger';
import { connectionClosed, connectTimeout, credentialsRefused, frameTooLarge, gaveUp, notConnected, notReconnected, tokenExpired } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import { CLOSE_CODES } from './close-codes';
import type { ConnectionState } from './connection-state';
import type { ReconnectPolicy } from './reconnect-policy';
import { SequenceTracker, type ResumeVerdict } from './sequence-tracker';
import { SocketHandshake, type LiveInfo } from './socket-handshake';
import type { NetworkEventSource, WebSocketConstructor } from './websocket-like';

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  url: string;
  apiKey: string;
  user: User;
  tokens: TokenSource;
  WebSocket: WebSocketConstructor;
  reconnectPolicy: ReconnectPolicy;
  logger: Logger;
  /** Time for one attempt's handshake (open, auth, resume), in ms. */
  handshakeTimeoutMs: number;
  /** Time `connect()` keeps trying before it fails with `timeout`, in ms. */
  connectTimeoutMs: number;
  /** Health-check interval, in ms; by default the one the server announces, clamped to a sane range. */
  healthCheckIntervalMs?: number;
  /** The server is declared dead after this long without a frame (default 3 intervals). */
  deadAfterMs?: number;
  /** Source of `online`/`offline` events (a browser's `window`); none in Node. */
  network?: NetworkEventSource;
  /** Each event, exactly once and in sequence order. */
  onEvent: (event: Event) => void;
  /**
   * Each socket that went live, with the server's connection ok (ringing calls, edges) and
   * how it resumed: `fresh` (the first connection), `replayed` (nothing was lost) or
   * `resync` (events were lost, or the server's numbering restarted: reload the state).
   */
  onConnected: (ok: ConnectionOk, resumed: ResumeVerdict) => void;
  /** The server's numbering went back without a handshake saying so: the state must be reloaded. */
  onRestarted: () => void;
  /** The connection closed for good (after `connect()` resolved): why. Not called for `disconnect()`. */
  onClosed?: (error: StreamVideoError) => void;
}

/** Counts of what happened on a user's real-time connection, for tests and benchmarks. */
export interface ConnectionStats {
  /** Sockets opened. */
  sockets: number;
  /** Reconnection attempts scheduled. */
  reconnects: number;
  /** Events dropped because they were delivered before. */
  duplicatesDropped: number;
  /** Gaps in the sequence (the socket was then resumed). */
  gaps: number;
  /** Resumes the server answered with RESYNC_REQUIRED. */
  resyncs: number;
  /** Frames skipped because they were not binary or not a ServerFrame. */
  malformedFrames: number;
}

/**
 * The real-time channel: a reconnect loop around one {@link SocketHandshake} at a time. It
 * delivers each event exactly once in sequence order, reconnects with the policy's backoff
 * and resumes from the last sequence number seen. A socket it replaces is disposed, so
 * nothing of it arrives later.
 */
export class Connection {
  private readonly state = atom<ConnectionState>('idle');
  /** The connection state, read-only. */
  readonly state$: ReadableAtom<ConnectionState> = this.state;
  private readonly sequence = new SequenceTracker();
  private readonly counts = { sockets: 0, reconnects: 0, resyncs: 0, malformedFrames: 0 };
  private socket: SocketHandshake | undefined;
  private attempt = 0;
  private lostAt = 0;
  private lastError: StreamVideoError | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private firstConnect: { resolve: () => void; reject: (e: StreamVideoError) => void } | undefined;
  private readonly waiters = new Set<{ resolve: () => void; reject: (e: StreamVideoError) => void }>();
  private stopped = false;
  private offline = false;
  private expiredInARow = 0;
  /** A refused token was replaced by the provider since the last live socket: a second refusal is final. */
  private refreshedAfterRefusal = false;

  constructor(private readonly options: ConnectionOptions) {}

  /** The last sequence number delivered; `undefined` before the first connection. */
  get lastSeq(): number | undefined {
    return this.sequence.lastSeq;
  }

  /** The server's id of the current socket ('' when none is live). */
  get connectionId(): string {
    return this.socket?.id ?? '';
  }

  /** What happened so far: sockets, reconnects, duplicates, gaps, re-syncs. */
  get stats(): ConnectionStats {
    return { ...this.counts, duplicatesDropped: this.sequence.duplicatesDropped, gaps: this.sequence.gaps };
  }

  /** Connects; resolves once live, rejects with a `StreamVideoError` on a failure retrying cannot fix or after `connectTimeoutMs`. */
  connect(): Promise<void> {
    if (this.stopped) return Promise.reject(connectionClosed('connect'));
    if (this.state.get() !== 'idle') return Promise.reject(new StreamVideoError('already_connected', 'connect() was already called', { method: 'connect' }));
    return new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.state.set('connecting');
      this.listenNetwork('addEventListener');
      this.connectTimer = setTimeout(() => {
        this.fail(connectTimeout(this.options.url, this.options.connectTimeoutMs, this.lastError));
      }, this.options.connectTimeoutMs);
      void this.open();
    });
  }

  /** Resolves when connected; rejects after `timeoutMs` or when the connection stops. */
  waitUntilConnected(timeoutMs: number, method: string): Promise<void> {
    if (this.state.get() === 'connected') return Promise.resolve();
    if (this.stopped || this.state.get() === 'idle') return Promise.reject(notConnected(method));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(notReconnected(method, timeoutMs));
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

  /** Drops the current socket as if the network failed; the loop reconnects (a test seam). */
  simulateDrop(): void {
    this.socket?.end(CLOSE_CODES.DROPPED, 'simulated drop');
  }

  private async open(): Promise<void> {
    if (this.stopped || this.offline) return;
    let token: string;
    try {
      token = await this.options.tokens.get();
    } catch (err) {
      // A provider that fails or hangs is transient: try again on the backoff.
      this.lastError = StreamVideoError.from(err, 'connect');
      this.options.logger('warn', 'the token provider failed: retrying', { code: this.lastError.code });
      this.scheduleReconnect();
      return;
    }
    if (this.stopped || this.offline) return;
    try {
      this.socket = new SocketHandshake({
        url: this.options.url,
        WebSocket: this.options.WebSocket,
        apiKey: this.options.apiKey,
        user: this.options.user,
        token,
        resumePoint: () => this.sequence.resumePoint(),
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        healthCheckIntervalMs: this.options.healthCheckIntervalMs,
        deadAfterMs: this.options.deadAfterMs,
        logger: this.options.logger,
        onLive: (info) => this.onLive(info),
        onEvent: (event) => this.onEvent(event),
        onMalformed: () => void this.counts.malformedFrames++,
        onClosed: (code, reason, error) => this.onSocketClosed(token, code, reason, error),
      });
      this.counts.sockets++;
    } catch (err) {
      this.fail(StreamVideoError.from(err, 'connect'));
    }
  }

  private onLive({ ok, asked }: LiveInfo): void {
    const resumed = this.sequence.resumed(ok.resume, !asked.fresh);
    const resync = resumed === 'resync';
    if (resync) {
      this.counts.resyncs++;
      this.options.logger('info', 'events were lost (or the server restarted): re-syncing', { lastSeq: ok.resume?.lastSeq, status: ok.resume?.status });
    }
    this.attempt = 0;
    this.expiredInARow = 0;
    this.refreshedAfterRefusal = false;
    this.lastError = undefined;
    this.state.set('connected');
    if (this.firstConnect) {
      clearTimeout(this.connectTimer);
      this.firstConnect.resolve();
      this.firstConnect = undefined;
    }
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    this.options.onConnected(ok, resumed);
  }

  private onEvent(event: Event): void {
    const verdict = this.sequence.check(event.seq);
    if (verdict === 'duplicate') {
      this.options.logger('debug', 'dropped an event delivered twice', { seq: event.seq });
      return;
    }
    if (verdict === 'restarted') {
      this.counts.resyncs++;
      this.options.logger('warn', 'the server numbered events from an earlier point: re-syncing', { seq: event.seq });
      this.options.onRestarted();
    } else if (verdict === 'gap') {
      // Something between us and the server lost events: resume from what we have.
      this.options.logger('warn', 'missing events: resuming', { expected: (this.sequence.lastSeq ?? 0) + 1, got: event.seq });
      this.socket?.end(CLOSE_CODES.INVALID_FRAME, 'sequence gap');
      return;
    }
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

  private onSocketClosed(token: string, code: number, reason: string, error: StreamVideoError | undefined): void {
    this.socket = undefined;
    if (this.stopped) return;
    if (error) this.lastError = error;
    if (code === CLOSE_CODES.UNAUTHENTICATED) {
      // Only the server's refusal of a token fresh from the provider is final.
      if (this.options.tokens.canRefresh && !this.refreshedAfterRefusal) {
        this.refreshedAfterRefusal = true;
        void this.refreshAndReopen(token);
        return;
      }
      this.fail(this.lastError ?? credentialsRefused(this.options.url));
      return;
    }
    if (code === CLOSE_CODES.FRAME_TOO_LARGE) {
      // Final: the next socket would send the same oversized frame (the auth frame's profile).
      this.fail(error?.code === 'invalid_argument' ? error : frameTooLarge(this.options.url));
      return;
    }
    if (code === CLOSE_CODES.TOKEN_EXPIRED) {
      this.expiredInARow++;
      if (this.expiredInARow > 2 || !this.options.tokens.canRefresh) {
        this.fail(tokenExpired(this.options.url, this.options.tokens.canRefresh));
        return;
      }
      void this.refreshAndReopen(token);
      return;
    }
    this.options.logger('info', 'connection lost: reconnecting', { code, reason });
    this.scheduleReconnect();
  }

  private async refreshAndReopen(stale: string): Promise<void> {
    this.state.set(this.firstConnect ? 'connecting' : 'reconnecting');
    try {
      await this.options.tokens.refresh(stale);
    } catch (err) {
      this.lastError = StreamVideoError.from(err, 'connect');
      this.options.logger('warn', 'the token provider failed: retrying', { code: this.lastError.code });
      this.scheduleReconnect();
      return;
    }
    void this.open();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    if (this.attempt === 0) this.lostAt = Date.now();
    if (this.offline) {
      this.state.set('offline');
      return; // `online` resumes at once
    }
    const delay = this.options.reconnectPolicy.nextDelayMs({ attempt: this.attempt, elapsedMs: Date.now() - this.lostAt, lastError: this.lastError });
    if (delay === null) {
      this.fail(gaveUp(this.options.url, this.lastError));
      return;
    }
    if (!this.firstConnect) this.state.set('reconnecting');
    this.attempt++;
    this.counts.reconnects++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(), Math.max(0, delay));
  }

  private readonly onOffline = (): void => {
    if (this.stopped) return;
    this.offline = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.end(CLOSE_CODES.DROPPED, 'browser offline');
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
    if (this.stopped) return;
    this.options.logger('warn', 'connection closed for good', { code: err.code });
    const wasLive = !this.firstConnect;
    this.stop(err, 'giving up');
    if (wasLive) this.options.onClosed?.(err);
  }

  /** Closes for good with `err`: clears every timer, closes the socket, rejects what waits. */
  private stop(err: StreamVideoError, reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.listenNetwork('removeEventListener');
    this.socket?.dispose(CLOSE_CODES.NORMAL, reason);
    this.socket = undefined;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
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
}
