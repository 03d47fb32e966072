/**
 * A coordinator restarted on the same port while a client is connected: its sequence numbers
 * start again from 1 in a new epoch. The client resumes with its old epoch, is told to
 * re-sync, and loses none of the new coordinator's events, whether they were published
 * before it reconnected or after.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { startCoordinator } from '../helpers/coordinator';
import { FakeNetwork } from '../helpers/channel';
import { nextEvent } from '../helpers/sdk';
import { fileSuite, until, waitFor } from '../helpers/common';

const test = fileSuite(import.meta.url);

const custom = (n: number) => ({ oneofKind: 'custom' as const, custom: { user: undefined, custom: Struct.fromJson({ n }) } });

/** alice's client, with a network source the test switches off and on, recording custom events. */
async function connectAlice(c: LocalCoordinator, network: FakeNetwork): Promise<{ alice: StreamVideoClient; seen: number[] }> {
  const alice = new StreamVideoClient(
    c.apiKey,
    { baseUrl: c.baseUrl, logger: () => {}, network, reconnectPolicy: { nextDelayMs: () => 20 } },
    CALL_CONFIG.ring,
  );
  const seen: number[] = [];
  alice.on('custom', (e) => void seen.push(e.custom['n'] as number));
  // The provider mints with whichever coordinator runs now: both sign with the same secret.
  await alice.connectUser({ id: 'alice' }, () => c.createToken('alice'));
  return { alice, seen };
}

for (const when of ['before', 'after'] as const) {
  test(`events the new coordinator published ${when} the client reconnected all arrive, and the state is re-synced`, async () => {
    const first = await startCoordinator();
    const port = Number(new URL(first.baseUrl).port);
    const network = new FakeNetwork();
    const { alice, seen } = await connectAlice(first, network);
    let second: LocalCoordinator | undefined;
    try {
      for (let n = 1; n <= 3; n++) first.events.publish(['alice'], 'default:x', custom(n));
      await until(() => seen.length === 3, 'the first coordinator’s three events');

      // The network goes away and the coordinator restarts on the same port.
      network.goOffline();
      await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'offline', 'offline');
      await first.close();
      second = await startCoordinator({ port });
      assert.is.not(second.events.epoch, first.events.epoch);
      const recovered = nextEvent(alice, 'connection.recovered');
      const restarted = second;
      const publish = () => {
        for (let n = 101; n <= 104; n++) restarted.events.publish(['alice'], 'default:x', custom(n));
      };
      if (when === 'before') publish();
      network.goOnline();
      await recovered;
      if (when === 'after') publish();
      await until(
        () => seen.length === 7,
        () => `the new coordinator’s events (seen ${seen.join(',')})`,
      );
      assert.equal(seen, [1, 2, 3, 101, 102, 103, 104], 'each event once, in order');
      assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
    } finally {
      await alice.disconnectUser();
      await second?.close();
      await first.close().catch(() => {});
    }
  });
}

test('a ring sent by the new coordinator before the client reconnected reaches it', async () => {
  const first = await startCoordinator();
  const port = Number(new URL(first.baseUrl).port);
  const network = new FakeNetwork();
  const { alice } = await connectAlice(first, network);
  let second: LocalCoordinator | undefined;
  try {
    // Enough events in the first epoch that a numbering restarted from 1 would look old.
    for (let n = 1; n <= 5; n++) first.events.publish(['alice'], 'default:x', custom(n));
    await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'connected', 'connected');
    network.goOffline();
    await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'offline', 'offline');
    await first.close();
    second = await startCoordinator({ port });
    const bob = new StreamVideoClient(second.apiKey, { baseUrl: second.baseUrl, logger: () => {} }, CALL_CONFIG.ring);
    await bob.connectUser({ id: 'bob' }, await second.createToken('bob'));
    await bob.getOrCreateCall('ring-after-restart', 'default', { members: [{ userId: 'alice' }], ring: true });
    const ring = nextEvent(alice, 'call.ring');
    network.goOnline();
    assert.is((await ring).callCid, 'default:ring-after-restart');
    assert.equal(
      alice.readOnlyStateStore.incomingCalls$.get().map((p) => p.call.call?.cid),
      ['default:ring-after-restart'],
    );
    await bob.disconnectUser();
  } finally {
    await alice.disconnectUser();
    await second?.close();
  }
});

test.run();
