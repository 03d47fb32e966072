/**
 * Resuming after a drop: every event exactly once and in order, under one drop, under many
 * seeded drops (with and without frame delays), and a re-sync when the gap is older than the
 * replay buffer. (Every test's log lines and errors are checked for tokens by `scope.close()`.)
 */
import * as assert from 'uvu/assert';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import type { ReconnectPolicy } from '../../src/ws/reconnect-policy';
import { ResumeStatus } from '../../gen/stream/video/coordinator/v1/events';
import { customN, customPayload, FakeNetwork, mulberry32, range, Scope, type TestClient } from '../helpers/channel';
import { fileSuite, turns } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const MINUTE: ReconnectPolicy = { nextDelayMs: () => 60_000 };

function publish(c: LocalCoordinator, userId: string, from: number, to: number): void {
  for (let n = from; n <= to; n++) c.events.publish([userId], 'default:x', customPayload(n));
}

/** Publishes one more event and waits for it: after that, nothing else can still be on its way. */
async function settle(c: LocalCoordinator, client: TestClient, seq: number): Promise<void> {
  c.events.publish([client.userId], 'default:sentinel', customPayload(seq));
  await client.untilSeq(seq, 10_000);
}

test('a drop in the middle of 1,000 events: reconnects by itself, every event exactly once, in order', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  let dropped = -1;
  for (let n = 1; n <= 1000; n++) {
    c.events.publish(['bob'], 'default:x', customPayload(n));
    if (n === 500) dropped = c.hub.faults.dropUser('bob');
    if (n % 50 === 0) await turns(1); // let some of it arrive live
  }
  assert.is(dropped, 1, 'the drop hit the live socket');
  await bob.collectEvents(1000, 10_000);
  await settle(c, bob, 1001);
  assert.equal(bob.seqs, range(1, 1001));
  assert.equal(bob.events.slice(0, 1000).map(customN), range(1, 1000));
  assert.ok(bob.conn.stats.reconnects >= 1, `reconnects: ${bob.conn.stats.reconnects}`);
  assert.is(bob.conn.stats.resyncs, 0);
  assert.is(bob.recovered, 0);
  assert.is(bob.state, 'connected');
});

/**
 * Publishes `total` events to bob with drops at seeded random points: some server drops, some
 * client-side drops, sometimes waiting for the reconnect, sometimes not (a drop during the
 * handshake or replay).
 */
async function chaos(seed: number, total: number, frameDelayMs: number): Promise<void> {
  const rnd = mulberry32(seed);
  const c = await scope.coordinator({ replayBuffer: { size: total + 10 } });
  const bob = await scope.connected(c, 'bob');
  const drops = new Set<number>();
  while (drops.size < 6) drops.add(1 + Math.floor(rnd() * total));
  if (frameDelayMs > 0) c.hub.faults.setFrameDelay(frameDelayMs);
  const hitSockets = new Set<number>(); // the live sockets (by index) a drop killed
  for (let n = 1; n <= total; n++) {
    c.events.publish(['bob'], 'default:x', customPayload(n));
    if (drops.has(n)) {
      const sockets = bob.conn.stats.sockets;
      const reconnects = bob.conn.stats.reconnects;
      const live = bob.state === 'connected';
      let how: string;
      let hit: boolean;
      if (rnd() < 0.25) {
        bob.conn.simulateDrop();
        how = 'client drop';
        hit = bob.conn.stats.reconnects > reconnects; // false when no socket was open
      } else {
        // 0 when no socket is authenticated: between sockets, or the new one still in its handshake
        const count = c.hub.faults.dropUser('bob');
        how = `server drop of ${count} sockets`;
        hit = count > 0;
      }
      if (hit && live) hitSockets.add(sockets);
      const what = `connected after the ${how} at ${n} (state was ${live ? '' : 'not '}connected, ${sockets} sockets)`;
      // sometimes wait for the reconnect, sometimes drop again during the handshake or replay
      if (rnd() < 0.6) await bob.until(() => bob.state === 'connected' && (!hit || bob.conn.stats.sockets > sockets), what, 10_000);
    }
    if (rnd() < 0.05) await turns(1 + Math.floor(rnd() * 3));
  }
  await bob.collectEvents(total, 15_000);
  if (frameDelayMs > 0) assert.ok(c.hub.faultCounts.delayedFrames > 0, 'frames were delayed');
  c.hub.faults.setFrameDelay(0);
  await settle(c, bob, total + 1);
  assert.equal(bob.seqs, range(1, total + 1), `seed ${seed}: every seq exactly once, in order`);
  assert.equal(bob.events.slice(0, total).map(customN), range(1, total), `seed ${seed}: the payloads match`);
  assert.ok(hitSockets.size >= 1, `seed ${seed}: at least one drop hit a live socket`);
  assert.ok(bob.conn.stats.reconnects >= hitSockets.size, `seed ${seed}: ${bob.conn.stats.reconnects} reconnects for ${hitSockets.size} live sockets dropped`);
  assert.is(bob.conn.stats.resyncs, 0);
  assert.is(bob.recovered, 0);
}

