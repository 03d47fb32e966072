/**
 * The journeys benchmark: what a user on a slow link waits for, in round trips. Every HTTP
 * and WebSocket byte between `StreamVideoClient`s and the local coordinator goes through an
 * in-process proxy that delays each direction by 20 ms (a 40 ms RTT, new TCP connections
 * included: see bench/delay-proxy.ts); the edges' latency probes too (`edgeBaseUrl`).
 *
 * Journeys, each as elapsed time ÷ 40 ms (the median of SAMPLES after WARMUP), with what it
 * sent and received as the proxy saw it (HTTP requests, WebSocket upgrades, frames by kind):
 *
 * - **cold `connectUser`**: a new client, nothing pooled, until `connectUser` resolves;
 * - **`joinCall`**: a connected client, warm HTTP keep-alive, the edges' latency already
 *   measured in the background, until `joinCall` resolves (a new call each time);
 * - **`acceptCall`**: a callee that is rung accepts, until `acceptCall` resolves (joined);
 * - **resume after a drop**: `hub.faults.dropUser`, an event published during the outage,
 *   the default reconnect policy (its first attempt goes at once): from the drop to that
 *   event on the new socket;
 * - **ring**: the caller's `getOrCreateCall` with `ring`, until `call.ring` reaches the
 *   callee's listener (the store shows it then).
 *
 * Beside them, for context, a raw HTTP request on a kept-alive connection through the same
 * proxy (one round trip plus the server's time): what "1" costs here; and the same request
 * through Node's `fetch`, which `TwirpFetchTransport` (the named transport) sends every RPC
 * with: what "1" costs an RPC here before the SDK or the coordinator do anything.
 */
import { Agent, request } from 'node:http';
import { Struct } from '../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoClient, type Call } from '../src/index-node';
import { inspectClient, LocalCoordinator } from '../src/testing';
import { describe, DelayProxy, type ProxyEntry } from './delay-proxy';
import { bounded, fmt, fmtSummary, now, summarize, type Row } from './stats';
import { User } from '../gen/stream/video/coordinator/v1/models';

const ONE_WAY_MS = 20;
const RTT_MS = 2 * ONE_WAY_MS;
const SAMPLES = 9;
const WARMUP = 2;
/**
 * A sample counts when the emulated link held its round-trip time: every chunk forwarded
 * within this many ms of its time. On a loaded machine the proxy (like everything in the
 * process) can be descheduled; the link was then slower than 40 ms and the sample is taken
 * again, at most MAX_TRIES times in all (the figure says how many were tried).
 */
const LATE_LIMIT_MS = 2;
const MAX_TRIES = 4 * SAMPLES;
/** Bound of one journey, in ms: a hang fails the run with a clear message. */
const STEP_MS = 10_000;

interface Sample {
  ms: number;
  entries: ProxyEntry[];
  t0: number;
  /** Worst lateness of the proxy during the sample, in ms. */
  lateMs: number;
}

interface Journey {
  key: string;
  figure: string;
  goal: number;
  floor: number;
  once: (i: number) => Promise<Sample>;
}

