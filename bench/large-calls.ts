/**
 * Benchmark 3, large calls: the cost of one participant update when the active call holds
 * 100, 1,000, 10,000 and 50,000 participants.
 *
 * One client per size, each joined to its own call, all connected at once, so that the sizes
 * can be measured in interleaved rounds. Each call is populated through the event path:
 * the coordinator publishes participant_joined events for the call's cid to the client,
 * which folds them into its store. A round then publishes M join+leave pairs (new sessions,
 * so the size stays put) to each client in turn; on every event the client's `on('*')`
 * listener reads `remoteParticipants$.get()`, its `.size` and `.get(sessionId)`. The time is
 * taken on the receiving side (end of the publish burst → last event), divided by the
 * number of updates (2M).
 *
 * Figure: per-update time at 10,000 (and 1,000, 50,000) ÷ per-update time at 100, per round.
 * Also the heap per participant at 50,000 (needs --expose-gc), beside a raw baseline: a
 * `Map` of the decoded `Participant` messages by session id, built from the same frames.
 */
import { ServerFrame } from '../gen/stream/video/coordinator/v1/events';
import { encodeServerFrame } from '../src/ws/frames';
import { CALL_CONFIG, StreamVideoClient } from '../src/index-node';
import { LocalCoordinator } from '../src/testing';
import { joined, left } from './hub-client';
import { bounded, fmt, fmtSummary, now, summarize, tick, type Row } from './stats';

