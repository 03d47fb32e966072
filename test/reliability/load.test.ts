/**
 * Load on loopback: 200 StreamVideoClients connect at once, join 20 calls of 10, and each
 * call's members are sent 50 custom events (coordinator.events.publish) on top of the
 * participant events the joins produce; halfway through, one member of each call loses its
 * socket (frames in flight are lost) and resumes. Every client must receive every event the server
 * numbered for it, exactly once and in order (seq 1, 2, ... up to the server's last), the 50
 * custom events in order; then everyone leaves and disconnects, and nothing is left running.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, ExponentialBackoff, StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { seqReport } from '../helpers/chaos';
import { noTimersLeft, startCoordinator } from '../helpers/sdk';
import { fileSuite, Signal, until } from '../helpers/common';

const CLIENTS = 200;
const PER_CALL = 10;
const CALLS = CLIENTS / PER_CALL;
const EVENTS_PER_CALL = 50;

const test = fileSuite(import.meta.url);

interface Member {
  userId: string;
  call: string;
  client: StreamVideoClient;
  seqs: number[];
  customs: number[];
  /** Times the connection became `connected`. */
  connected: number;
}

test(`${CLIENTS} clients in ${CALLS} calls of ${PER_CALL} receive every event once, in order`, async () => {
  const c = await startCoordinator();
  const members: Member[] = [];
  const signal = new Signal();
  const started = Date.now();
  let held = 0;
  try {
    await run(c, members, signal, (n) => (held = Math.max(held, n)));
  } finally {
    await Promise.all(members.map((m) => m.client.disconnectUser().catch(() => {})));
    await c.close();
  }
  await until(
    () => c.hub.connectionCount === 0,
    () => `the hub to forget every socket (${c.hub.connectionCount} left)`,
    5000,
  );
  await noTimersLeft(2000);
  const delivered = members.reduce((n, m) => n + m.seqs.length, 0);
  const reconnects = members.reduce((n, m) => n + Math.max(0, m.connected - 1), 0);
  console.log(
    `  load: ${held} clients held at once, ${delivered} events delivered (${c.events.published} published, 0 lost, 0 twice), ${reconnects} reconnects after ${c.hub.faultCounts.dropped} drops, ${Date.now() - started} ms`,
  );
  assert.is(held, CLIENTS);
});

async function run(c: LocalCoordinator, members: Member[], signal: Signal, holding: (n: number) => void): Promise<void> {
  for (let i = 0; i < CLIENTS; i++) {
    const userId = `user-${i}`;
    const client = new StreamVideoClient(
      c.apiKey,
      {
        baseUrl: c.baseUrl,
        logger: () => {},
        reconnectPolicy: new ExponentialBackoff({ baseMs: 10, maxMs: 100 }),
        timeouts: { rpcMs: 10_000, connectMs: 15_000, handshakeMs: 10_000 },
      },
      CALL_CONFIG.meeting,
    );
    const m: Member = { userId, call: `load-${Math.floor(i / PER_CALL)}`, client, seqs: [], customs: [], connected: 0 };
    client.on('*', (e) => {
      if (e.type === 'connection.changed' && e.state === 'connected') m.connected++;
      if (!('seq' in e)) return;
      m.seqs.push(e.seq);
      if (e.type === 'custom' && typeof e.custom['n'] === 'number') m.customs.push(e.custom['n']);
      signal.notify();
    });
    members.push(m);
  }

  // Connect all at once.
  await Promise.all(members.map(async (m) => m.client.connectUser({ id: m.userId, name: m.userId }, await c.createToken(m.userId))));
  holding(c.hub.connectionCount);
  assert.is(c.hub.connectionCount, CLIENTS, 'one socket per client');

  // Join all at once: the first request of each call creates it with its 10 members.
  await Promise.all(
    members.map((m) => m.client.joinCall(m.call, 'default', { members: members.filter((o) => o.call === m.call).map((o) => ({ userId: o.userId })) })),
  );
  await signal.until(
    () => members.every((m) => m.client.readOnlyStateStore.participants$.get().size === PER_CALL),
    'every client to see its 10 participants',
    15_000,
    () => `${members.filter((m) => m.client.readOnlyStateStore.participants$.get().size !== PER_CALL).length} clients not there yet`,
  );
  holding(c.hub.connectionCount);

  // 50 custom events per call, to its members, interleaved across calls. Halfway, the sockets
  // of one member of each call are dropped (frames in flight are lost): they must resume.
  const publish = (from: number, to: number) => {
    for (let n = from; n < to; n++) {
      for (let k = 0; k < CALLS; k++) {
        const ids = members.filter((m) => m.call === `load-${k}`).map((m) => m.userId);
        c.events.publish(ids, `default:load-${k}`, { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ n }) } });
      }
    }
  };
  const half = EVENTS_PER_CALL / 2;
  publish(0, half);
  const dropped = members.filter((_, i) => i % PER_CALL === 3);
  for (const m of dropped) assert.is(c.hub.faults.dropUser(m.userId), 1);
  publish(half, EVENTS_PER_CALL);
  await allDelivered(c, members, signal);
  assert.is(c.hub.faultCounts.dropped, CALLS);
  for (const m of dropped) assert.is(m.connected, 2, `${m.userId} reconnected once`);
  const expectedCustoms = Array.from({ length: EVENTS_PER_CALL }, (_, n) => n);
  const wrong = members.filter((m) => JSON.stringify(m.customs) !== JSON.stringify(expectedCustoms));
  assert.equal(
    wrong.slice(0, 3).map((m) => `${m.userId}: ${m.customs.join(',')}`),
    [],
    `${wrong.length} clients saw the custom events out of order, twice or not at all`,
  );
  // Each client: call.created, 10 participant joins (its own included), 50 custom events.
  for (const m of members) assert.ok(c.events.log(m.userId).seq >= 1 + PER_CALL + EVENTS_PER_CALL, `${m.userId}: ${c.events.log(m.userId).seq} events`);

  // Everyone leaves; the participant_left events arrive too.
  await Promise.all(members.map(async (m) => m.client.readOnlyStateStore.activeCall$.get()?.leave()));
  for (let k = 0; k < CALLS; k++) assert.is(c.state.calls.get(`default:load-${k}`)!.participants.size, 0);
  await allDelivered(c, members, signal);
  const delivered = members.reduce((n, m) => n + m.seqs.length, 0);
  assert.is(delivered, c.events.published, 'every event published was delivered once');
}

/** Waits until every client has every event the server numbered for it; checks each stream. */
async function allDelivered(c: LocalCoordinator, members: readonly Member[], signal: Signal): Promise<void> {
  const serverSeq = (m: Member) => c.events.log(m.userId).seq;
  await signal.until(
    () => members.every((m) => m.seqs.length >= serverSeq(m)),
    'every event to arrive',
    15_000,
    () => `${members.reduce((n, m) => n + Math.max(0, serverSeq(m) - m.seqs.length), 0)} events missing`,
  );
  let lost = 0;
  let duplicated = 0;
  const bad: string[] = [];
  for (const m of members) {
    const r = seqReport(m.seqs, serverSeq(m));
    lost += r.lost;
    duplicated += r.duplicated;
    if (!r.consecutive) bad.push(`${m.userId}: ${JSON.stringify(r)}`);
  }
  assert.is(lost, 0, 'events lost');
  assert.is(duplicated, 0, 'events delivered twice');
  assert.equal(bad.slice(0, 5), [], `${bad.length} clients saw seqs that are not 1, 2, ... the server's last`);
}

test.run();