/** A promise with its resolver. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  const proxy = await DelayProxy.start({ oneWayMs: ONE_WAY_MS });
  const c = await LocalCoordinator.start({
    host: '127.0.0.1',
    port: 0,
    edgeBaseUrl: proxy.url,
    hub: { healthCheckIntervalMs: 600_000 },
    participantGraceMs: Number.POSITIVE_INFINITY,
  });
  proxy.target = c.baseUrl;
  const opts = { baseUrl: proxy.url, logger: () => {} };
  const clients: StreamVideoClient[] = [];
  const client = (config = CALL_CONFIG.meeting) => {
    const made = new StreamVideoClient(c.apiKey, opts, config);
    clients.push(made);
    return made;
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const tokens = Object.fromEntries(
      await Promise.all(['cold', 'joiner', 'caller', 'callee', 'resumer'].map(async (u) => [u, await c.createToken(u)] as const)),
    );

    /** Runs `journey` between `t0` and the time `done` resolves with. */
    const timed = async (start: () => Promise<number>): Promise<Sample> => {
      // What the previous journey set going in the background (a close, edge probes) is over.
      await proxy.idle(2 * RTT_MS);
      proxy.resetLateness();
      const mark = proxy.mark();
      const t0 = now();
      const t1 = await bounded(start(), STEP_MS, 'a journey');
      return { ms: t1 - t0, entries: proxy.since(mark, t1), t0, lateMs: proxy.maxLateMs };
    };

    // Context: one raw request on a kept-alive connection (the first one opens it).
    const raw = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${proxy.url}/latency/edge-a`, { agent, method: 'GET' }, (res) => {
          res.resume();
          res.on('end', () => resolve(now()));
        });
        req.on('error', reject);
        req.end();
      });
    await raw();
    // The same request through fetch, as TwirpFetchTransport sends (kept alive by fetch's own pool).
    const rawFetch = async () => {
      const res = await fetch(`${proxy.url}/latency/edge-a`, { cache: 'no-store' });
      await res.arrayBuffer();
      return now();
    };
    await rawFetch();

    const joiner = client();
    await joiner.connectUser({ id: 'joiner', name: 'Joiner' }, tokens.joiner);
    const caller = client();
    await caller.connectUser({ id: 'caller', name: 'Caller' }, tokens.caller);
    const callee = client();
    await callee.connectUser({ id: 'callee', name: 'Callee' }, tokens.callee);
    const resumer = client();
    await resumer.connectUser({ id: 'resumer', name: 'Resumer' }, tokens.resumer);
    // The background edge measurements are done before any join is timed.
    const measured = (x: StreamVideoClient) => Object.keys(inspectClient(x).edgeLatency).length > 0;
    const t = now();
    while (![joiner, callee].every(measured)) {
      if (now() - t > STEP_MS) throw new Error('the edges were not measured in time');
      await new Promise((r) => setTimeout(r, 20));
    }

    /** Times `enter` (a join or an accept) until it resolves with the call, then leaves the call. */
    const timedInCall = async (enter: () => Promise<Call>): Promise<Sample> => {
      let call: Call | undefined;
      const sample = await timed(async () => {
        call = await enter();
        return now();
      });
      await call!.leave();
      return sample;
    };

    /** The next `call.ring` of `cid` on the callee, with its arrival time. */
    const ringOf = (cid: string) => {
      const got = deferred<number>();
      const off = callee.on('call.ring', (e) => {
        if (e.callCid !== cid) return;
        off();
        got.resolve(now());
      });
      return got.promise;
    };

    let ringSeq = 0;
    const journeys: Journey[] = [
      {
        key: 'raw',
        figure: 'raw HTTP request on a kept-alive connection (context: what 1 RTT costs here)',
        goal: Number.NaN,
        floor: 1,
        once: () => timed(raw),
      },
      {
        key: 'raw-fetch',
        figure: "the same request through Node's `fetch` (context: what 1 RTT costs an RPC sent with fetch, as TwirpFetchTransport sends)",
        goal: Number.NaN,
        floor: 1,
        once: () => timed(rawFetch),
      },
      {
        key: 'connect',
        figure: 'cold `connectUser` (new client, nothing pooled)',
        goal: 3.2,
        floor: 3,
        once: async () => {
          const cold = client();
          const sample = await timed(async () => {
            await cold.connectUser({ id: 'cold', name: 'Cold' }, tokens.cold);
            return now();
          });
          await cold.disconnectUser();
          return sample;
        },
      },
      {
        key: 'join',
        figure: '`joinCall` (warm keep-alive, edges measured in the background)',
        goal: 1.2,
        floor: 1,
        once: (i) => timedInCall(() => joiner.joinCall(`join-${i}-${Date.now()}`, 'default')),
      },
      {
        key: 'accept',
        figure: '`acceptCall` (the callee of a ring accepts and joins)',
        goal: 1.2,
        floor: 1,
        once: async () => {
          const id = `accept-${++ringSeq}-${Date.now()}`;
          const rung = ringOf(`default:${id}`);
          await caller.getOrCreateCall(id, 'default', { members: [{ userId: 'callee' }], ring: true });
          await bounded(rung, STEP_MS, 'the ring before the accept');
          return timedInCall(() => callee.acceptCall(id, 'default'));
        },
      },
      {
        key: 'resume',
        figure: 'resume after a drop (`hub.faults.dropUser`, first retry at once): drop → first event on the new socket',
        goal: 3.7,
        floor: 3.5,
        once: async () => {
          const probe = inspectClient(resumer);
          const before = probe.connection!.stats.sockets;
          const first = deferred<number>();
          const off = resumer.on('*', (e) => {
            if ('seq' in e && inspectClient(resumer).connection!.stats.sockets > before) {
              off();
              first.resolve(now());
            }
          });
          const custom = Struct.fromJson({ bench: 'journeys' });
          const sample = await timed(async () => {
            if (c.hub.faults.dropUser('resumer') !== 1) throw new Error('the resumer had no socket to drop');
            c.events.publish(['resumer'], 'default:resume', {
              oneofKind: 'custom',
              custom: { user: User.create({ id: 'x', name: 'X', role: 'user' }), custom },
            });
            return first.promise;
          });
          return sample;
        },
      },
      {
        key: 'ring',
        figure: 'ring → `call.ring` on the callee (caller warm)',
        goal: 1.1,
        floor: 1,
        once: async () => {
          const id = `ring-${++ringSeq}-${Date.now()}`;
          const rung = ringOf(`default:${id}`);
          let created: Promise<unknown> | undefined;
          const sample = await timed(() => {
            created = caller.getOrCreateCall(id, 'default', { members: [{ userId: 'callee' }], ring: true });
            return rung;
          });
          await created;
          await callee.rejectCall(id, 'default');
          return sample;
        },
      },
    ];

    const rows: Row[] = [];
    for (const journey of journeys) {
      const samples: Sample[] = [];
      const all: Sample[] = [];
      for (let i = -WARMUP; i < 0; i++) await journey.once(i);
      for (let i = 0; samples.length < SAMPLES && i < MAX_TRIES; i++) {
        const s = await journey.once(i);
        all.push(s);
        if (s.lateMs <= LATE_LIMIT_MS) samples.push(s);
      }
      if (samples.length === 0) throw new Error(`${journey.key}: the proxy was late in every sample (load too high)`);
      const rtts = samples.map((s) => s.ms / RTT_MS);
      const summary = summarize(rtts);
      // What the journey made, as the sample nearest the median saw it (the same in every sample, or said so).
      const median = samples.reduce((best, s) => (Math.abs(s.ms / RTT_MS - summary.median) < Math.abs(best.ms / RTT_MS - summary.median) ? s : best));
      const lists = new Set(samples.map((s) => describe(s.entries)));
      const requests = describe(median.entries);
      const timeline = median.entries.map((e) => `${fmt(e.at - median.t0, 1)} ms #${e.conn} ${e.what}`);
      const everySample = summarize(all.map((s) => s.ms / RTT_MS));
      log(`  ${journey.key}: ${fmtSummary(summary)} RTT (${all.length} tried; all of them: ${fmtSummary(everySample)}); ${requests}`);
      for (const line of timeline) log(`      ${line}`);
      const hasGoal = Number.isFinite(journey.goal);
      rows.push({
        figure: `7. Journey through a ${RTT_MS} ms RTT proxy, in RTTs: ${journey.figure}`,
        value: `${fmtSummary(summary)}${all.length > samples.length ? ` of ${all.length} tried` : ''}; floor ${journey.floor}; ${requests}${lists.size > 1 ? ` (samples differ: ${lists.size} lists)` : ''}`,
        goal: hasGoal ? `≤ ${journey.goal}` : '— (context)',
        holds: hasGoal ? summary.median <= journey.goal : null,
        data: {
          rttMs: RTT_MS,
          rtts: summary,
          ms: samples.map((s) => s.ms),
          tried: all.map((s) => ({ ms: s.ms, lateMs: s.lateMs })),
          everySample,
          floor: journey.floor,
          requests,
          lists: [...lists],
          timeline,
        },
      });
    }
    return rows;
  } finally {
    agent.destroy();
    for (const x of clients) await x.disconnectUser().catch(() => {});
    await c.close();
    await proxy.close();
  }
}
