/**
 * getOrCreateCall, joinCall (edge selection, the active call, the local participant),
 * participants joining and leaving, and setParticipantIsPinned.
 */
import * as assert from 'uvu/assert';
import { Call, CALL_CONFIG } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { expectError, expectThrows, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, uniqueId, until, WAIT_MS, waitFor, within } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const meeting = { callConfig: CALL_CONFIG.meeting };
const ids = (list: { toArray(): readonly { sessionId: string }[] }) => list.toArray().map((p) => p.sessionId);

test('getOrCreateCall: created flag, members with roles, custom data, settings; then returns the same call', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const id = uniqueId();
  const created = await alice.getOrCreateCall(id, 'default', {
    members: [{ userId: 'bob', role: 'moderator', user: { name: 'Bob' } }, { userId: 'carol' }],
    custom: { topic: 'standup', n: 3 },
    settingsOverride: { recording: { enabled: false } },
  });
  assert.is(created.created, true);
  const call = created.call!;
  assert.is(call.call!.cid, `default:${id}`);
  assert.is(call.call!.id, id);
  assert.is(call.call!.type, 'default');
  assert.is(call.call!.createdByUserId, 'alice');
  assert.is(call.call!.memberCount, 3);
  assert.is(call.call!.ringing, false);
  assert.is(call.call!.recording, false);
  assert.is(call.call!.settings?.recording?.enabled, false);
  assert.equal(call.call!.custom, { topic: 'standup', n: 3 }, 'custom data reaches the server, and comes back as plain JSON');
  assert.instance(call.call!.createdAt, Date);
  const members = Object.fromEntries(call.members.map((m) => [m.userId, m.role]));
  assert.equal(members, { alice: 'admin', bob: 'moderator', carol: 'member' });
  assert.is(call.members.find((m) => m.userId === 'bob')!.user?.name, 'Bob');
  assert.ok(call.ownCapabilities.includes('start-record-call'));
  assert.equal(call.participants, []);
  assert.is(h.c.state.calls.size, 1);

  const again = await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'dave' }] });
  assert.is(again.created, false);
  assert.is(again.call!.call!.cid, `default:${id}`);
  assert.is(again.call!.members.length, 3, 'an existing call keeps its members');
  assert.is(h.c.state.calls.size, 1);

  // bob, a member, reads it with his own capabilities.
  const bob = await h.connect('bob', meeting);
  const seen = await bob.getOrCreateCall(id, 'default');
  assert.is(seen.created, false);
  assert.ok(seen.call!.ownCapabilities.includes('update-call-member'));
  assert.ok(seen.call!.ownCapabilities.includes('end-call'), 'a moderator may end the call');
  // A non-member may neither read a `default` call (members only) nor answer it.
  const erin = await h.connect('erin', meeting);
  await expectError(erin.getOrCreateCall(id, 'default'), 'permission_denied');
  await expectError(erin.rejectCall(id, 'default'), 'permission_denied');
});

test('joinCall: the Call (cid, edge-b credentials, session), activeCall$ and the local participant', async () => {
  // edge-a answers its latency probe 300 ms late: once measured (in the background, after
  // connecting), edge-b must be chosen.
  const h = await Harness.start({ edgeLatencyMs: { 'edge-a': 300 } });
  try {
    await joinOnEdgeB(h);
  } finally {
    await h.close();
  }
});

async function joinOnEdgeB(h: Harness): Promise<void> {
  const alice = await h.connect('alice', meeting);
  await until(() => Object.keys(inspectClient(alice).edgeLatency).length === 2, 'both edges measured');
  assert.ok(inspectClient(alice).edgeLatency['edge-a'].measurementsSeconds[0] >= 0.29, 'edge-a is slow');
  const id = uniqueId();
  const call = await alice.joinCall(id, 'default');
  assert.instance(call, Call);
  assert.is(call.data.cid, `default:${id}`);
  assert.is(call.cid, `default:${id}`);
  assert.is(call.credentials.edgeName, 'edge-b');
  assert.is(call.credentials.serverUrl, 'wss://sfu-edge-b.local.invalid/ws');
  assert.ok(call.credentials.token.length > 0);
  assert.type(call.sessionId, 'string');
  assert.ok(call.sessionId.length > 0);
  assert.is(call.hasLeft, false);
  assert.ok(call.ownCapabilities.includes('join-call'));
  assert.equal(
    call.members.map((m) => m.userId),
    ['alice'],
  );

  const store = alice.readOnlyStateStore;
  assert.is(store.activeCall$.get(), call);
  const local = store.localParticipant$.get();
  assert.is(local?.sessionId, call.sessionId);
  assert.is(local?.userId, 'alice');
  assert.is(local?.user.name, 'Alice');
  assert.is(local?.isLocalParticipant, true);
  assert.is(local?.isPinned, false);
  assert.is(local?.role, 'admin');
  assert.instance(local?.joinedAt, Date);
  assert.equal(ids(store.participants$.get()), [call.sessionId]);
  assert.is(store.remoteParticipants$.get().size, 0);
  assert.is(call.participants.size, 1);
  // The server has the session, on the chosen edge's call.
  assert.equal([...h.c.state.calls.get(call.cid)!.participants.keys()], [call.sessionId]);
}

