/**
 * Contract: SendCallEvent (accepted, rejected, cancelled, custom) through the generated client.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import {
  CallEventType,
  EndCallRequest,
  GetOrCreateCallRequest,
  JoinCallRequest,
  SendCallEventRequest,
  UpdateCallMembersRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import { RingResponse } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator } from '../helpers/rpc';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ c: LocalCoordinator }>(import.meta.url, { c: undefined as never }, 'SendCallEvent');
test.before(async (ctx) => {
  ctx.c = await startCoordinator();
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const USERS = ['alice', 'bob', 'carol', 'dave'];

/** alice rings bob and carol in <type>:<id> (a `default` call unless told); dave is not a member. */
async function ringing(c: LocalCoordinator, json: boolean, ring = true, type = 'default') {
  const [alice, bob, carol, dave] = await Promise.all(USERS.map((u) => rpcClient(c, u, { json })));
  const id = uniqueId('ring');
  const created = await alice.getOrCreateCall(
    GetOrCreateCallRequest.create({
      type,
      id,
      ring,
      data: {
        members: [
          { userId: 'bob', role: '' },
          { userId: 'carol', role: '' },
        ],
      },
    }),
  );
  assert.is(created.response.call!.call!.ringing, ring);
  const send = (client: CoordinatorServiceClient, eventType: CallEventType, custom?: object) =>
    client.sendCallEvent(SendCallEventRequest.create({ type, id, eventType, custom: custom ? Struct.fromJson(custom as never) : undefined }));
  const join = (client: CoordinatorServiceClient, sessionId: string) => client.joinCall(JoinCallRequest.create({ type, id, sessionId }));
  const seq = Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)]));
  return { alice: alice, bob: bob, carol: carol, dave: dave, id, cid: `${type}:${id}`, send, join, seq };
}

/** Asserts that each of `users` got exactly `kinds` since `seq`, each by `by`. */
function assertEvents(c: LocalCoordinator, seq: Record<string, number>, users: string[], kinds: string[], by?: string): void {
  for (const user of users) {
    const events = eventsOf(c, user, seq[user]);
    assert.equal(kindsOf(events), kinds, `events of ${user}`);
    if (by === undefined) continue;
    for (const e of events) {
      const p = e.payload as { oneofKind: string } & Record<string, { user?: { id: string } }>;
      assert.is(p[p.oneofKind]?.user?.id, by, `${p.oneofKind} of ${user} names ${by}`);
    }
  }
}

const { ACCEPTED, REJECTED, CANCELLED, CUSTOM, UNSPECIFIED } = CallEventType;

