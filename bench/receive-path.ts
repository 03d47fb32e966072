/**
 * Benchmark 1, the receive path: the CPU time this process spends per event received, the
 * SDK's against a lean client's, with the coordinator in a child process (its CPU is not
 * counted; bench/receive-path-coordinator.ts).
 *
 * - **SDK**: a `StreamVideoClient` joined in a call with an `on('*')` listener: each frame is
 *   decoded, its sequence number checked, the event named, passed through the gate, folded
 *   into the store (the participant table, its snapshot and the derived stores) and emitted.
 * - **Lean client**: what an app would write by hand with the same schema: a `ws` socket that
 *   speaks auth, then per frame `ServerFrame.fromBinary`, a sequence check and one `Map`
 *   update (participant joined: set; left: delete).
 *
 * The coordinator publishes N events to one of them (participant_joined(i), then
 * participant_left(i), for i < N/2, about the SDK's call) while the client's socket is paused
 * (`ws`'s `pause()`; the SDK's through the `WebSocket` option), so that both clients find the
 * same bytes waiting and read them in the same large chunks; then the socket resumes and
 * `process.cpuUsage()` (user + system, every thread: the garbage collector's too) runs from
 * there to the N-th event, ÷ N. This is the receive path alone, with the least I/O per event:
 * the strictest setting for the SDK's own cost (events trickling in one per read would add
 * the same wake-up cost to both sides).
 *
 * The machine may be shared and noisy: bursts are short (N events) and alternate between the
 * two clients (SDK, lean, lean, SDK, ...) so that both see the same conditions, many times.
 * No GC is forced between bursts: a client that allocates more triggers more of the
 * scavenges, which then count in its bursts. Figure: the median of the per-pair ratios; the
 * ratio of the totals beside it.
 *
 * Figure: SDK CPU per event ÷ lean CPU per event (median of the per-pair ratios).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { WebSocket } from 'ws';
import { ClientFrame, ServerFrame } from '../gen/stream/video/coordinator/v1/events';
import type { Participant } from '../gen/stream/video/coordinator/v1/models';
import { CALL_CONFIG, StreamVideoClient } from '../src/index-node';
import type { WebSocketConstructor } from '../src/ws/websocket-like';
import type { FromCoordinator, ToCoordinator } from './receive-path-coordinator';
import { bounded, fmt, fmtSummary, summarize, type Row } from './stats';
import { User } from '../gen/stream/video/coordinator/v1/models';

/** Events per burst. */
export const N = 4_000;
/** Pairs of bursts (one to each client, in alternating order) measured, after WARMUP pairs. */
const PAIRS = Number(process.env.RECEIVE_PATH_PAIRS) || 60;
const WARMUP = 5;
const CALL_ID = 'receive-path';
const CID = `default:${CALL_ID}`;

/** One of the two clients, ready to receive a burst. */
export interface Receiver {
  /** Asks the coordinator for `count` events and resolves with the CPU time (µs) spent until the last one arrived. */
  burst(count: number): Promise<number>;
}

/** The child coordinator and both clients, connected; `close()` ends everything. */
export interface ReceivePath {
  sdk: Receiver;
  lean: Receiver;
  client: StreamVideoClient;
  close(): Promise<void>;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return u.user + u.system;
}