const SIZES = [100, 1_000, 10_000, 50_000] as const;
const PAIRS = 3_000;
const ROUNDS = 9;
const WARMUP_ROUNDS = 1;
const CHUNK = 2_000;

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap used after a full GC (two, to settle weak references and finalizers). */
async function heapUsed(): Promise<number> {
  await tick();
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * The raw baseline for the heap: the decoded `Participant` messages in a Map by session id,
 * from 50,000 participant_joined frames like those the SDK receives; bytes per participant.
 */
export async function rawHeapPerParticipant(): Promise<number> {
  const frames = Array.from({ length: 50_000 }, (_, i) =>
    encodeServerFrame({ oneofKind: 'event', event: { seq: i + 1, callCid: 'default:x', createdAt: undefined, payload: joined(i) } }),
  );
  const before = await heapUsed();
  const map = new Map<string, unknown>();
  for (const f of frames) {
    const frame = ServerFrame.fromBinary(f).frame;
    if (frame.oneofKind === 'event' && frame.event.payload.oneofKind === 'participantJoined') {
      const p = frame.event.payload.participantJoined.participant!;
      map.set(p.sessionId, p);
    }
  }
  const after = await heapUsed();
  // `frames` is read after the second reading: it must stay alive in both.
  if (map.size !== 50_000 || frames.length !== map.size) throw new Error('raw baseline size');
  return (after - before) / 50_000;
}

interface SizedClient {
  size: number;
  client: StreamVideoClient;
  user: string;
  cid: string;
  /** Events seen since the last reset. */
  count: number;
  target: number;
  last: number;
  done: (() => void) | undefined;
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  // The raw baseline for the heap first, in a quiet process.
  const rawBytes = await rawHeapPerParticipant();

  // A small replay buffer: the heap figure should not count the coordinator's copy of events.
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 }, replayBuffer: { size: 64 } });
  const clients: SizedClient[] = [];
  let sink = 0;
  let nextSession = 10_000_000;
  try {
    for (const size of SIZES) {
      const user = `bench-large-${size}`;
      const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} }, CALL_CONFIG.meeting);
      await client.connectUser({ id: user, name: user }, await c.createToken(user));
      const call = await client.joinCall(`large-${size}`, 'default');
      const sc: SizedClient = { size, client, user, cid: call.cid, count: 0, target: Number.POSITIVE_INFINITY, last: 0, done: undefined };
      const remote = client.readOnlyStateStore.remoteParticipants$;
      client.on('*', (e) => {
        if (!('seq' in e)) return;
        // What a UI reads on each update: the current list, its size, the participant.
        const list = remote.get();
        sink += list.size;
        if (e.type === 'call.participant_joined' || e.type === 'call.participant_left') sink += list.get(e.participant!.sessionId) ? 1 : 0;
        if (++sc.count === sc.target) {
          sc.last = now();
          sc.done?.();
        }
      });
      clients.push(sc);
    }

    /** Publishes `payloads` to `sc` in one burst; resolves with the ms from the burst's end to the last event. */
    const burst = async (sc: SizedClient, payloads: Parameters<typeof c.events.publish>[2][]): Promise<number> => {
      sc.count = 0;
      sc.target = payloads.length;
      const received = new Promise<void>((resolve) => (sc.done = resolve));
      for (const p of payloads) c.events.publish([sc.user], sc.cid, p);
      const t1 = now();
      await bounded(received, 60_000, `${payloads.length} events to the ${sc.size}-participant client`);
      sc.target = Number.POSITIVE_INFINITY;
      return sc.last - t1;
    };

    // Populate: the 50,000 call last, between two heap readings.
    let heapBefore = 0;
    let heapAfter = 0;
    for (const sc of clients) {
      const list = () => sc.client.readOnlyStateStore.remoteParticipants$.get();
      if (sc.size === 50_000) heapBefore = await heapUsed();
      let n = list().size;
      while (n < sc.size) {
        const count = Math.min(CHUNK, sc.size - n);
        await burst(
          sc,
          Array.from({ length: count }, (_, i) => joined(sc.size * 10 + n + i)),
        );
        n += count;
      }
      if (list().size !== sc.size) throw new Error(`the ${sc.size} call holds ${list().size} remote participants`);
      if (sc.size === 50_000) heapAfter = await heapUsed();
      log(`  populated the call of ${sc.size.toLocaleString('en')} participants`);
    }
    const sdkBytes = (heapAfter - heapBefore) / 50_000;

    // Interleaved rounds of M join+leave pairs at each size.
    const perUpdate = new Map<number, number[]>(SIZES.map((s) => [s, []]));
    const ratios = new Map<number, number[]>(SIZES.map((s) => [s, []]));
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
      const got = new Map<number, number>();
      const order = clients.map((_, i) => clients[(i + Math.max(0, round)) % clients.length]);
      for (const sc of order) {
        const payloads: Parameters<typeof c.events.publish>[2][] = [];
        for (let i = 0; i < PAIRS; i++) {
          const s = nextSession++;
          payloads.push(joined(s), left(s));
        }
        gc?.();
        const ms = await burst(sc, payloads);
        got.set(sc.size, (ms * 1000) / (2 * PAIRS));
        const size = sc.client.readOnlyStateStore.remoteParticipants$.get().size;
        if (size !== sc.size) throw new Error(`the ${sc.size} call drifted to ${size}`);
      }
      if (round < 0) continue;
      for (const s of SIZES) {
        perUpdate.get(s)!.push(got.get(s)!);
        ratios.get(s)!.push(got.get(s)! / got.get(100)!);
      }
      log(`  round ${round + 1}/${ROUNDS}: µs per update ${SIZES.map((s) => `${s}: ${fmt(got.get(s)!, 2)}`).join(', ')}`);
    }
    if (sink === 0) throw new Error('no reads');

    const rows: Row[] = [];
    for (const s of SIZES) {
      if (s === 100) continue;
      const r = summarize(ratios.get(s)!);
      rows.push({
        figure: `3. Large call: per-update time at ${s.toLocaleString('en')} ÷ at 100 participants`,
        value: `${fmtSummary(r)}; ${fmt(summarize(perUpdate.get(s)!).median, 2)} µs vs ${fmt(summarize(perUpdate.get(100)!).median, 2)} µs`,
        goal: '≤ 2',
        holds: r.median <= 2,
        data: {
          ratio: r,
          microsPerUpdate: summarize(perUpdate.get(s)!),
          microsPerUpdateAt100: summarize(perUpdate.get(100)!),
          pairsPerRound: PAIRS,
          ratios: ratios.get(s),
        },
      });
    }
    const heapRatio = sdkBytes / rawBytes;
    rows.push({
      figure: '3. Large call: heap per participant at 50,000, SDK store ÷ Map of decoded messages',
      value: gc ? `${fmt(heapRatio)}; ${fmt(sdkBytes, 0)} B vs ${fmt(rawBytes, 0)} B per participant` : 'n/a (run with --expose-gc)',
      goal: '≤ 1.5',
      holds: gc ? heapRatio <= 1.5 : null,
      data: { sdkBytesPerParticipant: sdkBytes, rawBytesPerParticipant: rawBytes, heapRatio, exposeGc: Boolean(gc) },
    });
    return rows;
  } finally {
    for (const sc of clients) await sc.client.disconnectUser().catch(() => {});
    await c.close();
  }
}