for (const { json, label } of FORMATS) {
  test(`accept: stops the ring, tells everyone once (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    const { response } = await r.send(r.bob, ACCEPTED);
    assert.is(response.call!.call!.cid, r.cid);
    assert.is(response.call!.call!.ringing, false);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callAccepted'], 'bob');
    assertEvents(c, r.seq, ['dave'], []);

    // accepting twice is one answer
    const again = await r.send(r.bob, ACCEPTED);
    assert.is(again.response.call!.call!.ringing, false);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callAccepted']);

    // changing the answer is refused
    await expectRpcError(r.send(r.bob, REJECTED), 'failed_precondition');
    assertEvents(c, r.seq, ['alice'], ['callAccepted']);
  });

  test(`reject: the ring stops only when every callee rejected; once per callee (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    const first = await r.send(r.bob, REJECTED);
    assert.is(first.response.call!.call!.ringing, true, 'carol is still rung');
    await r.send(r.bob, REJECTED);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callRejected'], 'bob');
    const last = await r.send(r.carol, REJECTED);
    assert.is(last.response.call!.call!.ringing, false);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callRejected', 'callRejected']);
    await expectRpcError(r.send(r.carol, ACCEPTED), 'failed_precondition');
  });

  test(`CallState.rung_members: whom the call rang and how each answered, for a re-sync (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    const rung = async (client: CoordinatorServiceClient, id = r.id) =>
      (await client.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id }))).response.call!.rungMembers;
    assert.equal(
      (await rung(r.alice)).map((m) => [m.userId, m.response, m.answeredAt]),
      [
        ['bob', RingResponse.UNSPECIFIED, undefined],
        ['carol', RingResponse.UNSPECIFIED, undefined],
      ],
    );
    await r.send(r.carol, CallEventType.REJECTED);
    await r.send(r.bob, CallEventType.ACCEPTED);
    const answered = await rung(r.bob);
    assert.equal(
      answered.map((m) => [m.userId, m.response]),
      [
        ['bob', RingResponse.ACCEPTED],
        ['carol', RingResponse.REJECTED],
      ],
    );
    for (const m of answered) assert.ok(m.answeredAt && m.answeredAt.seconds > 0, `${m.userId}: when`);
    const unrung = await ringing(c, json, false);
    assert.equal(await rung(unrung.alice, unrung.id), [], 'a call created without a ring rang no one');
  });

  test(`accept / reject: only members, never the creator (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    for (const type of [ACCEPTED, REJECTED]) {
      await expectRpcError(r.send(r.dave, type), 'permission_denied');
      await expectRpcError(r.send(r.alice, type), 'failed_precondition');
    }
    // a non-member may not join a default call; one who joined an open call is still no callee
    await expectRpcError(r.join(r.dave, 'dave-1'), 'permission_denied');
    const state = await r.alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: r.id }));
    assert.is(state.response.call!.call!.ringing, true, 'denied answers change nothing');
    assertEvents(c, r.seq, USERS, []);
    const open = await ringing(c, json, true, 'audio_room');
    await open.join(open.dave, 'dave-1');
    await expectRpcError(open.send(open.dave, ACCEPTED), 'permission_denied');
    assertEvents(c, open.seq, ['alice', 'bob', 'carol'], ['participantJoined']);
  });

  test(`accept / reject: only a member the call rang (${label})`, async ({ c }) => {
    // a call that never rang: its members have nothing to answer
    const quiet = await ringing(c, json, false);
    for (const type of [ACCEPTED, REJECTED]) await expectRpcError(quiet.send(quiet.bob, type), 'failed_precondition');
    assertEvents(c, quiet.seq, USERS, []);
    // a member added after the ring was not rung
    const r = await ringing(c, json);
    await r.alice.updateCallMembers(UpdateCallMembersRequest.create({ type: 'default', id: r.id, updateMembers: [{ userId: 'dave', role: '' }] }));
    const seq = seqOf(c, 'alice');
    await expectRpcError(r.send(r.dave, ACCEPTED), 'failed_precondition');
    assert.is(seqOf(c, 'alice'), seq, 'the refused answer published nothing');
    await r.send(r.bob, ACCEPTED);
  });

  test(`cancel: only the creator, once; answers afterwards are refused (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    for (const client of [r.bob, r.dave]) await expectRpcError(r.send(client, CANCELLED), 'permission_denied');
    assertEvents(c, r.seq, USERS, []);

    const { response } = await r.send(r.alice, CANCELLED);
    assert.is(response.call!.call!.ringing, false);
    await r.send(r.alice, CANCELLED);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callCancelled'], 'alice');
    assertEvents(c, r.seq, ['dave'], []);

    await expectRpcError(r.send(r.bob, ACCEPTED), 'failed_precondition');
    await expectRpcError(r.send(r.carol, REJECTED), 'failed_precondition');
    // ringing a cancelled call rings nobody
    const again = await r.alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: r.id, ring: true }));
    assert.is(again.response.call!.call!.ringing, false);
    assertEvents(c, r.seq, ['bob', 'carol'], ['callCancelled']);
  });

  test(`cancel: refused once a callee accepted, or after the call ended (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    await r.send(r.bob, ACCEPTED);
    await expectRpcError(r.send(r.alice, CANCELLED), 'failed_precondition');
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['callAccepted']);

    const r2 = await ringing(c, json);
    await r2.alice.endCall(EndCallRequest.create({ type: 'default', id: r2.id }));
    await expectRpcError(r2.send(r2.alice, CANCELLED), 'failed_precondition');
    await expectRpcError(r2.send(r2.bob, ACCEPTED), 'failed_precondition');
    assertEvents(c, r2.seq, ['alice', 'bob', 'carol'], ['callEnded']);
  });

  test(`custom: members and participants send to everyone in the call (${label})`, async ({ c }) => {
    const r = await ringing(c, json, false);
    const payload = { kind: 'reaction', emoji: '👍', n: 2, nested: { ok: true, list: [1, 'x', null] } };
    const { response } = await r.send(r.carol, CUSTOM, payload);
    assert.is(response.call!.call!.cid, r.cid);
    assertEvents(c, r.seq, ['alice', 'bob', 'carol'], ['custom'], 'carol');
    assertEvents(c, r.seq, ['dave'], []);
    const event = eventsOf(c, 'bob', r.seq.bob)[0].payload;
    assert.ok(event.oneofKind === 'custom');
    assert.equal(Struct.toJson(event.custom.custom!), payload);

    // a stranger may not
    await expectRpcError(r.send(r.dave, CUSTOM, { x: 1 }), 'permission_denied');
    // in an open call, a stranger may once joined
    const open = await ringing(c, json, false, 'livestream');
    await expectRpcError(open.send(open.dave, CUSTOM, { x: 1 }), 'permission_denied');
    await open.join(open.dave, 'dave-1');
    const seq = seqOf(c, 'alice');
    await open.send(open.dave, CUSTOM, { x: 1 });
    assert.equal(kindsOf(eventsOf(c, 'alice', seq)), ['custom']);
    assert.is(open.seq.dave + 2, seqOf(c, 'dave'), 'dave got his join and his custom event');
  });

  test(`custom: refused once the call ended (${label})`, async ({ c }) => {
    const r = await ringing(c, json, false);
    await r.alice.endCall(EndCallRequest.create({ type: 'default', id: r.id }));
    const seq = Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)]));
    for (const client of [r.alice, r.bob]) await expectRpcError(r.send(client, CUSTOM, { x: 1 }), 'failed_precondition');
    assertEvents(c, seq, USERS, []);
  });

  test(`invalid requests (${label})`, async ({ c }) => {
    const r = await ringing(c, json);
    const noCustom = await expectRpcError(r.send(r.bob, CUSTOM), 'invalid_argument');
    assert.is(noCustom.meta.argument, 'custom');
    const noType = await expectRpcError(r.send(r.bob, UNSPECIFIED), 'invalid_argument');
    assert.is(noType.meta.argument, 'event_type');
    const noId = await expectRpcError(r.bob.sendCallEvent(SendCallEventRequest.create({ type: 'default', eventType: ACCEPTED })), 'invalid_argument');
    assert.is(noId.meta.argument, 'id');
    const badType = await expectRpcError(
      r.bob.sendCallEvent(SendCallEventRequest.create({ type: 'meeting', id: r.id, eventType: ACCEPTED })),
      'invalid_argument',
    );
    assert.is(badType.meta.argument, 'type');
    await expectRpcError(r.bob.sendCallEvent(SendCallEventRequest.create({ type: 'default', id: uniqueId('nope'), eventType: ACCEPTED })), 'not_found');
    assertEvents(c, r.seq, USERS, []);
  });
}

test.run();
