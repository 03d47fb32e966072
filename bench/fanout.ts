/**
 * Benchmark 5, fan-out of the local coordinator: K lightweight raw `ws` clients (each its
 * own user, authenticated and resumed) and one event broadcast to all of them with
 * `coordinator.events.publish([all K users], cid, payload)`: the coordinator numbers the
 * event for each user, keeps it for replay, encodes a frame per user and sends it.
 *
 * Baseline: a raw `WebSocketServer` from `ws` (port 0, 127.0.0.1) with K plain clients,
 * sending one pre-encoded event frame (the same bytes for all) to each socket.
 *
 * Both sides use the same client code (count the frames, resolve when all K have one). A
 * sample is B = 10,000 ÷ K broadcasts per side, each awaited until all K clients received it,
 * coordinator and raw alternating broadcast by broadcast; rate = K·B ÷ the side's summed
 * time. Figure: coordinator deliveries/s ÷ raw deliveries/s, median over samples.
 */
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { Struct } from '../gen/google/protobuf/struct';
import { encodeServerFrame } from '../src/ws/frames';
import { LocalCoordinator } from '../src/testing';
import { connectRawHubClient, type RawHubClient } from './hub-client';
import { bounded, fmt, fmtSummary, now, summarize, type Row } from './stats';
import { User } from '../gen/stream/video/coordinator/v1/models';

const KS = [50, 200, 500] as const;
/** Deliveries per sample: broadcasts = this ÷ K (200 at K=50, 20 at K=500). */
const DELIVERIES = 10_000;
const SAMPLES = 9;
const WARMUP = 1;
const CONNECT_CONCURRENCY = 25;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** Counts deliveries: `arm(k)` resolves once `k` frames arrived. */
class Counter {
  private count = 0;
  private target = 0;
  private done: (() => void) | undefined;
  hit = (): void => {
    if (++this.count === this.target) this.done?.();
  };
  arm(k: number): Promise<void> {
    this.count = 0;
    this.target = k;
    return new Promise((resolve) => (this.done = resolve));
  }
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  const kMax = KS[KS.length - 1];
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 }, replayBuffer: { size: 256 } });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const hubClients: RawHubClient[] = [];
  const rawClients: WebSocket[] = [];
  try {
    await new Promise<void>((resolve) => (wss.address() ? resolve() : wss.once('listening', () => resolve())));
    const port = (wss.address() as AddressInfo).port;
    const serverSockets: WebSocket[] = [];
    wss.on('connection', (ws) => serverSockets.push(ws));

    const hubCount = new Counter();
    const rawCount = new Counter();
    const users = Array.from({ length: kMax }, (_, i) => `fan-${i}`);
    const tokens = await Promise.all(users.map((u) => c.createToken(u)));
    hubClients.push(...(await pool(users, CONNECT_CONCURRENCY, (u) => connectRawHubClient(c, u, tokens[users.indexOf(u)], hubCount.hit))));
    rawClients.push(
      ...(await pool(
        users,
        CONNECT_CONCURRENCY,
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}`);
            ws.on('open', () => resolve(ws));
            ws.on('error', reject);
            ws.on('message', rawCount.hit);
          }),
      )),
    );
    await bounded(
      (async () => {
        while (serverSockets.length < kMax || c.hub.connectionCount < kMax) await new Promise((r) => setTimeout(r, 5));
      })(),
      30_000,
      `${kMax} sockets on each server`,
    );
    log(`  ${kMax} clients connected to the coordinator and to the raw server`);

    const custom = Struct.fromJson({ bench: 'fanout', text: 'hello everyone' });
    const payload = { oneofKind: 'custom' as const, custom: { user: User.create({ id: 'host', name: 'Host', imageUrl: '', role: 'user' }), custom } };
    // The raw server's frame: an event frame like the coordinator's, encoded once.
    const bytes = encodeServerFrame({ oneofKind: 'event', event: { seq: 1, callCid: 'default:fanout', createdAt: undefined, payload } });

    /** One broadcast to the first `k` clients of `side`; resolves with its duration in ms. */
    const broadcast = async (side: 'hub' | 'raw', k: number, recipients: string[], sockets: WebSocket[]): Promise<number> => {
      const t0 = now();
      if (side === 'hub') {
        const got = hubCount.arm(k);
        c.events.publish(recipients, 'default:fanout', payload);
        await bounded(got, 30_000, `a broadcast to ${k} hub clients`);
      } else {
        const got = rawCount.arm(k);
        for (const ws of sockets) ws.send(bytes);
        await bounded(got, 30_000, `a broadcast to ${k} raw clients`);
      }
      return now() - t0;
    };

    /** A sample: B broadcasts per side, alternating one by one (ABBA), timed per side. */
    const sample = async (k: number): Promise<{ hub: number; raw: number }> => {
      (globalThis as { gc?: () => void }).gc?.();
      const recipients = users.slice(0, k);
      const sockets = serverSockets.slice(0, k);
      const broadcasts = Math.ceil(DELIVERIES / k);
      const ms = { hub: 0, raw: 0 };
      for (let b = 0; b < broadcasts; b++) {
        const order: ('hub' | 'raw')[] = b % 2 === 0 ? ['hub', 'raw'] : ['raw', 'hub'];
        for (const side of order) ms[side] += await broadcast(side, k, recipients, sockets);
      }
      return { hub: ((k * broadcasts) / ms.hub) * 1000, raw: ((k * broadcasts) / ms.raw) * 1000 };
    };

    const rows: Row[] = [];
    for (const k of KS) {
      const ratios: number[] = [];
      const hubRates: number[] = [];
      const rawRates: number[] = [];
      for (let s = -WARMUP; s < SAMPLES; s++) {
        const got = await sample(k);
        if (s < 0) continue;
        hubRates.push(got.hub);
        rawRates.push(got.raw);
        ratios.push(got.hub / got.raw);
        log(
          `  K=${k} sample ${s + 1}/${SAMPLES}: coordinator ${fmt(got.hub / 1000, 1)}k deliveries/s, raw ${fmt(got.raw / 1000, 1)}k/s, ratio ${fmt(got.hub / got.raw)}`,
        );
      }
      const r = summarize(ratios);
      rows.push({
        figure: `5. Fan-out K=${k}: coordinator deliveries/s ÷ raw ws server`,
        value: `${fmtSummary(r)}; ${fmt(summarize(hubRates).median / 1000, 1)}k/s vs ${fmt(summarize(rawRates).median / 1000, 1)}k/s`,
        goal: '≥ 0.5',
        holds: r.median >= 0.5,
        data: { k, broadcastsPerSample: Math.ceil(DELIVERIES / k), ratio: r, coordinatorPerSec: summarize(hubRates), rawPerSec: summarize(rawRates), ratios },
      });
    }
    return rows;
  } finally {
    for (const h of hubClients) h.close();
    for (const ws of rawClients) ws.terminate();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await c.close();
  }
}