for (const seed of [1, 7, 42, 2024]) {
  test(`exactly once under repeated drops: 2,000 events, seed ${seed}`, () => chaos(seed, 2000, 0));
}
test('exactly once under repeated drops with a frame delay: 300 events, seed 99', () => chaos(99, 300, 1));

test('a gap older than the replay buffer after a drop: one re-sync, then seq continues from lastSeq + 1', async () => {
  const c = await scope.coordinator({ replayBuffer: { size: 10 } });
  const bob = await scope.connected(c, 'bob');
  publish(c, 'bob', 1, 3);
  await bob.untilSeq(3);

  // the socket dies and 50 events are published before the client can possibly be back
  assert.is(c.hub.faults.dropUser('bob'), 1);
  publish(c, 'bob', 4, 53);
  await bob.until(() => bob.recovered === 1 && bob.state === 'connected', 're-synced and connected');
  assert.is(bob.conn.stats.resyncs, 1);
  assert.is(bob.conn.lastSeq, 53);
  assert.equal(bob.seqs, [1, 2, 3], 'the lost events are not delivered');
  assert.ok(
    bob.logs.some((l) => l.extra?.['status'] === ResumeStatus.RESYNC_REQUIRED),
    "the re-sync was logged with the server's resume status",
  );

  publish(c, 'bob', 54, 58);
  await bob.untilSeq(58);
  assert.equal(bob.seqs, [1, 2, 3, 54, 55, 56, 57, 58]);
  assert.equal(bob.events.map(customN), [1, 2, 3, 54, 55, 56, 57, 58]);
  assert.is(bob.recovered, 1);
  assert.is(bob.conn.stats.resyncs, 1);
});

test('a gap older than the replay buffer while offline: one re-sync on coming back', async () => {
  const c = await scope.coordinator({ replayBuffer: { size: 10 } });
  const net = new FakeNetwork();
  const bob = await scope.connected(c, 'bob', { network: net, reconnectPolicy: MINUTE });
  publish(c, 'bob', 1, 3);
  await bob.untilSeq(3);

  net.goOffline();
  await bob.socket.closed;
  publish(c, 'bob', 4, 53);
  net.goOnline();
  await bob.until(() => bob.recovered === 1 && bob.state === 'connected', 're-synced and connected');
  assert.is(bob.conn.stats.resyncs, 1);
  assert.is(bob.conn.lastSeq, 53);

  publish(c, 'bob', 54, 55);
  await bob.untilSeq(55);
  assert.equal(bob.seqs, [1, 2, 3, 54, 55]);
  assert.is(bob.recovered, 1);
});

test('a gap within the replay buffer is replayed, no re-sync', async () => {
  const c = await scope.coordinator({ replayBuffer: { size: 10 } });
  const net = new FakeNetwork();
  const bob = await scope.connected(c, 'bob', { network: net, reconnectPolicy: MINUTE });
  publish(c, 'bob', 1, 3);
  await bob.untilSeq(3);
  net.goOffline();
  await bob.socket.closed;
  publish(c, 'bob', 4, 13); // exactly the buffer's size
  net.goOnline();
  await bob.untilSeq(13);
  assert.equal(bob.seqs, range(1, 13));
  assert.is(bob.conn.stats.resyncs, 0);
  assert.is(bob.recovered, 0);
});

test("a gap older than the buffer's age limit: re-sync", async () => {
  let clock = Date.now();
  const c = await scope.coordinator({ replayBuffer: { size: 100, maxAgeMs: 1000 }, now: () => clock });
  const net = new FakeNetwork();
  const bob = await scope.connected(c, 'bob', { network: net, reconnectPolicy: MINUTE });
  publish(c, 'bob', 1, 2);
  await bob.untilSeq(2);
  net.goOffline();
  await bob.socket.closed;
  publish(c, 'bob', 3, 5);
  clock += 2000; // the events published while offline are now too old to replay
  net.goOnline();
  await bob.until(() => bob.recovered === 1 && bob.state === 'connected', 're-synced and connected');
  assert.is(bob.conn.lastSeq, 5);
  publish(c, 'bob', 6, 6);
  await bob.untilSeq(6);
  assert.equal(bob.seqs, [1, 2, 6]);
});

test.run();