/** Starts the coordinator in a child process, connects the SDK (joined in the call) and the lean client. */
export async function startReceivePath(): Promise<ReceivePath> {
  const child: ChildProcess = fork(resolve(import.meta.dirname, 'receive-path-coordinator.ts'), [], {
    cwd: resolve(import.meta.dirname, '..'),
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: ((m: FromCoordinator) => void)[] = [];
  child.on('message', (m: FromCoordinator) => waiting.shift()?.(m));
  const next = (what: string) => bounded(new Promise<FromCoordinator>((r) => waiting.push(r)), 30_000, what);
  const send = (m: ToCoordinator) => child.send(m);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let client: StreamVideoClient | undefined;
  let lean: WebSocket | undefined;
  const close = async () => {
    lean?.terminate();
    await client?.disconnectUser().catch(() => {});
    if (child.connected) send({ op: 'close' });
    await bounded(exited, 10_000, 'the coordinator process to exit').catch(() => child.kill());
  };
  try {
    const ready = await next('the coordinator process to start');
    if (ready.op !== 'ready') throw new Error('unexpected message from the coordinator process');
    /** Publishes `count` events to `user` while `socket` is paused, then times their reception. */
    const burst = async (user: string, socket: WebSocket, count: number, done: () => Promise<void>): Promise<number> => {
      socket.pause();
      const published = next('the publish to end');
      send({ op: 'publish', user, cid: CID, count });
      await published;
      const u0 = process.cpuUsage();
      socket.resume();
      await done();
      return cpuMicros(u0);
    };

    // The SDK, joined in the call, with a listener on '*'; its sockets are `ws` sockets the bench can pause.
    const sdkSockets: WebSocket[] = [];
    class PausableWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sdkSockets.push(this);
      }
    }
    client = new StreamVideoClient(
      ready.apiKey,
      { baseUrl: ready.baseUrl, logger: () => {}, statsIntervalMs: 0, WebSocket: PausableWebSocket as unknown as WebSocketConstructor },
      CALL_CONFIG.meeting,
    );
    await client.connectUser({ id: 'bench-sdk', name: 'SDK' }, ready.tokens['bench-sdk']);
    await client.joinCall(CALL_ID, 'default');
    let sdkSeen = 0;
    let sdkTarget = 0;
    let sdkDone: (() => void) | undefined;
    let sink = 0;
    client.on('*', (e) => {
      if (!('seq' in e)) return;
      sink += e.seq;
      if (++sdkSeen === sdkTarget) sdkDone?.();
    });

    // The lean client: auth, then decode + sequence check + one Map update per frame.
    let leanSeen = 0;
    let leanTarget = 0;
    let leanDone: (() => void) | undefined;
    let lastSeq = 0;
    let gaps = 0;
    const participants = new Map<string, Participant>();
    lean = await new Promise<WebSocket>((resolveWs, reject) => {
      const ws = new WebSocket(ready.baseUrl.replace(/^http/, 'ws') + '/video/connect');
      let live = false;
      ws.on('error', (err) => !live && reject(err));
      ws.on('open', () => {
        const resume = { lastSeq: 0, fresh: true, epoch: '' };
        ws.send(
          ClientFrame.toBinary({
            frame: {
              oneofKind: 'auth',
              auth: { apiKey: ready.apiKey, token: ready.tokens['bench-lean'], user: User.create({ id: 'bench-lean', name: 'Lean', role: 'user' }), resume },
            },
          }),
        );
      });
      ws.on('message', (data: Buffer) => {
        // The same call on the same input as the SDK's (a plain Uint8Array view: protobuf-ts
        // slices a Buffer into Buffers, which costs more).
        const frame = ServerFrame.fromBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).frame;
        if (frame.oneofKind === 'connectionOk') {
          live = true;
          lastSeq = frame.connectionOk.resume?.lastSeq ?? 0;
          resolveWs(ws);
        } else if (frame.oneofKind === 'event') {
          const event = frame.event;
          if (event.seq !== lastSeq + 1) gaps++;
          lastSeq = event.seq;
          const p = event.payload;
          if (p.oneofKind === 'participantJoined' && p.participantJoined.participant)
            participants.set(p.participantJoined.participant.sessionId, p.participantJoined.participant);
          else if (p.oneofKind === 'participantLeft' && p.participantLeft.participant) participants.delete(p.participantLeft.participant.sessionId);
          if (++leanSeen === leanTarget) leanDone?.();
        } else if (frame.oneofKind === 'error') {
          reject(new Error(`the hub refused the lean client: ${frame.error.code}`));
        }
      });
    });

    const sdk: Receiver = {
      burst: (count) =>
        burst('bench-sdk', sdkSockets.at(-1)!, count, () => {
          sdkSeen = 0;
          sdkTarget = count;
          return bounded(new Promise<void>((r) => (sdkDone = r)), 60_000, `${count} events to the SDK`);
        }).then((micros) => {
          if (sink === 0) throw new Error('the SDK listener saw no event');
          return micros;
        }),
    };
    const leanReceiver: Receiver = {
      burst: (count) =>
        burst('bench-lean', lean!, count, () => {
          leanSeen = 0;
          leanTarget = count;
          return bounded(new Promise<void>((r) => (leanDone = r)), 60_000, `${count} events to the lean client`);
        }).then((micros) => {
          if (gaps > 0) throw new Error(`the lean client saw ${gaps} gaps`);
          return micros;
        }),
    };
    return { sdk, lean: leanReceiver, client, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  const path = await startReceivePath();
  try {
    (globalThis as { gc?: () => void }).gc?.();
    const sdkUs: number[] = [];
    const leanUs: number[] = [];
    const ratios: number[] = [];
    for (let i = -WARMUP; i < PAIRS; i++) {
      const order = Math.abs(i) % 2 === 0 ? (['lean', 'sdk'] as const) : (['sdk', 'lean'] as const);
      const got: Partial<Record<'sdk' | 'lean', number>> = {};
      for (const who of order) got[who] = (await path[who].burst(N)) / N;
      if (i < 0) continue;
      sdkUs.push(got.sdk!);
      leanUs.push(got.lean!);
      ratios.push(got.sdk! / got.lean!);
      if ((i + 1) % 10 === 0)
        log(
          `  receive path pairs ${i - 8}-${i + 1}/${PAIRS}: median ratio so far ${fmt(summarize(ratios).median)} (last pair: SDK ${fmt(got.sdk!, 2)} µs/event, lean ${fmt(got.lean!, 2)} µs/event)`,
        );
    }
    const ratio = summarize(ratios);
    const sdk = summarize(sdkUs);
    const lean = summarize(leanUs);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const ofTotals = sum(sdkUs) / sum(leanUs);
    return [
      {
        figure: `1. Receive path: SDK CPU per event ÷ lean client (ws + ServerFrame.fromBinary + seq check + one Map update), coordinator in another process; ${PAIRS} pairs of ${N.toLocaleString('en')} participant joined/left`,
        value: `${fmtSummary(ratio)}; of the totals ${fmt(ofTotals)}; SDK ${fmt(sdk.median, 2)} µs vs lean ${fmt(lean.median, 2)} µs per event`,
        goal: '≤ 1.15',
        holds: ratio.median <= 1.15,
        data: { N, pairs: PAIRS, ratio, ofTotals, sdkMicrosPerEvent: sdk, leanMicrosPerEvent: lean, ratios },
      },
    ];
  } finally {
    await path.close();
  }
}
