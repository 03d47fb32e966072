/**
 * Contract: JoinCall, LeaveCall, EndCall through the generated client.
 */
import * as assert from 'uvu/assert';
import { EndCallRequest, GetOrCreateCallRequest, JoinCallRequest, LeaveCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator } from '../helpers/rpc';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ c: LocalCoordinator }>(import.meta.url, { c: undefined as never }, 'JoinCall / LeaveCall / EndCall');
test.before(async (ctx) => {
  ctx.c = await startCoordinator();
});
test.after(async (ctx) => {
  await ctx.c.close();
});

/**
 * alice creates <type>:<id> (default: a `default` call) with bob as member and dave as
 * moderator; carol is no member.
 */
async function setup(c: LocalCoordinator, json: boolean, type = 'default') {
  const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => rpcClient(c, u, { json })));
  const id = uniqueId('session');
  await alice.getOrCreateCall(
    GetOrCreateCallRequest.create({
      type,
      id,
      data: {
        members: [
          { userId: 'bob', role: '' },
          { userId: 'dave', role: 'moderator' },
        ],
      },
    }),
  );
  const join = (client: CoordinatorServiceClient, sessionId: string) => client.joinCall(JoinCallRequest.create({ type, id, sessionId }));
  const leave = (client: CoordinatorServiceClient, sessionId: string) => client.leaveCall(LeaveCallRequest.create({ type, id, sessionId }));
  const end = (client: CoordinatorServiceClient) => client.endCall(EndCallRequest.create({ type, id }));
  const get = (client: CoordinatorServiceClient) => client.getOrCreateCall(GetOrCreateCallRequest.create({ type, id }));
  return { alice: alice, bob: bob, carol: carol, dave: dave, id, type, cid: `${type}:${id}`, join, leave, end, get };
}

function marks(c: LocalCoordinator, users: string[]): Record<string, number> {
  return Object.fromEntries(users.map((u) => [u, seqOf(c, u)]));
}

