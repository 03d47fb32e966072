/**
 * An in-process TCP proxy that delays every byte by a fixed one-way time in each direction,
 * for the journeys benchmark: a client pointed at `proxy.url` sees a link with a round-trip
 * time of `2 × oneWayMs` to the server behind it, for HTTP and WebSocket alike.
 *
 * - **Delay**: each chunk is forwarded `oneWayMs` after it arrived, in order, per direction;
 *   so are the ends of a stream (FIN) and resets. The delay line wakes on a timer 1 ms early,
 *   then on `setImmediate` turns, so that a chunk leaves within a fraction of a millisecond
 *   of its time instead of a timer's usual 1 ms late.
 * - **TCP handshake**: the kernel completes the client's connect to the proxy at once; the
 *   proxy makes up for it by forwarding nothing the client sent until one round trip after
 *   the connection was accepted (SYN, SYN-ACK), so a new connection costs one round trip
 *   before its first byte travels, as on a real link.
 * - **What travelled**: the proxy reads both directions and logs, with the time each arrived
 *   at the proxy: new TCP connections, HTTP requests (`POST /twirp/...`), WebSocket upgrades,
 *   and WebSocket frames by kind, decoded with the generated code (`c→s auth`,
 *   `s→c event:participantJoined`, ...).
 *
 * ```ts
 * const proxy = await DelayProxy.start({ oneWayMs: 20 });
 * proxy.target = coordinator.baseUrl;
 * const mark = proxy.mark();
 * // ... a journey through proxy.url ...
 * proxy.since(mark); // what it sent and received
 * ```
 */
import { createServer, Socket, type Server } from 'node:net';
import { ClientFrame, ServerFrame } from '../gen/stream/video/coordinator/v1/events';
import { now } from './stats';

/** Options of {@link DelayProxy.start}. */
export interface DelayProxyOptions {
  /** Delay of each direction, in ms (a round trip is twice this). */
  oneWayMs: number;
}

/** One thing the proxy saw travel. */
export interface ProxyEntry {
  /** When it arrived at the proxy (`performance.now()`). */
  at: number;
  /** The proxied connection it travelled on (1, 2, ...). */
  conn: number;
  /** What it was: `TCP connect`, `POST /twirp/...`, `WS upgrade`, `c→s auth`, `s→c event:callRing`, ... */
  what: string;
}

type Mode = 'http' | 'ws' | 'opaque';

/** A FIFO of actions each due at a time, run in order at (or just after) their time. */
class DelayLine {
  private readonly queue: { due: number; run: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private spinning = false;
  /** Worst lateness seen, in ms (how far behind its due time an action ran). */
  maxLateMs = 0;

  /** Actions waiting. */
  get size(): number {
    return this.queue.length;
  }

  push(due: number, run: () => void): void {
    this.queue.push({ due, run });
    if (this.queue.length === 1) this.pump();
  }

  clear(): void {
    this.queue.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    this.spinning = false;
    let t = now();
    while (this.queue.length > 0 && this.queue[0].due <= t) {
      const item = this.queue.shift()!;
      this.maxLateMs = Math.max(this.maxLateMs, t - item.due);
      item.run();
      t = now();
    }
    if (this.queue.length === 0) return;
    const wait = this.queue[0].due - t;
    if (wait > 1.5) this.timer = setTimeout(this.pump, Math.floor(wait - 1));
    else if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.pump);
    }
  };
}

/** Reads one direction of a proxied connection: HTTP requests or responses, then WebSocket frames. */
class StreamReader {
  private buf: Buffer = Buffer.alloc(0);
  /** HTTP body bytes still to skip. */
  private skip = 0;
  /** Chunked body being skipped. */
  private chunked = false;

  constructor(
    private readonly side: 'c2s' | 's2c',
    public mode: Mode,
    private readonly onHttp: (head: string) => void,
    private readonly onFrame: (what: string) => void,
  ) {}

