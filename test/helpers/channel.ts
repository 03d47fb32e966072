/**
 * Helpers for tests of the real-time channel: a {@link TestClient} wraps a `Connection` for one
 * user against a local coordinator, records everything it sees (events, states, log lines,
 * sockets) and lets a test await any of it as a promise, bounded by a safety timeout.
 *
 * ```ts
 * const c = await startCoordinator();
 * const bob = await connectClient(c, 'bob');
 * c.events.publish(['bob'], 'default:x', customPayload(1));
 * const [e] = await bob.collectEvents(1);
 * await bob.close();
 * await c.close();
 * ```
 *
 * Nothing here sleeps for a guessed time: every wait re-checks its condition when something
 * happens (an event, a state change, a log line, a socket opening or closing) and fails with a
 * message saying what it waited for and what it saw when the safety timeout runs out.
 */
import { WebSocket } from 'ws';
import { Struct } from '../../gen/google/protobuf/struct';
import { ClientFrame, ServerFrame, type Event } from '../../gen/stream/video/coordinator/v1/events';
import { TokenManager, type TokenOrProvider } from '../../src/auth/token-manager';
import type { LogLevel } from '../../src/config/logger';
import { LocalCoordinator, type LocalCoordinatorOptions } from '../../src/testing/local-coordinator';
import { Connection } from '../../src/ws/connection';
import type { ConnectionState } from '../../src/ws/connection-state';
import { ExponentialBackoff, type ReconnectPolicy } from '../../src/ws/reconnect-policy';
import type { NetworkEventSource, WebSocketLike } from '../../src/ws/websocket-like';
import { webSocketOf } from '../../src/testing';

import { Signal, WAIT_MS, within } from './common';
import { startCoordinator } from './coordinator';
import { User } from '../../gen/stream/video/coordinator/v1/models';

export { startCoordinator };

/** Re-exported for tests written before test/helpers/common.ts held them: import them from there. */
export { Signal, turns, within } from './common';
/** @deprecated Use `WAIT_MS` from test/helpers/common.ts. */
export const SAFETY_MS = WAIT_MS;

/** Resolves the next time `conn` enters `state` (not at once when it is in it already). */
export function nextState(conn: Connection, state: ConnectionState, ms = WAIT_MS): Promise<void> {
  let unlisten: () => void = () => {};
  const entered = new Promise<void>((resolve) => {
    unlisten = conn.state$.listen((s) => {
      if (s === state) resolve();
    });
  });
  return within(entered, `state "${state}"`, ms, () => `state is "${conn.state$.get()}"`).finally(() => unlisten());
}

/** Resolves when `conn` is in `state`: at once when it already is, else on entering it. */
export function inState(conn: Connection, state: ConnectionState, ms = WAIT_MS): Promise<void> {
  if (conn.state$.get() === state) return Promise.resolve();
  return nextState(conn, state, ms);
}

/** A log line the connection wrote. */
export interface LogLine {
  level: LogLevel;
  message: string;
  extra: Record<string, unknown> | undefined;
}

/**
 * Every log line, error message and WebSocket URL seen by any client of this process, as
 * text: tests assert that no token ever appears in it.
 */
export const transcript: string[] = [];

/** Every token handed to a client's connection (static or from its provider). */
export const issuedTokens = new Set<string>();

/** Where the transcript ends now: pass it to {@link assertNoTokenLeak} to check only the lines written after it. */
export function transcriptMark(): number {
  return transcript.length;
}

/**
 * Asserts that no token handed to a client of this process (nor its payload or signature
 * part) appears in the transcript's lines from `since` on (default: all of them): log lines,
 * error messages, WebSocket URLs. Returns what it checked. A test checks its own lines by
 * taking a {@link transcriptMark} first; every {@link Scope} checks the lines of each test.
 */
