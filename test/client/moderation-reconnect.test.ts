/**
 * Reactions and moderation across socket drops: every event reaches a dropped client exactly
 * once when it resumes (replayed), and a re-sync beyond the replay buffer restores what the
 * store shows (reactions, blocked users, who is in the call), a kicked user's client included.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, TrackType, type Call, type StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinatorOptions } from '../../src/testing';
import { FakeNetwork } from '../helpers/channel';
import { FakeWebRtc } from '../helpers/fake-webrtc';
import { eventsOf, seqOf } from '../helpers/rpc';
import { Harness, nextEvent, recordEvents } from '../helpers/sdk';
import { fileSuite, uniqueId, until, waitFor } from '../helpers/common';

const test = fileSuite(import.meta.url);

interface World {
  h: Harness;
  rtc: FakeWebRtc;
  clients: Record<'alice' | 'bob' | 'carol' | 'dave', StreamVideoClient>;
  calls: Record<'alice' | 'bob' | 'carol' | 'dave', Call>;
  /** bob's and dave's networks: after a drop they go offline, so their reconnect waits for the test. */
  networks: Record<'bob' | 'dave', FakeNetwork>;
}

/** alice (admin), carol (moderator), bob and dave (members) in one call; bob and dave reconnect when the test says. */
async function world(options: LocalCoordinatorOptions = {}): Promise<World> {
  const h = await Harness.start(options);
  const rtc = new FakeWebRtc();
  const users = ['alice', 'bob', 'carol', 'dave'] as const;
  const clients = {} as World['clients'];
  const networks = { bob: new FakeNetwork(), dave: new FakeNetwork() };
  for (const u of users) {
    clients[u] = await h.connect(u, {
      callConfig: CALL_CONFIG.meeting,
      opts: { RTCPeerConnection: rtc.for(u), statsIntervalMs: 0, reactionTtlMs: 60_000, ...(u === 'bob' || u === 'dave' ? { network: networks[u] } : {}) },
    });
  }
  const id = uniqueId('drop');
  await clients.alice.getOrCreateCall(id, 'default', {
    members: [
      { userId: 'bob', role: 'member' },
      { userId: 'carol', role: 'moderator' },
      { userId: 'dave', role: 'member' },
    ],
  });
  const calls = {} as World['calls'];
  for (const u of users) calls[u] = await clients[u].joinCall(id, 'default');
  for (const u of users) await waitFor(clients[u].readOnlyStateStore.participants$, (l) => l.size === 4, `${u} sees everyone`);
  return { h, rtc, clients, calls, networks };
}

/**
 * Drops `user`'s socket and resolves once its client knows; its network then goes offline, so
 * that it stays down (a backoff timer would race the test's actions on a busy machine) until
 * the test calls `networks[user].goOnline()`.
 */
async function drop(w: World, user: 'bob' | 'dave'): Promise<void> {
  const down = nextEvent(w.clients[user], 'connection.changed', (e) => e.state === 'reconnecting');
  assert.is(w.h.c.hub.faults.dropUser(user), 1);
  await down;
  w.networks[user].goOffline();
  assert.is(w.clients[user].readOnlyStateStore.connectionState$.get(), 'offline');
}

/** While bob (and dave) are down: a reaction, a custom event, a mute, a block and unblock of frank, dave kicked, erin blocked. */
async function actWhileDown(w: World): Promise<void> {
  await w.calls.alice.sendReaction({ type: 'raised-hand', emojiCode: '✋' });
  await w.calls.carol.sendCustomEvent({ note: 'while you were away' });
  await w.calls.carol.muteUser('alice', TrackType.AUDIO);
  await w.calls.alice.blockUser('frank');
  await w.calls.alice.unblockUser('frank');
  await w.calls.carol.kickUser('dave');
  await w.calls.alice.blockUser('erin');
}

/** What bob's store shows of it all. */
function bobSees(w: World) {
  const store = w.clients.bob.readOnlyStateStore;
  const participants = store.participants$.get().toArray();
  return {
    inCall: store.activeCall$.get() === w.calls.bob,
    users: participants.map((p) => p.userId).sort(),
    aliceReaction: participants.find((p) => p.userId === 'alice')?.reaction?.type,
    blocked: w.calls.bob.data.blockedUserIds,
  };
}

const EXPECTED = { inCall: true, users: ['alice', 'bob', 'carol'], aliceReaction: 'raised-hand', blocked: ['erin'] };

test('resumed: every event of the drop reaches the client once, in order, folded before its listeners', async () => {
  const w = await world();
  try {
    const log = recordEvents(w.clients.bob);
    const storeAtEvent: string[] = [];
    w.clients.bob.on('call.blocked_user', (e) => storeAtEvent.push(`${e.user?.id}: ${w.calls.bob.data.blockedUserIds.join()}`));
    w.clients.bob.on('call.reaction_new', (e) => storeAtEvent.push(`${e.reaction?.type}: ${bobSees(w).aliceReaction}`));
    const before = seqOf(w.h.c, 'bob');
    await drop(w, 'bob');
    await actWhileDown(w);
    const produced = eventsOf(w.h.c, 'bob', before);
    w.networks.bob.goOnline();
    await waitFor(w.clients.bob.readOnlyStateStore.connectionState$, (s) => s === 'connected', 'bob back');
    const last = produced[produced.length - 1].seq;
    await until(() => log.events.some((e) => 'seq' in e && e.seq === last), 'bob got the last event');
    const got = log.events.flatMap((e) => ('seq' in e && e.seq > before ? [e] : []));
    assert.equal(
      got.map((e) => e.seq),
      produced.map((e) => e.seq),
      'each event once, in order',
    );
    assert.equal(
      got.map((e) => e.type),
      [
        'call.reaction_new',
        'custom',
        'call.user_muted',
        'call.blocked_user',
        'call.unblocked_user',
        'call.kicked_user',
        'call.participant_left',
        'call.blocked_user',
      ],
    );
    assert.equal(storeAtEvent, ['raised-hand: raised-hand', 'frank: frank', 'erin: erin']);
    assert.equal(bobSees(w), EXPECTED);
    log.stop();
  } finally {
    await w.h.close();
  }
});

test('re-synced beyond the replay buffer: the store shows the reactions, the blocked users and who is in the call; a kicked client leaves', async () => {
  const w = await world({ replayBuffer: { size: 3 } });
  try {
    const camera = w.rtc.stream('video');
    await w.calls.dave.publishVideoStream(w.rtc.asMediaStream(camera));
    await until(() => w.rtc.open('dave').length === 3, "dave's connections");
    const recovered = [nextEvent(w.clients.bob, 'connection.recovered'), nextEvent(w.clients.dave, 'connection.recovered')];
    await drop(w, 'bob');
    await drop(w, 'dave');
    await actWhileDown(w);
    w.networks.bob.goOnline();
    w.networks.dave.goOnline();
    for (const e of await Promise.all(recovered)) assert.is(e.reason, 'resync');
    assert.equal(bobSees(w), EXPECTED);
    // dave, kicked while away, learns it from the re-sync: out of the call, media closed.
    await waitFor(w.clients.dave.readOnlyStateStore.activeCall$, (c) => c === undefined, 'dave left the call');
    assert.ok(w.calls.dave.hasLeft);
    await until(() => w.rtc.open('dave').length === 0 && camera.getTracks()[0].readyState === 'ended', "dave's media closed");
  } finally {
    await w.h.close();
  }
});

test.run();