  feed(chunk: Buffer): void {
    if (this.mode === 'opaque') return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const progressed = this.mode === 'http' ? this.readHttp() : this.mode === 'ws' ? this.readFrame() : false;
      if (!progressed) break;
    }
  }

  private readHttp(): boolean {
    if (this.skip > 0) {
      const n = Math.min(this.skip, this.buf.length);
      this.buf = this.buf.subarray(n);
      this.skip -= n;
      return n > 0;
    }
    if (this.chunked) {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return false;
      const size = Number.parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
      if (size === 0) {
        if (this.buf.length < eol + 4) return false;
        this.buf = this.buf.subarray(eol + 4);
        this.chunked = false;
        return true;
      }
      this.buf = this.buf.subarray(eol + 2);
      this.skip = size + 2;
      return true;
    }
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const head = this.buf.subarray(0, end).toString('latin1');
    this.buf = this.buf.subarray(end + 4);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) this.skip = Number(length[1]);
    else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) this.chunked = true;
    this.onHttp(head);
    return true;
  }

  private readFrame(): boolean {
    const b = this.buf;
    if (b.length < 2) return false;
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let length = b[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      length = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    const maskAt = at;
    if (masked) at += 4;
    if (b.length < at + length) return false;
    let payload = b.subarray(at, at + length);
    if (masked) {
      payload = Buffer.from(payload);
      for (let i = 0; i < payload.length; i++) payload[i] ^= b[maskAt + (i & 3)];
    }
    this.buf = b.subarray(at + length);
    this.onFrame(`${this.side === 'c2s' ? 'c→s' : 's→c'} ${frameKind(this.side, opcode, payload)}`);
    return true;
  }
}

function frameKind(side: 'c2s' | 's2c', opcode: number, payload: Buffer): string {
  if (opcode === 0x8) return 'close';
  if (opcode === 0x9) return 'ping';
  if (opcode === 0xa) return 'pong';
  if (opcode !== 0x2) return `opcode ${opcode}`;
  try {
    if (side === 'c2s') return ClientFrame.fromBinary(payload).frame.oneofKind ?? 'unknown';
    const frame = ServerFrame.fromBinary(payload).frame;
    return frame.oneofKind === 'event' ? `event:${frame.event.payload.oneofKind}` : (frame.oneofKind ?? 'unknown');
  } catch {
    return 'undecodable';
  }
}

/** See the module comment. */
export class DelayProxy {
  /** `http://127.0.0.1:port`: point clients here. */
  readonly url: string;
  /** The server behind the proxy, `http://host:port` (set before the first connection). */
  target = '';
  /** Everything seen so far, in arrival order. */
  readonly log: ProxyEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly lines = new Set<DelayLine>();
  private connections = 0;
  private lateOfClosed = 0;
  private lastArrival = 0;

  private constructor(
    private readonly server: Server,
    readonly oneWayMs: number,
  ) {
    const { port } = server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts listening on 127.0.0.1, on a free port. */
  static async start(options: DelayProxyOptions): Promise<DelayProxy> {
    let proxy: DelayProxy | undefined;
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (inbound) => proxy!.accept(inbound));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new DelayProxy(server, options.oneWayMs);
    return proxy;
  }

  /** The position in the log now, for {@link since}. */
  mark(): number {
    return this.log.length;
  }

  /** What arrived since `mark`, up to `until` (a `performance.now()` time) when given. */
  since(mark: number, until = Number.POSITIVE_INFINITY): ProxyEntry[] {
    return this.log.slice(mark).filter((e) => e.at <= until);
  }

  /** Worst lateness of a forwarded chunk behind its due time since the last {@link resetLateness}, in ms. */
  get maxLateMs(): number {
    let late = this.lateOfClosed;
    for (const line of this.lines) late = Math.max(late, line.maxLateMs);
    return late;
  }

  /** Starts measuring {@link maxLateMs} afresh. */
  resetLateness(): void {
    this.lateOfClosed = 0;
    for (const line of this.lines) line.maxLateMs = 0;
  }