export function assertNoTokenLeak(since = 0): { tokens: number; lines: number } {
  const lines = transcript.slice(since);
  const text = lines.join('\n');
  for (const token of issuedTokens) {
    const [, payload = token, signature = token] = token.split('.');
    for (const piece of [token, payload, signature]) {
      if (text.includes(piece))
        throw new Error(`a token (or a part of one) appears in a log line, an error or a URL: ${lines.find((l) => l.includes(piece))?.slice(0, 200)}`);
    }
  }
  return { tokens: issuedTokens.size, lines: lines.length };
}

/** Adds an error (its message, code, server message, meta and causes) to the transcript. */
export function recordError(err: unknown): void {
  transcript.push(describe(err));
}

/** All of an error's text, causes included. */
export function describe(value: unknown, depth = 0): string {
  if (depth > 5) return '';
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; serverMessage?: unknown; meta?: unknown };
    const text = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : safeJson(v));
    const parts = [e.name, e.message, text(e.code), text(e.serverMessage), safeJson(e.meta), e.stack ?? ''];
    if (e.cause !== undefined) parts.push(describe(e.cause, depth + 1));
    return parts.join(' | ');
  }
  return typeof value === 'string' ? value : safeJson(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? describe(v) : typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A `WebSocketLike` over a real `ws` socket that remembers its URL and every handler the
 * connection ever set on it, even after the connection cleared them: a test can call an old
 * socket's `onmessage` or `onclose` to deliver a late frame.
 */
export class TrackedSocket implements WebSocketLike {
  readonly inner: WebSocket;
  /** Resolves with the close code once the underlying socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;
  /** Frames received on this socket, whatever the connection did with them. */
  framesReceived = 0;
  /** The handlers the connection set, in order (nulls left out). */
  readonly seen = { onmessage: [] as NonNullable<WebSocketLike['onmessage']>[], onclose: [] as NonNullable<WebSocketLike['onclose']>[] };
  private _onopen: WebSocketLike['onopen'] = null;
  private _onmessage: WebSocketLike['onmessage'] = null;
  private _onclose: WebSocketLike['onclose'] = null;
  private _onerror: WebSocketLike['onerror'] = null;

  constructor(
    readonly url: string,
    onChange: () => void,
  ) {
    this.inner = new WebSocket(url);
    this.closed = new Promise((resolve) => {
      this.inner.once('close', (code: number, reason: Buffer) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
        onChange();
      });
    });
    this.inner.onopen = (e) => {
      this._onopen?.(e);
      onChange();
    };
    this.inner.onmessage = (e) => {
      this.framesReceived++;
      this._onmessage?.(e);
      onChange();
    };
    this.inner.onclose = (e) => this._onclose?.(e);
    this.inner.onerror = (e) => this._onerror?.(e);
  }

  get binaryType(): string {
    return this.inner.binaryType;
  }
  set binaryType(value: string) {
    this.inner.binaryType = value as WebSocket['binaryType'];
  }
  get readyState(): number {
    return this.inner.readyState;
  }
  send(data: Uint8Array): void {
    this.inner.send(data);
  }
  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }

  get onopen(): WebSocketLike['onopen'] {
    return this._onopen;
  }
  set onopen(fn: WebSocketLike['onopen']) {
    this._onopen = fn;
  }
  get onmessage(): WebSocketLike['onmessage'] {
    return this._onmessage;
  }
  set onmessage(fn: WebSocketLike['onmessage']) {
    this._onmessage = fn;
    if (fn) this.seen.onmessage.push(fn);
  }
  get onclose(): WebSocketLike['onclose'] {
    return this._onclose;
  }
  set onclose(fn: WebSocketLike['onclose']) {
    this._onclose = fn;
    if (fn) this.seen.onclose.push(fn);
  }
  get onerror(): WebSocketLike['onerror'] {
    return this._onerror;
  }
  set onerror(fn: WebSocketLike['onerror']) {
    this._onerror = fn;
  }
}

