import { atom, type ReadableAtom } from 'nanostores';
import type { ConnectionOk, Event } from '../../gen/stream/video/coordinator/v1/events';
import type { User } from '../../gen/stream/video/coordinator/v1/models';
import type { TokenSource } from '../auth/token-manager';
import type { Logger } from '../config/logger';
import { alreadyConnected, connectionClosed, connectTimeout, droppedFrame, notConnected, notReconnected, type DroppedFrameReason } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import { CLOSE_CODES } from './close-codes';
import { decideOnClose, nextAttempt, startRetry, type RetryState } from './close-decision';
import { stateOf, type ConnectionPhase, type ConnectionState } from './connection-state';
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
  /** A frame from the server was dropped (it is logged too): `malformed`, `meta.reason` says why. */
  onDropped?: (error: StreamVideoError) => void;
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

/** Someone waiting for a live socket: `connect()` or `waitUntilConnected`. */
interface Waiter {
  resolve(): void;
  reject(error: StreamVideoError): void;
}

/**
 * The real-time channel: a reconnect loop around one {@link SocketHandshake} at a time. It
 * delivers each event exactly once in sequence order, reconnects with the policy's backoff
 * and resumes from the last sequence number seen. A socket it replaces is disposed, so
 * nothing of it arrives later. Its state is one {@link ConnectionPhase}; what to do when a
 * socket closes is decided by {@link decideOnClose} and {@link nextAttempt}.
 */