test('joinCall right after connecting does not wait for the edge measurement: the server picks', async () => {
  // The edges answer their probes only after a minute, and the client waits that long for
  // them: a join that waited for the measurement would hang.
  const h = await Harness.start({ edgeLatencyMs: { 'edge-a': 60_000, 'edge-b': 60_000 } });
  try {
    const alice = await h.connect('alice', { ...meeting, opts: { timeouts: { edgeMeasurementMs: 60_000 } } });
    const call = await within(alice.joinCall(uniqueId(), 'default'), 'a join that does not wait for the edge measurement', WAIT_MS);
    assert.equal(inspectClient(alice).edgeLatency, {}, 'nothing measured yet');
    assert.ok(['edge-a', 'edge-b'].includes(call.credentials.edgeName));
  } finally {
    await h.close();
  }
});

test('joinCall: the same call twice (one after the other or at once) returns the same Call', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const id = uniqueId();
  const [a, b] = await Promise.all([alice.joinCall(id, 'default'), alice.joinCall(id, 'default')]);
  assert.is(a, b);
  assert.is(await alice.joinCall(id, 'default'), a);
  assert.is(h.c.state.calls.get(a.cid)!.participants.size, 1, 'one session on the server');
});

test('joinCall: another call while in one (or while joining one) is failed_precondition', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const first = uniqueId();
  const second = uniqueId();
  const joining = alice.joinCall(first, 'default');
  await expectError(alice.joinCall(second, 'default'), 'failed_precondition');
  const call = await joining;
  await expectError(alice.joinCall(second, 'default'), 'failed_precondition');
  assert.is(alice.readOnlyStateStore.activeCall$.get(), call);
  assert.not.ok(h.c.state.calls.has(`default:${second}`), 'the second call was never created');
  // After leaving, the other call can be joined.
  await call.leave();
  assert.is(call.hasLeft, true);
  assert.is(alice.readOnlyStateStore.activeCall$.get(), undefined);
  assert.is(alice.readOnlyStateStore.participants$.get().size, 0);
  const next = await alice.joinCall(second, 'default');
  assert.is(alice.readOnlyStateStore.activeCall$.get(), next);
});

test('participants: joins and leaves are seen by the others, in join order', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const carol = await h.connect('carol', meeting);
  const id = uniqueId();
  const aliceCall = await alice.joinCall(id, 'default', { members: [{ userId: 'bob' }, { userId: 'carol' }] });
  const bobJoined = nextEvent(alice, 'call.participant_joined', (e) => e.participant?.user?.id === 'bob');
  const bobCall = await bob.joinCall(id, 'default');
  const event = await bobJoined;
  assert.is(event.callCid, aliceCall.cid);
  assert.is(event.participant?.sessionId, bobCall.sessionId);
  const carolCall = await carol.joinCall(id, 'default');
  await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 3, 'alice sees 3 participants');
  await waitFor(bob.readOnlyStateStore.participants$, (l) => l.has(carolCall.sessionId), 'bob sees carol');

  const order = [aliceCall.sessionId, bobCall.sessionId, carolCall.sessionId];
  for (const [who, client, call] of [
    ['alice', alice, aliceCall],
    ['bob', bob, bobCall],
    ['carol', carol, carolCall],
  ] as const) {
    const store = client.readOnlyStateStore;
    assert.equal(ids(store.participants$.get()), order, `${who}: participants$`);
    assert.equal(
      ids(store.remoteParticipants$.get()),
      order.filter((s) => s !== call.sessionId),
      `${who}: remoteParticipants$`,
    );
    assert.is(store.localParticipant$.get()?.sessionId, call.sessionId, `${who}: localParticipant$`);
    assert.equal(
      store.participants$
        .get()
        .toArray()
        .map((p) => p.isLocalParticipant),
      order.map((s) => s === call.sessionId),
    );
    assert.equal(
      store.participants$
        .get()
        .toArray()
        .map((p) => p.userId),
      ['alice', 'bob', 'carol'],
    );
  }
  assert.is(aliceCall.participants.get(bobCall.sessionId)?.role, 'member');

  const left = nextEvent(alice, 'call.participant_left', (e) => e.participant?.sessionId === bobCall.sessionId);
  await bobCall.leave();
  await left;
  assert.equal(ids(alice.readOnlyStateStore.participants$.get()), [aliceCall.sessionId, carolCall.sessionId]);
  await waitFor(carol.readOnlyStateStore.remoteParticipants$, (l) => l.size === 1, "carol's remote participants");
  assert.equal(ids(carol.readOnlyStateStore.remoteParticipants$.get()), [aliceCall.sessionId]);
  assert.is(bob.readOnlyStateStore.activeCall$.get(), undefined);
  assert.is(bob.readOnlyStateStore.participants$.get().size, 0);
});