/** A `NetworkEventSource` the test drives: `goOffline()` / `goOnline()`. */
export class FakeNetwork implements NetworkEventSource {
  private readonly target = new EventTarget();
  listeners = 0;

  addEventListener(type: 'online' | 'offline', listener: () => void): void {
    this.listeners++;
    this.target.addEventListener(type, listener);
  }
  removeEventListener(type: 'online' | 'offline', listener: () => void): void {
    this.listeners--;
    this.target.removeEventListener(type, listener);
  }
  goOffline(): void {
    this.target.dispatchEvent(new globalThis.Event('offline'));
  }
  goOnline(): void {
    this.target.dispatchEvent(new globalThis.Event('online'));
  }
}

/** Options of {@link createClient}; every one has a default fit for fast tests. */
export interface ClientOptions {
  /** The token or provider (default: a valid token for the user, without expiry). */
  token?: TokenOrProvider;
  /** The API key sent in the auth frame (default: the coordinator's). */
  apiKey?: string;
  /** Default: exponential backoff from 10 ms, at most 50 ms. */
  reconnectPolicy?: ReconnectPolicy;
  network?: NetworkEventSource;
  handshakeTimeoutMs?: number;
  connectTimeoutMs?: number;
  healthCheckIntervalMs?: number;
  deadAfterMs?: number;
}

/** A Connection for one user, with everything it did recorded. */
export class TestClient {
  readonly conn: Connection;
  readonly tokens: TokenManager;
  /** Events delivered through `onEvent`, in delivery order. */
  readonly events: Event[] = [];
  readonly logs: LogLine[] = [];
  readonly sockets: TrackedSocket[] = [];
  /** Every state the connection entered, in order. */
  readonly states: ConnectionState[] = [];
  /** Re-syncs the connection asked for: a resume answered RESYNC_REQUIRED, or a restarted numbering. */
  recovered = 0;
  /** Set to observe each event as it is delivered (after it was recorded). */
  onEvent: ((e: Event) => void) | undefined;
  private readonly signal = new Signal();
  private readonly unlisten: () => void;

  constructor(
    readonly coordinator: LocalCoordinator,
    readonly userId: string,
    token: TokenOrProvider,
    options: ClientOptions = {},
  ) {
    if (typeof token === 'string') issuedTokens.add(token);
    const provider = token;
    this.tokens = new TokenManager(
      typeof provider === 'function'
        ? async () => {
            const t = await provider();
            if (typeof t === 'string') issuedTokens.add(t);
            return t;
          }
        : provider,
    );
    const changed = () => this.signal.notify();
    this.conn = new Connection({
      url: coordinator.wsUrl,
      apiKey: options.apiKey ?? coordinator.apiKey,
      user: User.create({ id: userId, name: userId[0].toUpperCase() + userId.slice(1), imageUrl: '', role: '' }),
      tokens: this.tokens,
      WebSocket: webSocketOf((url) => {
        transcript.push(`ws url: ${url}`);
        const socket = new TrackedSocket(url, changed);
        this.sockets.push(socket);
        changed();
        return socket;
      }),
      reconnectPolicy: options.reconnectPolicy ?? new ExponentialBackoff({ baseMs: 10, maxMs: 50 }),
      logger: (level, message, extra) => {
        this.logs.push({ level, message, extra });
        transcript.push(`${level} ${message} ${safeJson(extra)}`);
        changed();
      },
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 2000,
      connectTimeoutMs: options.connectTimeoutMs ?? 4000,
      healthCheckIntervalMs: options.healthCheckIntervalMs,
      deadAfterMs: options.deadAfterMs,
      network: options.network,
      onEvent: (e) => {
        this.events.push(e);
        this.onEvent?.(e);
        changed();
      },
      onConnected: (_ok, resumed) => {
        if (resumed === 'resync') this.recovered++;
        changed();
      },
      onRestarted: () => {
        this.recovered++;
        changed();
      },
    });
    this.unlisten = this.conn.state$.listen((s) => {
      this.states.push(s);
      changed();
    });
  }

