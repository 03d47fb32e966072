/**
 * Benchmark 1, the event path: the local coordinator pushes the same N event frames to
 * (a) a raw `ws` client that speaks the protocol itself (the auth frame) and only
 * counts the event frames it receives, and (b) a connected `StreamVideoClient` in a call,
 * which decodes each frame, checks its sequence number, names it, folds it into the store
 * and routes it to an `on('*')` listener.
 *
 * Figure: SDK events/s ÷ raw events/s over the whole path, from the start of the publish
 * burst to the N-th event seen (coordinator and client share this process: the coordinator
 * numbers, logs, encodes and writes all N frames synchronously, then the client drains
 * them). Beside it, for context, the receiving side alone: from the end of the burst to the
 * N-th event, where the raw client does almost nothing per frame. Samples alternate raw and
 * SDK.
 */
import { WebSocket } from 'ws';
import { Struct } from '../gen/google/protobuf/struct';
import { ClientFrame, ServerFrame } from '../gen/stream/video/coordinator/v1/events';
import { Timestamp } from '../gen/google/protobuf/timestamp';
import { StreamVideoClient, CALL_CONFIG } from '../src/index-node';
import { LocalCoordinator } from '../src/testing';
import type { EventPayload } from '../src/testing/state/coordinator-state';
import { bounded, fmt, fmtSummary, now, repeat, summarize, type Row } from './stats';
import { Participant, User } from '../gen/stream/video/coordinator/v1/models';

const N = 20_000;
const SAMPLES = 15;
const WARMUP = 2;

/** A raw client of the hub: speaks auth (with a fresh resume point), then hands every event frame's bytes to `onEvent`. */
export interface RawHubClient {
  readonly ws: WebSocket;
  close(): void;
}

/** Tag byte of `ServerFrame.event` (field 4, length-delimited): the first byte of an event frame. */
const EVENT_TAG = (4 << 3) | 2;

/**
 * Connects a raw `ws` client to the hub as `userId` and resolves once live (after the
 * connection ok, which answers the auth frame and its fresh resume point). Handshake frames are decoded with the generated code; afterwards the
 * client only looks at the first byte of each frame to count event frames.
 */
export function connectRawHubClient(c: LocalCoordinator, userId: string, token: string, onEvent: (bytes: Buffer) => void): Promise<RawHubClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(c.wsUrl);
    let phase: 'auth' | 'live' = 'auth';
    const fail = (err: Error) => {
      ws.terminate();
      reject(err);
    };
    ws.on('error', (err) => phase !== 'live' && fail(err));
    ws.on('open', () => {
      const resume = { lastSeq: 0, fresh: true, epoch: '' };
      ws.send(ClientFrame.toBinary({ frame: { oneofKind: 'auth', auth: { apiKey: c.apiKey, token, user: User.create({ id: userId, name: userId, imageUrl: '', role: 'user' }), resume } } }));
    });
    ws.on('message', (data: Buffer) => {
      if (phase === 'live') {
        if (data[0] === EVENT_TAG) onEvent(data);
        return;
      }
      const frame = ServerFrame.fromBinary(data).frame;
      if (phase === 'auth' && frame.oneofKind === 'connectionOk') {
        phase = 'live';
        resolve({ ws, close: () => ws.terminate() });
      } else if (frame.oneofKind === 'error') {
        fail(new Error(`hub refused ${userId}: ${frame.error.code} ${frame.error.message}`));
      }
    });
  });
}

/** A participant of the schema, numbered. */
export function participant(n: number): Participant {
  return Participant.create({
    sessionId: `s-${n}`,
    role: 'user',
    user: User.create({ id: `u-${n}`, name: `User ${n}`, role: 'user' }),
    joinedAt: Timestamp.fromDate(new Date(1_700_000_000_000 + n)),
  });
}

export const joined = (n: number): EventPayload => ({ oneofKind: 'participantJoined', participantJoined: { participant: participant(n) } });
export const left = (n: number): EventPayload => ({ oneofKind: 'participantLeft', participantLeft: { participant: participant(n) } });

/** N payloads cycling through participant_joined(i), custom(i), participant_left(i). */
function payloads(count: number): EventPayload[] {
  const out: EventPayload[] = [];
  for (let i = 0; out.length < count; i++) {
    out.push(joined(i));
    if (out.length < count) out.push({ oneofKind: 'custom', custom: { user: User.create({ id: 'u-x', name: 'X', imageUrl: '', role: 'user' }), custom: Struct.fromJson({ n: i, kind: 'bench', ok: true }) } });
    if (out.length < count) out.push(left(i));
  }
  return out;
}

