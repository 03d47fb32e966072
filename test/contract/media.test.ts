/**
 * Contract: SendSignals and UpdatePublishedTracks through the generated client over real HTTP,
 * the signalling relay's authorization and dedup, the mesh limit, the revoke that unpublishes,
 * and the ICE servers of a call type.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type CallInput,
  GetOrCreateCallRequest,
  JoinCallRequest,
  LeaveCallRequest,
  SendSignalsRequest,
  UpdatePublishedTracksRequest,
  UpdateUserPermissionsRequest,
  type OutgoingSignals,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { PeerType, SdpType, TrackType, type Signal } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator, uniqueId } from '../helpers/rpc';

const test = suite<{ c: LocalCoordinator }>('SendSignals / UpdatePublishedTracks', { c: undefined as never });
test.before(async (ctx) => {
  ctx.c = await startCoordinator({ iceServers: { development: [{ urls: ['stun:stun.example.test:3478'], username: '', password: '' }] } });
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const offer = (seq: number, sdp = `v=0 offer ${seq}`): Signal => ({
  seq,
  generation: 0,
  peerType: PeerType.UNSPECIFIED,
  kind: {
    oneofKind: 'description',
    description: { type: SdpType.OFFER, sdp, trackTypes: { '0': TrackType.AUDIO, '1': TrackType.VIDEO }, trackSessionIds: {} },
  },
});
const candidate = (seq: number, line = `candidate:${seq} 1 udp 2122260223 127.0.0.1 5${seq} typ host`): Signal => ({
  seq,
  generation: 0,
  peerType: PeerType.UNSPECIFIED,
  kind: { oneofKind: 'candidate', candidate: { candidate: line, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' } },
});

/** alice creates a default call with bob as member; alice, bob (and carol, a non-member) have clients. */
async function setup(c: LocalCoordinator, json: boolean, data: Partial<CallInput> = {}) {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => rpcClient(c, u, { json })));
  const id = uniqueId('media');
  await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, data: { members: [{ userId: 'bob', role: '' }], ...data } }));
  const join = (client: CoordinatorServiceClient, sessionId: string, callId = id) =>
    client.joinCall(JoinCallRequest.create({ type: 'default', id: callId, sessionId }));
  const send = (client: CoordinatorServiceClient, sessionId: string, targets: OutgoingSignals[], callId = id) =>
    client.sendSignals(SendSignalsRequest.create({ type: 'default', id: callId, sessionId, targets }));
  const publish = (client: CoordinatorServiceClient, sessionId: string, publishedTracks: TrackType[]) =>
    client.updatePublishedTracks(UpdatePublishedTracksRequest.create({ type: 'default', id, sessionId, publishedTracks }));
  return { alice: alice, bob: bob, carol: carol, id, cid: `default:${id}`, join, send, publish };
}

/** The call.signal payloads `user` received after `after`. */
function signalsOf(c: LocalCoordinator, user: string, after: number) {
  return eventsOf(c, user, after).flatMap((e: Event) => (e.payload.oneofKind === 'callSignal' ? [e.payload.callSignal] : []));
}