  /** The seq numbers delivered, in order. */
  get seqs(): number[] {
    return this.events.map((e) => e.seq);
  }

  get state(): ConnectionState {
    return this.conn.state$.get();
  }

  /** The newest socket the connection opened. */
  get socket(): TrackedSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error(`${this.userId} opened no socket`);
    return s;
  }

  /** Connects; a rejection is recorded in the transcript and rethrown. */
  async connect(): Promise<void> {
    try {
      await this.conn.connect();
    } catch (err) {
      recordError(err);
      throw err;
    }
  }

  /** Connects and returns the error it must fail with (fails the test when it connects). */
  async connectError(): Promise<Error> {
    try {
      await this.connect();
    } catch (err) {
      if (err instanceof Error) return err;
      throw new Error(`connect() rejected with a non-Error: ${String(err)}`, { cause: err });
    }
    throw new Error(`expected connect() of ${this.userId} to fail, but it connected`);
  }

  /** Resolves once `check()` is true; re-checked on everything the client sees. */
  until(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    return this.signal.until(check, `${this.userId}: ${what}`, ms, () => this.summary());
  }

  /** Resolves with the first `n` events once at least `n` were delivered. */
  async collectEvents(n: number, ms = WAIT_MS): Promise<Event[]> {
    await this.until(() => this.events.length >= n, `${n} events`, ms);
    return this.events.slice(0, n);
  }

  /** Resolves once an event with `seq` (or a later one) was delivered. */
  untilSeq(seq: number, ms = WAIT_MS): Promise<void> {
    return this.until(() => (this.conn.lastSeq ?? 0) >= seq && this.events.some((e) => e.seq >= seq), `the event of seq ${seq}`, ms);
  }

  /** Resolves the next time the connection enters `state`. */
  nextState(state: ConnectionState, ms = WAIT_MS): Promise<void> {
    const from = this.states.length;
    return this.until(() => this.states.slice(from).includes(state), `state "${state}"`, ms);
  }

  /** Resolves once every socket this client opened is closed. */
  allSocketsClosed(ms = WAIT_MS): Promise<void> {
    return this.until(() => this.sockets.every((s) => s.isClosed), 'all sockets closed', ms);
  }

  /** Disconnects and waits for every socket to close. Idempotent. */
  async close(): Promise<void> {
    this.conn.disconnect();
    this.unlisten();
    await this.allSocketsClosed();
  }

  /** What the client saw, for timeout messages. */
  summary(): string {
    const seqs = this.seqs;
    return (
      `state=${this.state} events=${seqs.length} lastSeq=${this.conn.lastSeq} ` +
      `states=[${this.states.join(',')}] stats=${JSON.stringify(this.conn.stats)} sockets closed=${this.sockets.filter((s) => s.isClosed).length}/${this.sockets.length}`
    );
  }
}

/** A client for `userId` against `c`, not connected yet. */
export async function createClient(c: LocalCoordinator, userId: string, options: ClientOptions = {}): Promise<TestClient> {
  return new TestClient(c, userId, options.token ?? (await c.createToken(userId)), options);
}

/** A client for `userId` against `c`, connected. */
export async function connectClient(c: LocalCoordinator, userId: string, options: ClientOptions = {}): Promise<TestClient> {
  const client = await createClient(c, userId, options);
  await client.connect();
  return client;
}

/** Closes clients and a coordinator, whatever state they are in. */
export async function closeAll(clients: readonly (TestClient | undefined)[], coordinator?: LocalCoordinator): Promise<void> {
  await Promise.all(clients.map(async (cl) => cl?.close()));
  await coordinator?.close();
}

/** A custom event payload carrying `{ n }`, to publish with `c.events.publish`. */
export function customPayload(n: number): Event['payload'] {
  return { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ n }) } };
}

