import type { ClientFrame, ConnectionOk, Event, ResumeRequest, ServerFrame } from '../../gen/stream/video/coordinator/v1/events';
import type { User } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import { badWebSocketUrl, fromErrorFrame, handshakeTimeout, serverSilent, socketFailed } from '../errors/errors';
import type { StreamVideoError } from '../errors/stream-video-error';
import { CLOSE_CODES } from './close-codes';
import { decodeServerFrame, encodeClientFrame, type ServerFrameCase, type ServerFrameOf } from './frames';
import { Heartbeat, probeInterval } from './heartbeat';
import { WS_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket-like';

/** What a socket knows once it is live: the server's connection ok, and the resume point it answers. */
export interface LiveInfo {
  /** The server's answer to the auth frame: connection id, resume result, ringing calls, edges. */
  ok: ConnectionOk;
  /** The resume point the auth frame carried. */
  asked: ResumeRequest;
}

/** Options of one {@link SocketHandshake}. */
export interface SocketHandshakeOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  apiKey: string;
  user: User;
  token: string;
  /** Where to resume: after `lastSeq` of `epoch`, or fresh. Read when the auth frame is sent. */
  resumePoint(): ResumeRequest;
  /** Time for the whole handshake (open, then auth with the resume point), in ms. */
  handshakeTimeoutMs: number;
  /** The client's health-check interval; by default the server's, clamped. */
  healthCheckIntervalMs: number | undefined;
  /** Silence after which the server is declared dead (default 3 intervals). */
  deadAfterMs: number | undefined;
  logger: Logger;
  /** The handshake is done: events follow. */
  onLive(info: LiveInfo): void;
  /** One event frame, live. */
  onEvent(event: Event): void;
  /** A frame was dropped: not binary, not a ServerFrame (`cause` says why), or of a kind this SDK does not know. */
  onDropped(reason: 'not_binary' | 'undecodable' | 'unknown_frame', cause?: unknown): void;
  /** The socket ended (closed, failed, timed out, went silent); `error` says why when known. Called once. */
  onClosed(code: number, reason: string, error: StreamVideoError | undefined): void;
}

type Step = 'opening' | 'auth' | 'live';
type Handler<K extends ServerFrameCase> = (frame: ServerFrameOf<K>) => void;

/**
 * One socket of the real-time channel, from open through the handshake (auth, then resume)
 * to live delivery with health checks. It reports through its callbacks until it closes or
 * is disposed; after `dispose()` nothing of this socket reaches anyone, so a superseded
 * socket's late frames need no guard elsewhere.
 */
export class SocketHandshake {
  private socket: WebSocketLike | undefined;
  private step: Step = 'opening';
  private connectionId = '';
  private serverInterval = 0;
  private asked: ResumeRequest = { lastSeq: 0, fresh: true, epoch: '' };
  private error: StreamVideoError | undefined;
  private heartbeat: Heartbeat | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;