for (const { json, label } of FORMATS) {
  test(`JoinCall: joins once per session, tells everyone in the call (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const seq = marks(c, ['alice', 'bob', 'carol', 'dave']);
    const { response } = await s.join(s.bob, 'bob-phone');
    assert.is(response.joined, true);
    assert.is(response.call!.call!.cid, s.cid);
    assert.equal(
      response.call!.participants.map((p) => [p.user?.id, p.sessionId, p.role]),
      [['bob', 'bob-phone', 'member']],
    );
    assert.ok(response.call!.participants[0].joinedAt);

    for (const user of ['alice', 'bob', 'dave']) {
      const events = eventsOf(c, user, seq[user]);
      assert.equal(kindsOf(events), ['participantJoined'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'participantJoined');
      assert.equal([p.participantJoined.participant?.user?.id, p.participantJoined.participant?.sessionId], ['bob', 'bob-phone']);
      assert.is(events[0].callCid, s.cid);
    }
    assert.equal(eventsOf(c, 'carol', seq.carol), [], 'a non-member outside the call hears nothing');

    // the same session again: nothing changes, no second event
    const again = await s.join(s.bob, 'bob-phone');
    assert.is(again.response.joined, false);
    assert.is(again.response.call!.participants.length, 1);
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['participantJoined']);

    // a second device is a second participant
    const second = await s.join(s.bob, 'bob-laptop');
    assert.is(second.response.joined, true);
    assert.equal(second.response.call!.participants.map((p) => p.sessionId).sort(), ['bob-laptop', 'bob-phone']);
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['participantJoined', 'participantJoined']);
  });

  test(`JoinCall: a non-member may not join a default call; nothing is published (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const seq = marks(c, ['alice', 'bob', 'carol', 'dave']);
    const err = await expectRpcError(s.join(s.carol, 'carol-1'), 'permission_denied');
    assert.is(err.meta.capability, 'join-call');
    for (const user of ['alice', 'bob', 'carol', 'dave']) assert.equal(eventsOf(c, user, seq[user]), [], user);
    assert.is(c.state.calls.get(s.cid)!.participants.size, 0);
  });

  test(`JoinCall: a non-member may join an open (audio_room) call and then hears the call's events (${label})`, async ({ c }) => {
    const s = await setup(c, json, 'audio_room');
    const seq = marks(c, ['carol']);
    const { response } = await s.join(s.carol, 'carol-1');
    assert.is(response.joined, true);
    assert.is(response.call!.participants[0].role, 'user');
    assert.equal(response.call!.ownCapabilities, ['join-call', 'read-call']);
    await s.join(s.alice, 'alice-1');
    assert.equal(kindsOf(eventsOf(c, 'carol', seq.carol)), ['participantJoined', 'participantJoined']);
  });

  test(`JoinCall: denials (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.join(s.bob, 'shared');
    await expectRpcError(s.join(s.alice, 'shared'), 'already_exists');
    const missing = await expectRpcError(s.join(s.alice, ''), 'invalid_argument');
    assert.is(missing.meta.argument, 'session_id');
    const spaced = await expectRpcError(s.join(s.alice, 'has space'), 'invalid_argument');
    assert.is(spaced.meta.argument, 'session_id');
    const noType = await expectRpcError(s.alice.joinCall(JoinCallRequest.create({ id: s.id, sessionId: 'x' })), 'invalid_argument');
    assert.is(noType.meta.argument, 'type');
    const badType = await expectRpcError(s.alice.joinCall(JoinCallRequest.create({ type: 'conference', id: s.id, sessionId: 'x' })), 'invalid_argument');
    assert.is(badType.meta.argument, 'type');
    await s.end(s.alice);
    await expectRpcError(s.join(s.bob, 'late'), 'failed_precondition');
  });

  test(`JoinCall: a call that does not exist is created, its joiner its admin, the members told (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const id = uniqueId('new');
    const seq = marks(c, ['alice', 'bob']);
    const { response } = await s.alice.joinCall(
      JoinCallRequest.create({ type: 'default', id, sessionId: 'a-1', data: { members: [{ userId: 'bob', role: '' }] } }),
    );
    assert.is(response.created, true);
    assert.is(response.joined, true);
    assert.equal(response.call!.members.map((m) => [m.userId, m.role]).sort(), [
      ['alice', 'admin'],
      ['bob', 'member'],
    ]);
    assert.equal(kindsOf(eventsOf(c, 'bob', seq.bob)), ['callCreated', 'participantJoined']);
    const again = await s.alice.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: 'a-1' }));
    assert.equal([again.response.created, again.response.joined], [false, false]);
  });

  test(`JoinCall with accept: the accept and the join in one request, once; a refused join leaves no accept (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const ringing = await s.alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: s.id, ring: true }));
    assert.ok(ringing.response.call!.call!.ringing);
    const seq = marks(c, ['alice', 'bob']);
    const accept = () => s.bob.joinCall(JoinCallRequest.create({ type: 'default', id: s.id, sessionId: 'bob-accepts', accept: true }));
    const { response } = await accept();
    assert.is(response.joined, true);
    assert.is(response.call!.call!.ringing, false, 'the accept ended the ring');
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['callAccepted', 'participantJoined']);
    // Sent again (a retry): no second accept, no second join.
    assert.is((await accept()).response.joined, false);
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['callAccepted', 'participantJoined']);
    // Another member whose join is refused (the call ended): nothing accepted.
    await s.end(s.alice);
    const before = marks(c, ['alice']);
    await expectRpcError(s.dave.joinCall(JoinCallRequest.create({ type: 'default', id: s.id, sessionId: 'dave-1', accept: true })), 'failed_precondition');
    assert.equal(kindsOf(eventsOf(c, 'alice', before.alice)), []);
    assert.is(c.state.calls.get(s.cid)!.answers.has('dave'), false);
  });

  test(`LeaveCall: leaves once, tells everyone including the leaver (${label})`, async ({ c }) => {
    // an open call type, so that carol, who is no member, may join
    const s = await setup(c, json, 'audio_room');
    await s.join(s.bob, 'bob-1');
    await s.join(s.carol, 'carol-1');
    const seq = marks(c, ['alice', 'bob', 'carol', 'dave']);
    const { response } = await s.leave(s.carol, 'carol-1');
    assert.is(response.left, true);
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, seq[user]);
      assert.equal(kindsOf(events), ['participantLeft'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'participantLeft');
      assert.equal([p.participantLeft.participant?.user?.id, p.participantLeft.participant?.sessionId], ['carol', 'carol-1']);
    }

    // idempotent: leaving again changes nothing
    const again = await s.leave(s.carol, 'carol-1');
    assert.is(again.response.left, false);
    const unknown = await s.leave(s.alice, 'never-joined');
    assert.is(unknown.response.left, false);
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['participantLeft']);

    // carol left and is no member: she no longer hears the call
    const carolSeq = seqOf(c, 'carol');
    await s.leave(s.bob, 'bob-1');
    assert.equal(eventsOf(c, 'carol', carolSeq), []);
    const state = await s.get(s.alice);
    assert.equal(state.response.call!.participants, []);
  });

  test(`LeaveCall: denials (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.join(s.bob, 'bob-1');
    await expectRpcError(s.leave(s.alice, 'bob-1'), 'permission_denied');
    const missing = await expectRpcError(s.leave(s.bob, ''), 'invalid_argument');
    assert.is(missing.meta.argument, 'session_id');
    const noId = await expectRpcError(s.bob.leaveCall(LeaveCallRequest.create({ type: 'default', sessionId: 'bob-1' })), 'invalid_argument');
    assert.is(noId.meta.argument, 'id');
    await expectRpcError(s.bob.leaveCall(LeaveCallRequest.create({ type: 'default', id: uniqueId('nope'), sessionId: 'bob-1' })), 'not_found');
    const after = await s.bob.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: s.id }));
    assert.is(after.response.call!.participants.length, 1, 'the denied leave changed nothing');
  });

  test(`EndCall: ends for everyone once; the call then refuses joins (${label})`, async ({ c }) => {
    // an open call type, so that carol, who is no member, may join
    const s = await setup(c, json, 'livestream');
    await s.join(s.bob, 'bob-1');
    await s.join(s.carol, 'carol-1');
    const seq = marks(c, ['alice', 'bob', 'carol', 'dave']);
    const { response } = await s.end(s.alice);
    assert.equal(response, {});
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, seq[user]);
      assert.equal(kindsOf(events), ['callEnded'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callEnded');
      assert.is(p.callEnded.user?.id, 'alice');
    }
    const state = await s.get(s.bob);
    const call = state.response.call!;
    assert.ok(call.call!.endedAt, 'ended_at is set');
    assert.equal(call.participants, [], 'everyone was disconnected');
    assert.is(call.call!.ringing, false);

    // idempotent: a second end (by a moderator) sends nothing
    await s.end(s.dave);
    assert.equal(kindsOf(eventsOf(c, 'bob', seq.bob)), ['callEnded']);
    await expectRpcError(s.join(s.alice, 'alice-1'), 'failed_precondition');
  });

  test(`EndCall: a moderator may end; a plain member or a stranger may not (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const seq = marks(c, ['alice']);
    for (const client of [s.bob, s.carol]) {
      const err = await expectRpcError(s.end(client), 'permission_denied');
      assert.is(err.meta.capability, 'end-call');
    }
    assert.equal(eventsOf(c, 'alice', seq.alice), [], 'denied ends send nothing');
    await s.end(s.dave);
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['callEnded']);
    await expectRpcError(s.alice.endCall(EndCallRequest.create({ type: 'default', id: uniqueId('nope') })), 'not_found');
    const noType = await expectRpcError(s.alice.endCall(EndCallRequest.create({ id: s.id })), 'invalid_argument');
    assert.is(noType.meta.argument, 'type');
  });
}

test('with no edge server: a join is unavailable, leaves no participant, and a non-member still gets permission_denied first', async () => {
  const c = await startCoordinator({ edges: [] });
  try {
    const { alice, carol, join, get } = await setup(c, false);
    await expectRpcError(join(carol, 'carol-1'), 'permission_denied');
    await expectRpcError(join(alice, 'alice-1'), 'unavailable');
    const { call } = await get(alice).response;
    assert.equal(call?.participants, []);
  } finally {
    await c.close();
  }
});

test.run();