export class Connection {
  private phase: ConnectionPhase = { kind: 'idle' };
  private readonly state = atom<ConnectionState>('idle');
  /** The connection state, read-only: derived from the phase ({@link stateOf}). */
  readonly state$: ReadableAtom<ConnectionState> = this.state;
  private readonly sequence = new SequenceTracker();
  private readonly counts = { sockets: 0, reconnects: 0, resyncs: 0, malformedFrames: 0 };
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: ConnectionOptions) {}

  /** The last sequence number delivered; `undefined` before the first connection. */
  get lastSeq(): number | undefined {
    return this.sequence.lastSeq;
  }

  /** The server's id of the current socket ('' when none is live). */
  get connectionId(): string {
    return this.phase.kind === 'live' ? this.phase.socket.id : '';
  }

  /** What happened so far: sockets, reconnects, duplicates, gaps, re-syncs. */
  get stats(): ConnectionStats {
    return { ...this.counts, duplicatesDropped: this.sequence.duplicatesDropped, gaps: this.sequence.gaps };
  }

  /** Connects; resolves once live, rejects with a `StreamVideoError` on a failure retrying cannot fix or after `connectTimeoutMs`. */
  connect(): Promise<void> {
    if (this.phase.kind === 'closed') return Promise.reject(connectionClosed('connect'));
    if (this.phase.kind !== 'idle') return Promise.reject(alreadyConnected('connect'));
    const { url, connectTimeoutMs } = this.options;
    const live = this.waitForLive(connectTimeoutMs, (reject, lastError) => {
      const error = connectTimeout(url, connectTimeoutMs, lastError);
      reject(error);
      this.fail(error);
    });
    this.listenNetwork('addEventListener');
    this.open(startRetry(false, Date.now()));
    return live;
  }

  /** Resolves when connected; rejects after `timeoutMs` or when the connection stops. */
  waitUntilConnected(timeoutMs: number, method: string): Promise<void> {
    if (this.phase.kind === 'live') return Promise.resolve();
    if (this.phase.kind === 'idle' || this.phase.kind === 'closed') return Promise.reject(notConnected(method));
    return this.waitForLive(timeoutMs, (reject) => reject(notReconnected(method, timeoutMs))).catch((e: StreamVideoError) => {
      throw e.method === method ? e : new StreamVideoError(e.code, e.message, { method, cause: e });
    });
  }

  /** Closes for good: clears every timer, closes the socket, rejects what waits. Idempotent. */
  disconnect(): void {
    this.stop(new StreamVideoError('disconnected', 'disconnectUser was called', { method: 'connect' }), 'client disconnect');
  }

  /** Drops the current socket as if the network failed; the loop reconnects (a test seam). */
  simulateDrop(): void {
    this.socketOf(this.phase)?.end(CLOSE_CODES.DROPPED, 'simulated drop');
  }

  /** Moves to `phase` and publishes its state. The only writer of both. */
  private enter(phase: ConnectionPhase): void {
    this.phase = phase;
    this.state.set(stateOf(phase));
  }

  private socketOf(phase: ConnectionPhase): SocketHandshake | undefined {
    return phase.kind === 'opening' || phase.kind === 'live' ? phase.socket : undefined;
  }

  /**
   * Waits for a live socket for up to `timeoutMs`; `onTimeout` then decides (reject the waiter,
   * or fail the connection). Rejected with the connection's error when it closes.
   */
  private waitForLive(timeoutMs: number, onTimeout: (reject: (e: StreamVideoError) => void, lastError: StreamVideoError | undefined) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const phase = this.phase;
        onTimeout(reject, 'retry' in phase ? phase.retry.lastError : undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.add(waiter);
    });
  }

  /** Gets a token, then opens a socket; a provider that fails or hangs is transient: tried again on the backoff. */
  private open(retry: RetryState, refreshing?: string): void {
    const phase: ConnectionPhase = { kind: 'opening', retry, socket: undefined };
    this.enter(phase);
    const token = refreshing === undefined ? this.options.tokens.get() : this.options.tokens.refresh(refreshing);
    token.then(
      (token) => {
        if (this.phase === phase) this.openSocket(retry, token);
      },
      (err: unknown) => {
        if (this.phase !== phase) return;
        const lastError = StreamVideoError.from(err, 'connect');
        this.options.logger('warn', 'the token provider failed: retrying', { code: lastError.code });
        this.retry({ ...retry, lastError });
      },
    );
  }

  private openSocket(retry: RetryState, token: string): void {
    let socket: SocketHandshake;
    try {
      socket = new SocketHandshake({
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
        onLive: (info) => this.onLive(socket, info),
        onEvent: (event) => this.onEvent(socket, event),
        onDropped: (reason, cause) => this.dropped(reason, undefined, cause),
        onClosed: (code, reason, error) => this.onSocketClosed(socket, token, code, reason, error),
      });
    } catch (err) {
      this.fail(StreamVideoError.from(err, 'connect'));
      return;
    }
    this.counts.sockets++;
    this.enter({ kind: 'opening', retry, socket });
  }

  private onLive(socket: SocketHandshake, { ok, asked }: LiveInfo): void {
    if (this.phase.kind !== 'opening' || this.phase.socket !== socket) return;
    const resumed = this.sequence.resumed(ok.resume, !asked.fresh);
    if (resumed === 'resync') {
      this.counts.resyncs++;
      this.options.logger('info', 'events were lost (or the server restarted): re-syncing', { lastSeq: ok.resume?.lastSeq, status: ok.resume?.status });
    }
    this.enter({ kind: 'live', socket });
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    this.options.onConnected(ok, resumed);
  }

  private onEvent(socket: SocketHandshake, event: Event): void {
    if (this.phase.kind !== 'live' || this.phase.socket !== socket) return;
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
      socket.end(CLOSE_CODES.INVALID_FRAME, 'sequence gap');
      return;
    }
    if (event.payload.oneofKind === undefined) {
      this.dropped('unknown_event', event.seq);
      return;
    }
    try {
      this.options.onEvent(event);
    } catch (err) {
      // A failure while handling one event must not stop the socket's next frames.
      this.options.logger('error', 'handling an event failed', { seq: event.seq, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Reports a frame dropped: logged with its code and reason (`info` for a kind this SDK does not know yet), then `onDropped`. */
  private dropped(reason: DroppedFrameReason, seq: number | undefined, cause?: unknown): void {
    const unknown = reason === 'unknown_frame' || reason === 'unknown_event';
    if (!unknown) this.counts.malformedFrames++;
    const error = droppedFrame(this.options.url, reason, seq, cause);
    this.options.logger(unknown ? 'info' : 'warn', 'dropped a frame from the server', { code: error.code, reason, seq });
    this.options.onDropped?.(error);
  }

  private onSocketClosed(socket: SocketHandshake, token: string, code: number, reason: string, error: StreamVideoError | undefined): void {
    const phase = this.phase;
    if (this.socketOf(phase) !== socket) return;
    const retry = phase.kind === 'opening' ? phase.retry : startRetry(true, Date.now());
    const decision = decideOnClose({ code, error }, retry, { url: this.options.url, canRefresh: this.options.tokens.canRefresh });
    switch (decision.action) {
      case 'fail':
        return this.fail(decision.error);
      case 'refresh':
        return this.open(decision.retry, token);
      case 'reconnect':
        this.options.logger('info', 'connection lost: reconnecting', { code, reason });
        return this.retry(decision.retry);
    }
  }

  /** Waits out the policy's delay, then opens a new socket; closes for good when the policy gives up. */
  private retry(retry: RetryState): void {
    const next = nextAttempt(retry, this.options.reconnectPolicy, Date.now(), this.options.url);
    if (next.action === 'fail') return this.fail(next.error);
    this.counts.reconnects++;
    const timer = setTimeout(() => {
      if (this.phase.kind === 'backoff' && this.phase.timer === timer) this.open(next.retry);
    }, next.delayMs);
    this.enter({ kind: 'backoff', retry: next.retry, timer });
  }

  private readonly onOffline = (): void => {
    const phase = this.phase;
    if (phase.kind === 'idle' || phase.kind === 'closed' || phase.kind === 'offline') return;
    if (phase.kind === 'backoff') clearTimeout(phase.timer);
    const retry = phase.kind === 'live' ? startRetry(true, Date.now()) : phase.retry;
    this.enter({ kind: 'offline', retry });
    this.socketOf(phase)?.dispose(CLOSE_CODES.DROPPED, 'browser offline');
    this.options.logger('info', 'the network went offline: waiting for it to come back', { code: CLOSE_CODES.DROPPED });
  };

  private readonly onOnline = (): void => {
    if (this.phase.kind !== 'offline') return;
    this.open({ ...this.phase.retry, attempt: 0, since: Date.now() });
  };

  private fail(err: StreamVideoError): void {
    const phase = this.phase;
    if (phase.kind === 'closed') return;
    this.options.logger('warn', 'connection closed for good', { code: err.code });
    const wasLive = phase.kind === 'live' || ('retry' in phase && phase.retry.wasLive);
    this.stop(err, 'giving up');
    if (wasLive) this.options.onClosed?.(err);
  }

  /** Closes for good with `err`: clears every timer, closes the socket, rejects what waits. */
  private stop(err: StreamVideoError, reason: string): void {
    const phase = this.phase;
    if (phase.kind === 'closed') return;
    this.enter({ kind: 'closed', error: err });
    this.listenNetwork('removeEventListener');
    if (phase.kind === 'backoff') clearTimeout(phase.timer);
    this.socketOf(phase)?.dispose(CLOSE_CODES.NORMAL, reason);
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  private listenNetwork(how: 'addEventListener' | 'removeEventListener'): void {
    this.options.network?.[how]('offline', this.onOffline);
    this.options.network?.[how]('online', this.onOnline);
  }
}