/** The `n` of a {@link customPayload} event. */
export function customN(e: Event): number | undefined {
  if (e.payload.oneofKind !== 'custom') return undefined;
  const v = e.payload.custom.custom?.fields['n']?.kind;
  return v?.oneofKind === 'numberValue' ? v.numberValue : undefined;
}

/** `[from, from+1, ..., to]`. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

export { mulberry32 } from './prng';

/**
 * A raw `ws` client for protocol tests: records decoded server frames and the close.
 */
export class RawClient {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[] = [];
  readonly texts: string[] = [];
  close: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly signal = new Signal();

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.opened = within(
      new Promise<void>((resolve, reject) => {
        this.ws.once('open', () => resolve());
        this.ws.once('close', () => reject(new Error('closed before it opened')));
      }),
      'the raw socket to open',
    );
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code: number, reason: Buffer) => {
        this.close = { code, reason: reason.toString() };
        resolve(this.close);
        this.signal.notify();
      });
    });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.frames.push(ServerFrame.fromBinary(new Uint8Array(data)));
      else this.texts.push(data.toString());
      this.signal.notify();
    });
  }

  /** Sends a client frame (binary protobuf). */
  send(frame: ClientFrame['frame']): void {
    this.ws.send(ClientFrame.toBinary({ frame }));
  }

  /** Resolves once `check()` holds on what was received. */
  until(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    return this.signal.until(check, `raw client: ${what}`, ms, () => `frames=${this.frames.map((f) => f.frame.oneofKind).join(',')} close=${this.close?.code}`);
  }

  /** The frames of one kind. */
  framesOf<K extends NonNullable<ServerFrame['frame']['oneofKind']>>(kind: K): Extract<ServerFrame['frame'], { oneofKind: K }>[] {
    return this.frames.map((f) => f.frame).filter((f): f is Extract<ServerFrame['frame'], { oneofKind: K }> => f.oneofKind === kind);
  }

  /** Closes (if open) and waits for the close. */
  async end(): Promise<void> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    await within(this.closed, 'the raw socket to close');
  }
}

/**
 * What a test opened, closed in an after-hook whatever happened:
 * `test.after.each(() => scope.close())`. Closing also checks that no token leaked into the
 * lines the test wrote to the transcript (each test checks its own, whatever ran before).
 */
export class Scope {
  private coordinators: LocalCoordinator[] = [];
  private clients: TestClient[] = [];
  private raws: RawClient[] = [];
  /** Where the transcript stood when the current test opened its first resource; undefined between tests. */
  private mark: number | undefined;

  async coordinator(options: LocalCoordinatorOptions = {}): Promise<LocalCoordinator> {
    this.mark ??= transcriptMark();
    const c = await startCoordinator(options);
    this.coordinators.push(c);
    return c;
  }

  /** A client, not connected. */
  async client(c: LocalCoordinator, userId: string, options: ClientOptions = {}): Promise<TestClient> {
    this.mark ??= transcriptMark();
    const client = await createClient(c, userId, options);
    this.clients.push(client);
    return client;
  }

  /** A client, connected. */
  async connected(c: LocalCoordinator, userId: string, options: ClientOptions = {}): Promise<TestClient> {
    const client = await this.client(c, userId, options);
    await client.connect();
    return client;
  }

  raw(url: string): RawClient {
    this.mark ??= transcriptMark();
    const raw = new RawClient(url);
    this.raws.push(raw);
    return raw;
  }

  /** Closes clients, raw sockets, then coordinators; then checks the test's transcript lines for tokens. */
  async close(): Promise<void> {
    const clients = this.clients;
    const raws = this.raws;
    const coordinators = this.coordinators;
    this.clients = [];
    this.raws = [];
    this.coordinators = [];
    const results = await Promise.allSettled([...clients.map((cl) => cl.close()), ...raws.map((r) => r.end())]);
    await Promise.all(coordinators.map((c) => c.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const since = this.mark;
    this.mark = undefined;
    if (since !== undefined) assertNoTokenLeak(since);
  }
}