test('setParticipantIsPinned: pinned in join order, isPinned flag, unpin, unknown session is not_found', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const carol = await h.connect('carol', meeting);
  const id = uniqueId();
  // An open call type: bob and carol, who are no members, may join.
  const aliceCall = await alice.joinCall(id, 'audio_room');
  const bobCall = await bob.joinCall(id, 'audio_room');
  const carolCall = await carol.joinCall(id, 'audio_room');
  const store = alice.readOnlyStateStore;
  await waitFor(store.participants$, (l) => l.size === 3, 'alice sees 3 participants');

  expectThrows(() => alice.setParticipantIsPinned('no-such-session', true), 'not_found');
  expectThrows(() => alice.setParticipantIsPinned('', true), 'invalid_argument', 'sessionId');
  expectThrows(() => alice.setParticipantIsPinned(bobCall.sessionId, 'yes' as never), 'invalid_argument', 'isPinned');
  assert.is(store.pinnedParticipants$.get().size, 0);

  assert.is(alice.setParticipantIsPinned(carolCall.sessionId, true), undefined);
  alice.setParticipantIsPinned(bobCall.sessionId, true);
  alice.setParticipantIsPinned(aliceCall.sessionId, true);
  // In join order, whatever the order of the pins (as the vendor's pinnedParticipants$).
  assert.equal(ids(store.pinnedParticipants$.get()), [aliceCall.sessionId, bobCall.sessionId, carolCall.sessionId]);
  assert.is(store.participants$.get().get(carolCall.sessionId)?.isPinned, true);
  assert.is(store.localParticipant$.get()?.isPinned, true);
  // Pinning again changes nothing; unpinning removes; pinning again puts it back in its place.
  alice.setParticipantIsPinned(carolCall.sessionId, true);
  alice.setParticipantIsPinned(bobCall.sessionId, false);
  assert.equal(ids(store.pinnedParticipants$.get()), [aliceCall.sessionId, carolCall.sessionId]);
  assert.is(store.participants$.get().get(bobCall.sessionId)?.isPinned, false);
  alice.setParticipantIsPinned(bobCall.sessionId, true);
  assert.equal(ids(store.pinnedParticipants$.get()), [aliceCall.sessionId, bobCall.sessionId, carolCall.sessionId]);
  // The join order of participants$ does not change with pins.
  assert.equal(ids(store.participants$.get()), [aliceCall.sessionId, bobCall.sessionId, carolCall.sessionId]);
  // Pins are local: bob sees nothing pinned.
  assert.is(bob.readOnlyStateStore.pinnedParticipants$.get().size, 0);
  // A pinned participant who leaves is unpinned.
  const left = nextEvent(alice, 'call.participant_left');
  await bobCall.leave();
  await left;
  assert.equal(ids(store.pinnedParticipants$.get()), [aliceCall.sessionId, carolCall.sessionId]);
  expectThrows(() => alice.setParticipantIsPinned(bobCall.sessionId, true), 'not_found');
  // Without an active call there is nothing to pin.
  await aliceCall.leave();
  expectThrows(() => alice.setParticipantIsPinned(carolCall.sessionId, true), 'not_found');
  assert.is(store.pinnedParticipants$.get().size, 0);
});

test.run();