  /**
   * Resolves once nothing has arrived for `quietMs` and nothing waits in a delay line: what
   * an earlier journey set going in the background (a close, edge probes) is over.
   * @param boundMs resolves anyway after this long (the caller's next sample then shows it).
   */
  async idle(quietMs: number, boundMs = 5_000): Promise<void> {
    const start = now();
    for (;;) {
      const t = now();
      const pending = [...this.lines].some((line) => line.size > 0);
      if ((!pending && t - this.lastArrival >= quietMs) || t - start > boundMs) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, quietMs - (t - this.lastArrival))));
    }
  }

  /** Stops listening and destroys every proxied connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const line of this.lines) line.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(inbound: Socket): void {
    const conn = ++this.connections;
    const acceptedAt = now();
    const oneWay = this.oneWayMs;
    const target = new URL(this.target);
    const outbound = new Socket({ allowHalfOpen: true });
    outbound.setNoDelay(true);
    const up = new DelayLine();
    const down = new DelayLine();
    this.lines.add(up).add(down);
    let upgraded = false;
    const note = (what: string) => this.log.push({ at: now(), conn, what });
    note('TCP connect');
    const c2s = new StreamReader(
      'c2s',
      'http',
      (head) => {
        const [method, path] = head.slice(0, head.indexOf('\r\n')).split(' ');
        if (/\r\nupgrade:\s*websocket/i.test(head)) {
          upgraded = true;
          note(`WS upgrade ${path}`);
          c2s.mode = 'ws';
        } else note(`${method} ${path}`);
      },
      note,
    );
    const s2c = new StreamReader(
      's2c',
      'http',
      (head) => {
        // Only a connection that asked for an upgrade switches to frames, after its 101.
        if (upgraded && head.startsWith('HTTP/1.1 101')) s2c.mode = 'ws';
      },
      note,
    );
    let closed = 0;
    const cleanup = () => {
      if (++closed < 2) return;
      this.lateOfClosed = Math.max(this.lateOfClosed, up.maxLateMs, down.maxLateMs);
      up.clear();
      down.clear();
      this.lines.delete(up);
      this.lines.delete(down);
    };
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.sockets.delete(s);
        cleanup();
      });
    }
    // Nothing the client sends travels before the emulated handshake (one round trip) is over.
    const upDue = () => Math.max(now(), acceptedAt + 2 * oneWay) + oneWay;
    const downDue = () => now() + oneWay;
    const arrived = () => void (this.lastArrival = now());
    for (const s of [inbound, outbound]) for (const e of ['data', 'end', 'close']) s.on(e, arrived);
    inbound.on('data', (chunk: Buffer) => {
      c2s.feed(chunk);
      up.push(upDue(), () => outbound.write(chunk));
    });
    inbound.on('end', () => up.push(upDue(), () => outbound.end()));
    inbound.on('close', (hadError) => up.push(upDue(), () => (hadError ? outbound.resetAndDestroy() : outbound.end())));
    outbound.on('data', (chunk: Buffer) => {
      s2c.feed(chunk);
      down.push(downDue(), () => inbound.write(chunk));
    });
    outbound.on('end', () => down.push(downDue(), () => inbound.end()));
    outbound.on('close', (hadError) => down.push(downDue(), () => (hadError ? inbound.resetAndDestroy() : inbound.end())));
    outbound.connect(Number(target.port), target.hostname);
  }
}

/**
 * The log entries as one line of counts in order of first appearance, e.g.
 * `TCP connect, WS upgrade /video/connect, c→s auth, s→c connectionOk` or `POST …/JoinCall ×2`.
 */
export function describe(entries: readonly ProxyEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const what = e.what.replace(/^(\w+) \/twirp\/[^/]+\//, '$1 …/');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => (n > 1 ? `${what} ×${n}` : what)).join(', ') || 'nothing';
}
