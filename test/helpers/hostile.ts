/**
 * Hand-written hostile servers on 127.0.0.1, port 0, for tests of what the SDK does when the
 * other side misbehaves: a WebSocket "hub" that answers the auth frame as the test scripts it
 * (or never), and an HTTP server whose handler the test writes (a body that never ends, an
 * answer that never comes). Both count what they saw and close everything in `close()`.
 *
 * ```ts
 * const hub = await startHostileHub({ connectionOk: { healthCheckIntervalMs: 1 } });
 * const client = new StreamVideoClient('key', { wsUrl: hub.url, logger: () => {} });
 * await client.connectUser({ id: 'alice' }, 'any-token');
 * await hub.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientFrame, ResumeStatus, ServerFrame, type ConnectionOk } from '../../gen/stream/video/coordinator/v1/events';
import { Signal } from './common';

/** What the hostile hub answers to an auth frame. */
export interface HostileHubOptions {
  /**
   * The connection ok to send after the auth frame (fields left out get plain defaults: a
   * fresh resume, no edges); `null` never answers (a hub that stalls).
   */
  connectionOk?: Partial<ConnectionOk> | null;
  /** Whether to answer the client's health-check probes (default true). */
  answerProbes?: boolean;
}

/** A running {@link startHostileHub}. */
export interface HostileHub {
  /** `ws://127.0.0.1:PORT/video/connect`. */
  readonly url: string;
  /** Sockets opened so far. */
  readonly sockets: number;
  /** Client frames received so far, by kind (`auth`, `healthCheck`...). */
  readonly framesIn: ReadonlyMap<string, number>;
  /** Every client frame received, in order. */
  readonly frames: readonly ClientFrame[];
  /** Resolves once `check()` holds, re-checked on every socket and frame; rejects after the safety timeout. */
  until(check: () => boolean, what: string): Promise<void>;
  /** Closes every socket and the server. */
  close(): Promise<void>;
}

/** Starts a WebSocket server that speaks just enough of the protocol to be hostile in one way. */
export async function startHostileHub(options: HostileHubOptions = {}): Promise<HostileHub> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/video/connect' });
  const signal = new Signal();
  const framesIn = new Map<string, number>();
  const frames: ClientFrame[] = [];
  const open = new Set<WebSocket>();
  let sockets = 0;
  const answerProbes = options.answerProbes ?? true;
  wss.on('connection', (ws) => {
    sockets++;
    open.add(ws);
    ws.on('close', () => open.delete(ws));
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: ClientFrame;
      try {
        frame = isBinary ? ClientFrame.fromBinary(new Uint8Array(data)) : ClientFrame.create();
      } catch {
        frame = ClientFrame.create();
      }
      frames.push(frame);
      const kind = frame.frame.oneofKind ?? 'unknown';
      framesIn.set(kind, (framesIn.get(kind) ?? 0) + 1);
      if (frame.frame.oneofKind === 'auth' && options.connectionOk !== null) {
        const ok: ConnectionOk = {
          connectionId: `hostile-${sockets}`,
          user: frame.frame.auth.user,
          healthCheckIntervalMs: 10_000,
          resume: { status: ResumeStatus.FRESH, lastSeq: 0, replayed: 0, epoch: 'hostile' },
          ringingCalls: [],
          edges: [],
          ...options.connectionOk,
        };
        ws.send(ServerFrame.toBinary({ frame: { oneofKind: 'connectionOk', connectionOk: ok } }));
      } else if (frame.frame.oneofKind === 'healthCheck' && !frame.frame.healthCheck.reply && answerProbes) {
        ws.send(
          ServerFrame.toBinary({ frame: { oneofKind: 'healthCheck', healthCheck: { connectionId: frame.frame.healthCheck.connectionId, reply: true } } }),
        );
      }
      signal.notify();
    });
    signal.notify();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/video/connect`,
    get sockets() {
      return sockets;
    },
    framesIn,
    frames,
    until: (check, what) => signal.until(check, `hostile hub: ${what}`, undefined, () => `sockets=${sockets} frames=${JSON.stringify([...framesIn])}`),
    async close() {
      for (const ws of open) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A running {@link startHostileHttp}. */
export interface HostileHttp {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The paths requested so far, in order. */
  readonly requests: readonly string[];
  /** Resolves once `check()` holds, re-checked on every request and on `notify()`; rejects after the safety timeout. */
  until(check: () => boolean, what: string): Promise<void>;
  /** Re-checks what `until` waits for (call it from a handler when its state changed). */
  notify(): void;
  /** Drops every connection and closes the server. */
  close(): Promise<void>;
}

/** Starts an HTTP server whose every request `handler` answers (or not). */
export async function startHostileHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HostileHttp> {
  const signal = new Signal();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
    signal.notify();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    until: (check, what) => signal.until(check, `hostile http: ${what}`, undefined, () => `requests=${JSON.stringify(requests)}`),
    notify: () => signal.notify(),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A response handler that streams `totalBytes` of zeros in 1 MiB chunks, writing only as fast
 * as the client reads (backpressure), and reports how far it got when the client went away.
 */
export function hugeBody(
  totalBytes: number,
  onEnd: (result: { written: number; finished: boolean }) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const chunk = Buffer.alloc(1024 * 1024);
  return (_req, res) => {
    let written = 0;
    let done = false;
    const end = (finished: boolean) => {
      if (done) return;
      done = true;
      onEnd({ written, finished });
    };
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(totalBytes) });
    const pump = () => {
      while (written < totalBytes) {
        const n = Math.min(chunk.length, totalBytes - written);
        written += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end(() => end(true));
    };
    res.on('close', () => end(res.writableFinished));
    pump();
  };
}

/** A running {@link startHugeHttp}: the server and how far each answer got. */
export interface HugeHttp {
  readonly http: HostileHttp;
  /** One entry per answer that ended, in order: bytes written, and whether the body was sent whole. */
  readonly answers: readonly { written: number; finished: boolean }[];
}

/** Starts an HTTP server that answers every request with {@link hugeBody} of `totalBytes`. */
export async function startHugeHttp(totalBytes: number): Promise<HugeHttp> {
  const answers: { written: number; finished: boolean }[] = [];
  const http: HostileHttp = await startHostileHttp(
    hugeBody(totalBytes, (r) => {
      answers.push(r);
      http.notify();
    }),
  );
  return { http, answers };
}

/** What a suite of hostile-server tests starts, closed after each test (clients disconnected first). */
export interface Started {
  readonly servers: { close(): Promise<void> }[];
  readonly clients: { disconnectUser(): Promise<void> }[];
}

/** Disconnects the clients and closes the servers pushed to the returned lists after each test of `test`. */
export function closedAfterEach(test: { after: { each(fn: () => Promise<void>): void } }): Started {
  const started: Started = { servers: [], clients: [] };
  test.after.each(async () => {
    await Promise.all(started.clients.splice(0).map((c) => c.disconnectUser()));
    await Promise.all(started.servers.splice(0).map((s) => s.close()));
  });
  return started;
}
