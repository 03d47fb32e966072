/**
 * Socket drops: a re-sync after events were lost beyond the replay buffer rebuilds the same
 * store as a fault-free run; actions wait for the reconnect; a reconnect repeats no accept
 * or join; listeners survive it.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { GetOrCreateCallRequest, JoinCallRequest, LeaveCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CALL_CONFIG, type StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { FakeNetwork } from '../helpers/channel';
import { rpcClient } from '../helpers/rpc';
import { cids, expectError, Harness, nextEvent, recordEvents } from '../helpers/sdk';
import { fileSuite, uniqueId, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const meeting = CALL_CONFIG.meeting;

function custom(data: Record<string, number | string>) {
  return { oneofKind: 'custom' as const, custom: { user: undefined, custom: Struct.fromJson(data) } };
}

/** Publishes a marker to `userId` last and resolves once `client` has seen it. */
async function marker(c: LocalCoordinator, client: StreamVideoClient, userId: string, cid: string, n: number): Promise<void> {
  const seen = nextEvent(client, 'custom', (e) => e.custom['marker'] === n);
  c.events.publish([userId], cid, custom({ marker: n }));
  await seen;
}

/** What the re-sync must restore, by user id (session ids of alice and bob are random). */
interface Summary {
  active: string | undefined;
  participants: string[];
  remote: string[];
  local: string | undefined;
  pinned: string[];
  recording: boolean;
  pending: string[];
  ownCapabilities: string[];
}

function summarize(client: StreamVideoClient): Summary {
  const s = client.readOnlyStateStore;
  return {
    active: s.activeCall$.get()?.cid,
    participants: s.participants$
      .get()
      .toArray()
      .map((p) => p.userId),
    remote: s.remoteParticipants$
      .get()
      .toArray()
      .map((p) => p.userId),
    local: s.localParticipant$.get()?.userId,
    pinned: s.pinnedParticipants$
      .get()
      .toArray()
      .map((p) => p.userId),
    recording: s.callRecordingInProgress$.get(),
    pending: s.pendingCalls$.get().map((p) => `${p.direction} ${p.call.call?.cid}`),
    ownCapabilities: [...(s.activeCall$.get()?.ownCapabilities ?? [])],
  };
}

/**
 * alice (admin) and bob are joined to development:<id>. Then (with alice's socket dropped
 * when `drop`) more than 5 events are produced for alice: carol, dave and erin join, dave
 * leaves, bob records and asks for a permission, frank rings alice in another call.
 */
async function scenario(drop: boolean): Promise<{ summary: Summary; serverSessions: string[]; aliceSessions: string[]; recovered: number; lost: number }> {
  const h = await Harness.start({ replayBuffer: { size: 5 } });
  try {
    // alice's network is the test's: after the drop it goes offline, so that her reconnect
    // waits for every event to be produced (a backoff timer would race them on a busy machine).
    const network = new FakeNetwork();
    const alice = await h.connect('alice', { callConfig: meeting, opts: { network } });
    const bob = await h.connect('bob', { callConfig: meeting });
    const id = 'resync';
    const aliceCall = await alice.joinCall(id, 'development', { members: [{ userId: 'bob' }] });
    const bobCall = await bob.joinCall(id, 'development');
    await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 2, 'alice sees bob');
    alice.setParticipantIsPinned(bobCall.sessionId, true);
    const [carol, dave, erin, frank] = await Promise.all(['carol', 'dave', 'erin', 'frank'].map((u) => rpcClient(h.c, u)));

    let recovered = 0;
    alice.on('connection.recovered', () => void recovered++);
    const recovery = drop ? nextEvent(alice, 'connection.recovered') : undefined;
    if (drop) {
      const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
      assert.is(h.c.hub.faults.dropUser('alice'), 1);
      await down;
      network.goOffline();
      assert.is(alice.readOnlyStateStore.connectionState$.get(), 'offline');
    }
    const seqBefore = h.c.events.log('alice').seq;
    await carol.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'carol-1' }));
    await dave.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'dave-1' }));
    await bob.startRecording(id, 'development');
    await bob.requestCallPermissions(id, 'development', { permissions: ['screenshare'] });
    await erin.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'erin-1' }));
    await dave.leaveCall(LeaveCallRequest.create({ type: 'development', id, sessionId: 'dave-1' }));
    await frank.getOrCreateCall(
      GetOrCreateCallRequest.create({ type: 'default', id: 'frank-rings', ring: true, data: { members: [{ userId: 'alice', role: '' }] } }),
    );
    const lost = h.c.events.log('alice').seq - seqBefore;

    if (drop) {
      assert.is(alice.readOnlyStateStore.connectionState$.get(), 'offline', 'every event was produced while alice was down');
      network.goOnline();
      const event = await recovery!;
      assert.is(event.reason, 'resync');
      assert.ok(event.calls >= 2, `calls loaded: ${event.calls}`);
      assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
    } else {
      await marker(h.c, alice, 'alice', aliceCall.cid, 1);
    }
    // The Call object follows the store.
    assert.is(aliceCall.participants.size, 4);
    const serverSessions = [...h.c.state.calls.get(aliceCall.cid)!.participants.keys()];
    const aliceSessions = alice.readOnlyStateStore.participants$
      .get()
      .toArray()
      .map((p) => p.sessionId);
    return { summary: summarize(alice), serverSessions, aliceSessions, recovered, lost };
  } finally {
    await h.close();
  }
}

