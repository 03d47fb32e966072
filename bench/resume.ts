/**
 * Benchmark 4, resume: while the coordinator streams events to a connected client
 * (reconnect policy `new ExponentialBackoff({ baseMs: 50 })`), the hub drops the user's
 * socket without a close frame (`hub.faults.dropUser`), again and again.
 *
 * Figures: the time from the drop to the first event delivered on the new socket (a replayed
 * one: events keep being published during the outage), in units of the backoff's first step
 * (ms ÷ 50); and, over the whole stream, events lost and delivered twice, counted from the
 * sequence numbers the client's `on('*')` listener saw (must be 0 / 0).
 *
 * The first step of the backoff is a random delay in [0, 50) ms (full jitter): the policy's
 * `random` is recorded, so the report also gives the time that is not the jitter's
 * (detection, new socket, auth, resume, replay), in the same unit.
 */
import { Struct } from '../gen/google/protobuf/struct';
import { CALL_CONFIG, ExponentialBackoff, StreamVideoClient } from '../src/index-node';
import { inspectClient, LocalCoordinator } from '../src/testing';
import { bounded, fmt, fmtSummary, now, summarize, type Row } from './stats';
import { User } from '../gen/stream/video/coordinator/v1/models';

const BASE_MS = 50;
const DROPS = 21;
const WARMUP_DROPS = 1;
/** Events published per tick of the stream (a tick is ~1 ms). */
const PER_TICK = 2;
const USER = 'bench-resume';

export async function run(log: (line: string) => void): Promise<Row[]> {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 }, replayBuffer: { size: 5_000 } });
  const randoms: number[] = [];
  const policy = new ExponentialBackoff({
    baseMs: BASE_MS,
    random: () => {
      const r = Math.random();
      randoms.push(r);
      return r;
    },
  });
  const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {}, reconnectPolicy: policy }, CALL_CONFIG.meeting);
  let stream: ReturnType<typeof setInterval> | undefined;
  try {
    await client.connectUser({ id: USER, name: 'Resume' }, await c.createToken(USER));
    // The test seam's view of the live connection (its stats are read live).
    const seam = inspectClient(client).connection;
    if (!seam) throw new Error('no connection after connectUser');
    const connection = seam;
    const seqs: number[] = [];
    let firstSeq = 0;
    /** Set while a drop is measured: the socket count before it and the drop's time. */
    let pending: { sockets: number; at: number; resolve: (ms: number) => void } | undefined;
    let onSeq: (() => void) | undefined;
    client.on('*', (e) => {
      if (!('seq' in e)) return;
      seqs.push(e.seq);
      if (pending && connection.stats.sockets > pending.sockets) {
        const p = pending;
        pending = undefined;
        p.resolve(now() - p.at);
      }
      onSeq?.();
    });
    const custom = Struct.fromJson({ bench: 'resume' });
    let published = 0;
    // The stream starts after the connection: every event it publishes must reach the client.
    firstSeq = c.events.log(USER).seq + 1;
    stream = setInterval(() => {
      for (let i = 0; i < PER_TICK; i++) {
        c.events.publish([USER], 'default:resume', {
          oneofKind: 'custom',
          custom: { user: User.create({ id: 'x', name: 'X', imageUrl: '', role: 'user' }), custom },
        });
        published++;
      }
    }, 1);

    /** Resolves once `n` more events have arrived. */
    const more = (n: number) => {
      const target = seqs.length + n;
      return bounded(
        new Promise<void>((resolve) => {
          onSeq = () => {
            if (seqs.length >= target) {
              onSeq = undefined;
              resolve();
            }
          };
        }),
        10_000,
        `${n} more events`,
      );
    };

    const units: number[] = [];
    const overheads: number[] = [];
    for (let d = -WARMUP_DROPS; d < DROPS; d++) {
      await more(40); // live for a while
      const randomsBefore = randoms.length;
      const resumed = new Promise<number>((resolve) => (pending = { sockets: connection.stats.sockets, at: now(), resolve }));
      const dropped = c.hub.faults.dropUser(USER);
      if (dropped !== 1) throw new Error(`dropped ${dropped} sockets`);
      const ms = await bounded(resumed, 10_000, 'the first event after the drop');
      // The delay the policy chose for this outage (one attempt unless one failed).
      const jitter = randoms.slice(randomsBefore).reduce((sum, r, i) => sum + Math.floor(r * Math.min(policy.maxMs, BASE_MS * 2 ** i)), 0);
      if (d < 0) continue;
      units.push(ms / BASE_MS);
      overheads.push((ms - jitter) / BASE_MS);
      log(`  drop ${d + 1}/${DROPS}: first replayed event after ${fmt(ms, 1)} ms (backoff delay ${jitter} ms, ${randoms.length - randomsBefore} attempt(s))`);
    }

    // Stop the stream; wait for the client to have everything the coordinator numbered.
    clearInterval(stream);
    stream = undefined;
    const lastSeq = c.events.log(USER).seq;
    await bounded(
      new Promise<void>((resolve) => {
        const check = () => {
          if (seqs.at(-1)! >= lastSeq) {
            onSeq = undefined;
            resolve();
          }
        };
        onSeq = check;
        check();
      }),
      10_000,
      'the last event',
    );
    const streamed = seqs.filter((s) => s >= firstSeq);
    const distinct = new Set(streamed);
    const expected = lastSeq - firstSeq + 1;
    const lost = expected - distinct.size;
    const duplicated = streamed.length - distinct.size;
    let outOfOrder = 0;
    for (let i = 1; i < streamed.length; i++) if (streamed[i] <= streamed[i - 1]) outOfOrder++;

    const u = summarize(units);
    const o = summarize(overheads);
    return [
      {
        figure: `4. Resume: drop → first replayed event, in first backoff steps (${BASE_MS} ms)`,
        value: `${fmtSummary(u)}; of which not the backoff's jitter: ${fmt(o.median)}`,
        goal: '≤ 2',
        holds: u.median <= 2,
        data: { unitsOfFirstStep: u, unitsNotJitter: o, baseMs: BASE_MS, drops: DROPS, units, overheads },
      },
      {
        figure: `4. Resume: events lost / delivered twice over ${DROPS + WARMUP_DROPS} drops`,
        value: `${lost} / ${duplicated} of ${expected.toLocaleString('en')} (out of order: ${outOfOrder}; duplicates the SDK dropped: ${connection.stats.duplicatesDropped})`,
        goal: '0 / 0',
        holds: lost === 0 && duplicated === 0 && outOfOrder === 0,
        data: { expected, published, received: streamed.length, lost, duplicated, outOfOrder, stats: { ...connection.stats } },
      },
    ];
  } finally {
    if (stream) clearInterval(stream);
    await client.disconnectUser().catch(() => {});
    await c.close();
  }
}