for (const { json, label } of FORMATS) {
  test(`SendSignals: relays to the target user's stream, in order, with both sessions named (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.join(s.alice, 'a-1');
    await s.join(s.bob, 'b-1');
    const [aliceSeq, bobSeq] = [seqOf(c, 'alice'), seqOf(c, 'bob')];
    const { response } = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [offer(1), candidate(2), candidate(3)] }]);
    assert.equal([response.delivered, response.duplicates, response.undeliverable], [3, 0, 0]);
    const got = signalsOf(c, 'bob', bobSeq);
    assert.is(got.length, 1, 'one event per request and target');
    assert.equal([got[0].fromUserId, got[0].fromSessionId, got[0].toSessionId], ['alice', 'a-1', 'b-1']);
    assert.equal(got[0].signals, [offer(1), candidate(2), candidate(3)]);
    assert.is(eventsOf(c, 'bob', bobSeq)[0].callCid, s.cid);
    assert.equal(eventsOf(c, 'alice', aliceSeq), [], 'the sender hears nothing');
    // Every kind of signal travels: an answer, the end of candidates, an ICE restart request.
    const more: Signal[] = [
      {
        seq: 1,
        generation: 0,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.ANSWER, sdp: 'v=0 answer', trackTypes: {}, trackSessionIds: {} } },
      },
      {
        seq: 2,
        generation: 0,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'candidate', candidate: { candidate: '', sdpMid: '', sdpMLineIndex: -1, usernameFragment: '' } },
      },
      { seq: 3, generation: 0, peerType: PeerType.UNSPECIFIED, kind: { oneofKind: 'iceRestart', iceRestart: {} } },
      {
        seq: 4,
        generation: 0,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.ROLLBACK, sdp: '', trackTypes: {}, trackSessionIds: {} } },
      },
    ];
    await s.send(s.bob, 'b-1', [{ toSessionId: 'a-1', signals: more }]);
    assert.equal(
      signalsOf(c, 'alice', aliceSeq).flatMap((e) => e.signals),
      more,
    );
  });

  test(`SendSignals: a retried request delivers nothing twice; counts per (sender, target) (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.alice, 'a-2'), s.join(s.bob, 'b-1')]);
    const [aliceSeq, bobSeq] = [seqOf(c, 'alice'), seqOf(c, 'bob')];
    const first = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [offer(1), candidate(2)] }]);
    assert.equal([first.response.delivered, first.response.duplicates], [2, 0]);
    // The same request again (its answer was lost), then one that repeats a part and adds more.
    const again = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [offer(1), candidate(2)] }]);
    assert.equal([again.response.delivered, again.response.duplicates], [0, 2]);
    const overlap = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [candidate(2), candidate(3), candidate(4)] }]);
    assert.equal([overlap.response.delivered, overlap.response.duplicates], [2, 1]);
    // Another sender session starts its own numbering; two targets in one request.
    const other = await s.send(s.alice, 'a-2', [
      { toSessionId: 'b-1', signals: [offer(1, 'from a-2')] },
      { toSessionId: 'a-1', signals: [candidate(1)] },
    ]);
    assert.equal([other.response.delivered, other.response.duplicates], [2, 0]);
    const got = signalsOf(c, 'bob', bobSeq);
    assert.equal(
      got.map((e) => [e.fromSessionId, e.signals.map((x) => x.seq)]),
      [
        ['a-1', [1, 2]],
        ['a-1', [3, 4]],
        ['a-2', [1]],
      ],
      'each signal once, in order',
    );
    // alice's own other session is a target like any other: her stream carries it, to a-1.
    const toSelf = signalsOf(c, 'alice', aliceSeq).filter((e) => e.toSessionId === 'a-1');
    assert.equal(
      toSelf.map((e) => [e.fromSessionId, e.signals.length]),
      [['a-2', 1]],
    );
  });

  test(`SendSignals: only a participant, from its own session, to a participant of the same call (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const other = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1'), other.join(other.alice, 'a-other')]);
    const to = (toSessionId: string): OutgoingSignals[] => [{ toSessionId, signals: [candidate(1)] }];
    const bobSeq = seqOf(c, 'bob');
    // carol is not in the call (with a made-up session, or bob's).
    await expectRpcError(s.send(s.carol, 'c-1', to('b-1')), 'permission_denied');
    await expectRpcError(s.send(s.carol, 'b-1', to('a-1')), 'permission_denied');
    // alice's session in another call, or to a session of another call.
    await expectRpcError(s.send(s.alice, 'a-other', to('b-1')), 'permission_denied');
    const foreign = await expectRpcError(s.send(s.alice, 'a-1', to('a-other')), 'permission_denied');
    assert.is(foreign.meta['to_session_id'], 'a-other');
    const unknown = await expectRpcError(s.send(s.alice, 'a-1', to('nobody')), 'permission_denied');
    assert.is(unknown.meta['to_session_id'], 'nobody');
    // A refused request relays nothing, not even its valid part.
    await expectRpcError(s.send(s.alice, 'a-1', [...to('b-1'), ...to('nobody')]), 'permission_denied');
    assert.equal(signalsOf(c, 'bob', bobSeq), []);
    // Malformed requests.
    const self = await expectRpcError(s.send(s.alice, 'a-1', to('a-1')), 'invalid_argument');
    assert.is(self.meta['argument'], 'targets[0].to_session_id');
    assert.is((await expectRpcError(s.send(s.alice, 'a-1', []), 'invalid_argument')).meta['argument'], 'targets');
    assert.is((await expectRpcError(s.send(s.alice, '', to('b-1')), 'invalid_argument')).meta['argument'], 'session_id');
    const zero = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [candidate(0)] }]), 'invalid_argument');
    assert.is(zero.meta['argument'], 'targets[0].signals[0].seq');
    const empty = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [{ seq: 1, generation: 0, peerType: PeerType.UNSPECIFIED, kind: { oneofKind: undefined } }] }]),
      'invalid_argument',
    );
    assert.is(empty.meta['argument'], 'targets[0].signals[0].kind');
    await expectRpcError(s.send(s.alice, 'a-1', to('b-1'), uniqueId('nope')), 'not_found');
    // After bob leaves, signals to and from his session are dropped and counted (a leave
    // racing trickled candidates is no error).
    await s.bob.leaveCall(LeaveCallRequest.create({ type: 'default', id: s.id, sessionId: 'b-1' }));
    const late = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [candidate(1), candidate(2)] }]);
    assert.equal([late.response.delivered, late.response.duplicates, late.response.undeliverable], [0, 0, 2]);
    const fromGone = await s.send(s.bob, 'b-1', to('a-1')); // overtook his own leave
    assert.equal([fromGone.response.delivered, fromGone.response.undeliverable], [0, 1]);
    await expectRpcError(s.send(s.carol, 'b-1', to('a-1')), 'permission_denied'); // not carol's session
    assert.equal(signalsOf(c, 'bob', bobSeq), []);
  });

  test(`UpdatePublishedTracks: capability per track type, one event per change, idempotent (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1')]);
    const seq = { alice: seqOf(c, 'alice'), bob: seqOf(c, 'bob') };
    const { response } = await s.publish(s.bob, 'b-1', [TrackType.VIDEO, TrackType.AUDIO, TrackType.VIDEO]);
    assert.equal(response.participant?.publishedTracks, [TrackType.AUDIO, TrackType.VIDEO], 'sorted, each once');
    for (const user of ['alice', 'bob'] as const) {
      const events = eventsOf(c, user, seq[user]);
      assert.equal(kindsOf(events), ['participantUpdated'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'participantUpdated');
      assert.equal(
        [p.participantUpdated.participant?.sessionId, p.participantUpdated.participant?.publishedTracks],
        ['b-1', [TrackType.AUDIO, TrackType.VIDEO]],
      );
    }
    await s.publish(s.bob, 'b-1', [TrackType.AUDIO, TrackType.VIDEO]);
    assert.is(eventsOf(c, 'alice', seq.alice).length, 1, 'the same set again: no event');
    // A member of a default call may not share a screen; the refusal changes nothing.
    const denied = await expectRpcError(s.publish(s.bob, 'b-1', [TrackType.SCREEN_SHARE]), 'permission_denied');
    assert.is(denied.meta['capability'], 'screenshare');
    await s.publish(s.alice, 'a-1', [TrackType.SCREEN_SHARE]); // the admin may
    // Mute: the type leaves the set, and the state shows it.
    await s.publish(s.bob, 'b-1', [TrackType.AUDIO]);
    const state = c.state.calls.get(s.cid)!;
    assert.equal(
      state.toState('alice', c.state.users).participants.map((p) => [p.sessionId, p.publishedTracks]),
      [
        ['a-1', [TrackType.SCREEN_SHARE]],
        ['b-1', [TrackType.AUDIO]],
      ],
    );
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['participantUpdated', 'participantUpdated', 'participantUpdated']);
    // Denials.
    await expectRpcError(s.publish(s.alice, 'b-1', [TrackType.AUDIO]), 'permission_denied');
    await expectRpcError(s.publish(s.carol, 'c-1', []), 'permission_denied');
    const bad = await expectRpcError(s.publish(s.bob, 'b-1', [TrackType.UNSPECIFIED]), 'invalid_argument');
    assert.is(bad.meta['argument'], 'published_tracks');
  });

  test(`UpdatePublishedTracks: the mesh limit refuses one more publisher, joining still works (${label})`, async ({ c }) => {
    const s = await setup(c, json, {
      members: [
        { userId: 'bob', role: '' },
        { userId: 'dave', role: '' },
      ],
      settingsOverride: { media: { maxPublishers: 2, topology: '' }, requestablePermissions: [] },
    });
    const dave = await rpcClient(c, 'dave', { json });
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1'), s.join(s.alice, 'a-2'), s.join(dave, 'd-1')]);
    await s.publish(s.alice, 'a-1', [TrackType.AUDIO]);
    await s.publish(s.bob, 'b-1', [TrackType.AUDIO, TrackType.VIDEO]);
    const full = await expectRpcError(s.publish(s.alice, 'a-2', [TrackType.VIDEO]), 'resource_exhausted');
    assert.equal([full.meta['reason'], full.meta['limit']], ['mesh_limit', '2']);
    // A publisher changing its set is not a new publisher; unpublishing makes room.
    await s.publish(s.bob, 'b-1', [TrackType.VIDEO]);
    await s.publish(s.alice, 'a-1', []);
    await s.publish(s.alice, 'a-2', [TrackType.VIDEO]);
    await expectRpcError(s.publish(s.alice, 'a-1', [TrackType.AUDIO]), 'resource_exhausted');
    // Leaving makes room too.
    await s.bob.leaveCall(LeaveCallRequest.create({ type: 'default', id: s.id, sessionId: 'b-1' }));
    await s.publish(s.alice, 'a-1', [TrackType.AUDIO]);
  });

  test(`UpdateUserPermissions: a revoked send-video unpublishes the video of every session of the user (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1'), s.join(s.bob, 'b-2')]);
    await s.publish(s.bob, 'b-1', [TrackType.AUDIO, TrackType.VIDEO]);
    await s.publish(s.bob, 'b-2', [TrackType.VIDEO]);
    const aliceSeq = seqOf(c, 'alice');
    const { response } = await s.alice.updateUserPermissions(
      UpdateUserPermissionsRequest.create({ type: 'default', id: s.id, userId: 'bob', revokePermissions: ['send-video'] }),
    );
    assert.not.ok(response.capabilities.includes('send-video'));
    const events = eventsOf(c, 'alice', aliceSeq);
    assert.equal(kindsOf(events), ['permissionsUpdated', 'participantUpdated', 'participantUpdated']);
    const updated = events
      .slice(1)
      .map((e) =>
        e.payload.oneofKind === 'participantUpdated'
          ? [e.payload.participantUpdated.participant?.sessionId, e.payload.participantUpdated.participant?.publishedTracks]
          : [],
      );
    assert.equal(updated, [
      ['b-1', [TrackType.AUDIO]],
      ['b-2', []],
    ]);
    await expectRpcError(s.publish(s.bob, 'b-1', [TrackType.AUDIO, TrackType.VIDEO]), 'permission_denied');
    // Granted again: bob may publish video again; a revoke of what is not published emits no update.
    await s.alice.updateUserPermissions(UpdateUserPermissionsRequest.create({ type: 'default', id: s.id, userId: 'bob', grantPermissions: ['send-video'] }));
    await s.publish(s.bob, 'b-1', [TrackType.AUDIO, TrackType.VIDEO]);
    const before = seqOf(c, 'alice');
    await s.alice.updateUserPermissions(UpdateUserPermissionsRequest.create({ type: 'default', id: s.id, userId: 'bob', revokePermissions: ['screenshare'] }));
    assert.equal(kindsOf(eventsOf(c, 'alice', before)), ['permissionsUpdated']);
  });
}

test('JoinCall: no ICE servers by default; a call type may set them', async ({ c }) => {
  const alice = await rpcClient(c, 'alice');
  const id = uniqueId('ice');
  const plain = await alice.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: 'ice-1' }));
  assert.equal(plain.response.credentials?.iceServers, []);
  const configured = await alice.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'ice-2' }));
  assert.equal(configured.response.credentials?.iceServers, [{ urls: ['stun:stun.example.test:3478'], username: '', password: '' }]);
});

test.run();