test('re-sync: events lost beyond the replay buffer; the store equals a fault-free run', async () => {
  const clean = await scenario(false);
  const dropped = await scenario(true);
  assert.ok(dropped.lost > 5, `more events than the buffer holds were produced (${dropped.lost})`);
  assert.is(clean.recovered, 0);
  assert.is(dropped.recovered, 1);
  assert.equal(dropped.summary, clean.summary);
  assert.equal(clean.summary.participants, ['alice', 'bob', 'carol', 'erin']);
  assert.equal(clean.summary.remote, ['bob', 'carol', 'erin']);
  assert.is(clean.summary.local, 'alice');
  assert.equal(clean.summary.pinned, ['bob']);
  assert.is(clean.summary.recording, true);
  assert.equal(clean.summary.pending, ['incoming default:frank-rings']);
  // Session for session, the re-synced store is the server's.
  assert.equal(dropped.aliceSessions, dropped.serverSessions);
  assert.equal(clean.aliceSessions, clean.serverSessions);
});

test('reconnecting: an action called while the socket is down waits for the reconnect, then succeeds', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: meeting, opts: { reconnectPolicy: { nextDelayMs: () => 200 } } });
  const id = uniqueId();
  const call = await alice.joinCall(id, 'default');
  const record = h.c.state.calls.get(call.cid)!;
  const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
  h.c.hub.faults.dropUser('alice');
  await down;
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'reconnecting');

  const timeline: string[] = [];
  alice.on('connection.changed', (e) => {
    // When the socket is back, the action has not reached the server yet.
    if (e.state === 'connected') timeline.push(`connected, server recording: ${record.recording}`);
  });
  const started = nextEvent(alice, 'call.recording_started');
  await alice.startRecording(id, 'default');
  timeline.push(`resolved in state ${alice.readOnlyStateStore.connectionState$.get()}`);
  assert.equal(timeline, ['connected, server recording: false', 'resolved in state connected']);
  assert.is(record.recording, true);
  await started;
  assert.is(alice.readOnlyStateStore.callRecordingInProgress$.get(), true);
  assert.is(alice.readOnlyStateStore.activeCall$.get(), call, 'still in the call after the reconnect');
});

test('reconnecting: an action waits at most timeouts.reconnectWaitMs, then rejects with timeout', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: meeting, opts: { reconnectPolicy: { nextDelayMs: () => 60_000 }, timeouts: { reconnectWaitMs: 100 } } });
  const id = uniqueId();
  await alice.joinCall(id, 'default');
  const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
  h.c.hub.faults.dropUser('alice');
  await down;
  const err = await expectError(alice.startRecording(id, 'default'), 'timeout');
  assert.is(err.method, 'startRecording');
  assert.is(h.c.state.calls.get(`default:${id}`)!.recording, false, 'nothing reached the server');
  // disconnectUser stops the pending reconnect timer (the after hook checks nothing hangs).
});