  private readonly handlers = {
    connectionOk: ({ connectionOk }) => {
      if (!this.inStep('auth', 'connectionOk')) return;
      this.step = 'live';
      this.connectionId = connectionOk.connectionId;
      this.serverInterval = connectionOk.healthCheckIntervalMs;
      clearTimeout(this.timer);
      this.startHeartbeat();
      this.options.onLive({ ok: connectionOk, asked: this.asked });
    },
    event: ({ event }) => {
      if (this.inStep('live', 'event')) this.options.onEvent(event);
    },
    healthCheck: ({ healthCheck }) => {
      if (!healthCheck.reply) this.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: this.connectionId, reply: true } });
    },
    error: ({ error }) => {
      // The close that follows decides what happens; keep the server's reason for it.
      this.error = fromErrorFrame(error.code, error.message, this.options.url);
    },
  } satisfies { [K in ServerFrameCase]: Handler<K> };

  /**
   * Opens the socket at once.
   * @throws StreamVideoError `invalid_argument` when the WebSocket cannot be made for the URL.
   */
  constructor(private readonly options: SocketHandshakeOptions) {
    let socket: WebSocketLike;
    try {
      socket = new options.WebSocket(options.url);
    } catch (err) {
      throw badWebSocketUrl(options.url, err);
    }
    this.socket = socket;
    // The `ws` package (an EventEmitter, unlike the platform's WebSocket) can hand over its own
    // Buffer, saving a copy of every frame; browsers only know 'arraybuffer' and 'blob'.
    socket.binaryType = typeof (socket as { on?: unknown }).on === 'function' ? 'nodebuffer' : 'arraybuffer';
    this.timer = setTimeout(() => {
      this.error = handshakeTimeout(options.url, options.handshakeTimeoutMs);
      this.end(CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'handshake timeout');
    }, options.handshakeTimeoutMs);
    socket.onopen = () => {
      if (!this.socket) return; // disposed: a handler called late is a no-op
      this.step = 'auth';
      this.asked = options.resumePoint();
      this.send({ oneofKind: 'auth', auth: { apiKey: options.apiKey, token: options.token, user: options.user, resume: this.asked } });
    };
    socket.onmessage = (msg) => this.onMessage(msg.data);
    socket.onclose = (ev) => this.end(ev.code, ev.reason);
    socket.onerror = () => {
      this.error ??= socketFailed(options.url);
    };
  }

  /** The server's id of this socket, once authenticated. */
  get id(): string {
    return this.connectionId;
  }

  /**
   * Closes the socket without reporting anything: for a socket that is superseded or no
   * longer wanted. Idempotent.
   * @param code the close code to send (default `NORMAL`).
   * @param reason a short reason, for logs.
   */
  dispose(code: number = CLOSE_CODES.NORMAL, reason = ''): void {
    clearTimeout(this.timer);
    this.heartbeat?.stop();
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

  /**
   * Ends the socket as if it failed, reporting `onClosed(code, reason)`: a sequence gap, a
   * simulated drop. Nothing happens after `dispose()`.
   */
  end(code: number, reason: string, error?: StreamVideoError): void {
    if (!this.socket) return;
    this.dispose(CLOSE_CODES.NORMAL, reason);
    this.options.onClosed(code, reason, error ?? this.error);
  }

  private onMessage(data: unknown): void {
    if (!this.socket) return; // disposed: a handler called late is a no-op
    this.heartbeat?.received();
    if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      this.options.onDropped('not_binary');
      return;
    }
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      // Not a ServerFrame, or nested deeper than the decoder's stack.
      this.options.onDropped('undecodable', err);
      return;
    }
    const kind = frame.frame.oneofKind;
    if (kind === undefined) {
      this.options.onDropped('unknown_frame');
      return;
    }
    (this.handlers[kind] as Handler<typeof kind>)(frame.frame);
  }

  /** Whether the socket is at `step`; logs and skips a frame that comes out of turn. */
  private inStep(step: Step, frame: string): boolean {
    if (this.step === step) return true;
    this.options.logger('debug', `skipped a ${frame} frame out of turn`, { step: this.step });
    return false;
  }

  private send(frame: ClientFrame['frame']): void {
    if (this.socket?.readyState === WS_OPEN) this.socket.send(encodeClientFrame(frame));
  }

  private startHeartbeat(): void {
    const intervalMs = probeInterval(this.options.healthCheckIntervalMs, this.serverInterval);
    const deadAfterMs = this.options.deadAfterMs ?? intervalMs * 3;
    this.heartbeat = new Heartbeat({
      intervalMs,
      deadAfterMs,
      probe: () => this.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: this.connectionId, reply: false } }),
      onSilent: () => {
        this.error = serverSilent(this.options.url, deadAfterMs);
        this.end(CLOSE_CODES.HEALTH_CHECK_TIMEOUT, 'health check timeout');
      },
    });
  }
}