interface Sample {
  /** Receive-side events/s (end of publish → N-th event). */
  rate: number;
  /** End-to-end events/s (start of publish → N-th event). */
  e2e: number;
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 } });
  const sdk = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} }, CALL_CONFIG.meeting);
  let raw: RawHubClient | undefined;
  try {
    await sdk.connectUser({ id: 'bench-sdk', name: 'SDK' }, await c.createToken('bench-sdk'));
    const call = await sdk.joinCall('bench-event-path', 'default');
    const cid = call.cid;
    const frames = payloads(N);

    let rawCount = 0;
    let rawDone: (() => void) | undefined;
    let rawLast = 0;
    raw = await connectRawHubClient(c, 'bench-raw', await c.createToken('bench-raw'), () => {
      if (++rawCount === N) {
        rawLast = now();
        rawDone?.();
      }
    });

    let sdkCount = 0;
    let sdkDone: (() => void) | undefined;
    let sdkLast = 0;
    let sink = 0;
    sdk.on('*', (e) => {
      if (!('seq' in e)) return;
      sink += e.seq;
      if (++sdkCount === N) {
        sdkLast = now();
        sdkDone?.();
      }
    });

    const once = async (who: 'raw' | 'sdk'): Promise<Sample> => {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const user = who === 'raw' ? 'bench-raw' : 'bench-sdk';
      const received = new Promise<void>((resolve) => {
        if (who === 'raw') {
          rawCount = 0;
          rawDone = resolve;
        } else {
          sdkCount = 0;
          sdkDone = resolve;
        }
      });
      const t0 = now();
      for (const p of frames) c.events.publish([user], cid, p);
      const t1 = now();
      await bounded(received, 60_000, `${N} events to the ${who} client`);
      const last = who === 'raw' ? rawLast : sdkLast;
      return { rate: (N / (last - t1)) * 1000, e2e: (N / (last - t0)) * 1000 };
    };

    const rawRates: number[] = [];
    const sdkRates: number[] = [];
    const ratios: number[] = [];
    const e2eRatios: number[] = [];
    const rawE2eRates: number[] = [];
    const sdkE2eRates: number[] = [];
    await repeat(
      async (i) => {
        const order: ('raw' | 'sdk')[] = Math.abs(i) % 2 === 0 ? ['raw', 'sdk'] : ['sdk', 'raw'];
        const got: Partial<Record<'raw' | 'sdk', Sample>> = {};
        for (const who of order) got[who] = await once(who);
        if (i < 0) return;
        rawRates.push(got.raw!.rate);
        sdkRates.push(got.sdk!.rate);
        ratios.push(got.sdk!.rate / got.raw!.rate);
        e2eRatios.push(got.sdk!.e2e / got.raw!.e2e);
        rawE2eRates.push(got.raw!.e2e);
        sdkE2eRates.push(got.sdk!.e2e);
        log(`  event path sample ${i + 1}/${SAMPLES}: receive side raw ${fmt(got.raw!.rate / 1000, 1)}k/s SDK ${fmt(got.sdk!.rate / 1000, 1)}k/s; end to end raw ${fmt(got.raw!.e2e / 1000, 1)}k/s SDK ${fmt(got.sdk!.e2e / 1000, 1)}k/s`);
      },
      { warmup: WARMUP, samples: SAMPLES },
    );
    if (sink === 0) throw new Error('the SDK saw no events');

    const e2e = summarize(e2eRatios);
    const recv = summarize(ratios);
    const rawS = summarize(rawRates);
    const sdkS = summarize(sdkRates);
    const rawE2e = summarize(rawE2eRates);
    const sdkE2e = summarize(sdkE2eRates);
    return [
      {
        figure: `1. Event path: SDK events/s ÷ raw ws events/s, publish → N-th event (N=${N.toLocaleString('en')})`,
        value: `${fmtSummary(e2e)}; SDK ${fmt(sdkE2e.median / 1000, 1)}k/s vs raw ${fmt(rawE2e.median / 1000, 1)}k/s`,
        goal: '≥ 0.7',
        holds: e2e.median >= 0.7,
        data: { N, ratio: e2e, rawEventsPerSec: rawE2e, sdkEventsPerSec: sdkE2e, ratios: e2eRatios },
      },
      {
        figure: '1. Event path, receiving side only (end of burst → N-th event): SDK ÷ raw',
        value: `${fmtSummary(recv)}; SDK ${fmt(sdkS.median / 1000, 1)}k/s vs raw ${fmt(rawS.median / 1000, 1)}k/s`,
        goal: '— (context)',
        holds: null,
        data: { N, ratio: recv, rawEventsPerSec: rawS, sdkEventsPerSec: sdkS, ratios },
      },
    ];
  } finally {
    raw?.close();
    await sdk.disconnectUser().catch(() => {});
    await c.close();
  }
}