test('reconnect: no second accept or join; listeners keep firing; replayed events arrive once', async ({ h }) => {
  const alice = await h.connect('alice', { opts: { reconnectPolicy: { nextDelayMs: () => 50 } } });
  const bob = await h.connect('bob', { opts: { reconnectPolicy: { nextDelayMs: () => 50 } } });
  const aliceLog = recordEvents(alice);
  const bobCustoms: number[] = [];
  bob.on('custom', (e) => void bobCustoms.push(Number(e.custom['n'])));
  const id = uniqueId();
  const rang = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  await rang;
  const accepted = nextEvent(alice, 'call.accepted');
  const bobCall = await bob.acceptCall(id, 'default');
  await accepted;
  const aliceCall = await alice.joinCall(id, 'default');
  const cid = aliceCall.cid;
  assert.equal(cids(alice.readOnlyStateStore.pendingCalls$.get()), []);

  // Both sockets drop; bob's and alice's come back.
  for (const [user, client] of [
    ['bob', bob],
    ['alice', alice],
  ] as const) {
    const back = nextEvent(client, 'connection.changed', (e) => e.state === 'connected');
    const down = nextEvent(client, 'connection.changed', (e) => e.state === 'reconnecting');
    h.c.hub.faults.dropUser(user);
    await down;
    if (user === 'alice') {
      // While alice is down, two events that the replay buffer keeps for her.
      h.c.events.publish(['alice'], cid, custom({ n: 1 }));
      h.c.events.publish(['alice'], cid, custom({ n: 2 }));
    }
    await back;
  }
  // bob's listener added before his drop fires after it.
  const bobGot = nextEvent(bob, 'custom', (e) => e.custom['n'] === 3);
  h.c.events.publish(['bob'], cid, custom({ n: 3 }));
  await bobGot;
  assert.equal(bobCustoms, [3]);
  await marker(h.c, alice, 'alice', cid, 99);
  aliceLog.stop();

  const coordinatorEvents = aliceLog.events.filter((e): e is Extract<typeof e, { seq: number }> => 'seq' in e);
  const seqs = coordinatorEvents.map((e) => e.seq);
  assert.equal(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'in sequence order',
  );
  assert.is(new Set(seqs).size, seqs.length, 'no event delivered twice');
  assert.is(seqs.at(-1), h.c.events.log('alice').seq, 'nothing missing at the end');
  assert.is(coordinatorEvents.filter((e) => e.type === 'call.accepted').length, 1, 'one call.accepted');
  assert.is(
    coordinatorEvents.filter((e) => e.type === 'call.participant_joined' && e.participant?.sessionId === bobCall.sessionId).length,
    1,
    "one participant_joined for bob's session",
  );
  assert.equal(
    coordinatorEvents.filter((e) => e.type === 'custom').map((e) => (e as { custom: Record<string, unknown> }).custom),
    [{ n: 1 }, { n: 2 }, { marker: 99 }],
  );
  assert.is(aliceLog.events.filter((e) => e.type === 'connection.recovered').length, 0, 'replayed, no re-sync');
  const states = aliceLog.events.filter((e) => e.type === 'connection.changed').map((e) => (e as { state: string }).state);
  assert.equal(states, ['reconnecting', 'connected']);

  // The server saw one accept and one session per user.
  const record = h.c.state.calls.get(cid)!;
  assert.equal([...record.participants.values()].map((p) => p.userId).sort(), ['alice', 'bob']);
  assert.is(record.answers.get('bob'), 'accepted');
  const log = h.c.events.log('alice').since(0, Date.now());
  assert.is(log.kind, 'events');
  const kinds = log.kind === 'events' ? log.events.map((e) => e.payload.oneofKind) : [];
  assert.is(kinds.filter((k) => k === 'callAccepted').length, 1);
  assert.is(kinds.filter((k) => k === 'participantJoined').length, 2);
  // Both stores still show the call with both sessions.
  for (const [who, client, call] of [
    ['alice', alice, aliceCall],
    ['bob', bob, bobCall],
  ] as const) {
    assert.is(client.readOnlyStateStore.activeCall$.get(), call, `${who}: active call`);
    assert.equal(
      client.readOnlyStateStore.participants$
        .get()
        .toArray()
        .map((p) => p.userId),
      ['bob', 'alice'],
      `${who}: participants`,
    );
    assert.is(client.readOnlyStateStore.localParticipant$.get()?.sessionId, call.sessionId);
  }
});

test.run();
