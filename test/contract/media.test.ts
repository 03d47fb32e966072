/**
 * Contract: SendSignals and UpdatePublishedTracks through the generated client over real HTTP,
 * the signalling relay's authorization and dedup, the mesh limit, the revoke that unpublishes,
 * and the ICE servers of a call type.
 */
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
import { SIGNAL_LIMITS } from '../../src/testing/service/signal-checks';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator } from '../helpers/rpc';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ c: LocalCoordinator }>(import.meta.url, { c: undefined as never }, 'SendSignals / UpdatePublishedTracks');
test.before(async (ctx) => {
  ctx.c = await startCoordinator({ iceServers: { development: [{ urls: ['stun:stun.example.test:3478'], username: '', password: '' }] } });
});
test.after(async (ctx) => {
  await ctx.c.close();
});

/** A small session description, as the coordinator parses it (`session` names it in `s=`). */
const sdpOf = (session: string): string =>
  [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    `s=${session}`,
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=mid:0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'a=mid:1',
    '',
  ].join('\r\n');
const offer = (seq: number, sdp = sdpOf(`offer ${seq}`)): Signal => ({
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
    // Every kind of signal travels: an answer, the end of candidates, an ICE restart request, a rollback, an offer request.
    const more: Signal[] = [
      {
        seq: 1,
        generation: 0,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.ANSWER, sdp: sdpOf('answer'), trackTypes: {}, trackSessionIds: {} } },
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
      { seq: 5, generation: 0, peerType: PeerType.UNSPECIFIED, kind: { oneofKind: 'offerRequest', offerRequest: {} } },
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
      { toSessionId: 'b-1', signals: [offer(1, sdpOf('from a-2'))] },
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

  test(`SendSignals: what is not a session description or a candidate is refused, nothing relayed (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1')]);
    const bobSeq = seqOf(c, 'bob');
    const described = (type: SdpType, sdp: string): Signal => ({
      seq: 1,
      generation: 0,
      peerType: PeerType.UNSPECIFIED,
      kind: { oneofKind: 'description', description: { type, sdp, trackTypes: {}, trackSessionIds: {} } },
    });
    const refused = async (signal: Signal, argument: string, what: string) => {
      // The bad signal after a good one: the whole request is refused.
      const err = await expectRpcError(
        s.send(s.alice, 'a-1', [
          {
            toSessionId: 'b-1',
            signals: [
              { ...candidate(1), seq: 1 },
              { ...signal, seq: 2 },
            ],
          },
        ]),
        'invalid_argument',
      );
      assert.is(err.meta['argument'], `targets[0].signals[1].${argument}`, what);
    };
    const valid = sdpOf('valid');
    await refused(described(SdpType.OFFER, 'hello, this is not SDP'), 'description.sdp', 'plain text');
    await refused(described(SdpType.OFFER, valid.replace('s=valid\r\n', '')), 'description.sdp', 'no s= line');
    await refused(described(SdpType.OFFER, valid.replace('v=0', 'v=1')), 'description.sdp', 'not v=0 first');
    await refused(described(SdpType.ANSWER, `v=0\r\n${'x'.repeat(60 * 1024)}`), 'description.sdp', '60 KB of junk');
    await refused(described(SdpType.OFFER, `${valid}a=${'j'.repeat(SIGNAL_LIMITS.maxSdpChars)}\r\n`), 'description.sdp', 'too large');
    await refused(described(SdpType.OFFER, valid.split('m=')[0]), 'description.sdp', 'no media section');
    await refused(described(SdpType.OFFER, valid.replace('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=audio')), 'description.sdp', 'a malformed m= line');
    await refused(described(SdpType.OFFER, valid.replace('t=0 0', 't=0 0\u0000')), 'description.sdp', 'a control character');
    await refused(described(SdpType.ROLLBACK, valid), 'description.sdp', 'a rollback with SDP');
    const tooMany = Object.fromEntries(Array.from({ length: SIGNAL_LIMITS.maxTrackTypes + 1 }, (_, i) => [String(i), TrackType.AUDIO]));
    await refused(
      {
        seq: 1,
        generation: 0,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.OFFER, sdp: valid, trackTypes: tooMany, trackSessionIds: {} } },
      },
      'description.track_types',
      'too many track types',
    );
    const cand = (fields: Partial<{ candidate: string; sdpMid: string; sdpMLineIndex: number; usernameFragment: string }>): Signal => ({
      seq: 1,
      generation: 0,
      peerType: PeerType.UNSPECIFIED,
      kind: {
        oneofKind: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u', ...fields },
      },
    });
    await refused(cand({ candidate: 'not a candidate' }), 'candidate.candidate', 'a junk candidate');
    await refused(cand({ candidate: `candidate:1 1 udp 1 ${'a'.repeat(SIGNAL_LIMITS.maxCandidateChars)} 5000 typ host` }), 'candidate.candidate', 'too long');
    await refused(cand({ sdpMid: 'm'.repeat(SIGNAL_LIMITS.maxMidChars + 1) }), 'candidate.sdp_mid', 'a long mid');
    await refused(cand({ usernameFragment: 'u'.repeat(SIGNAL_LIMITS.maxUfragChars + 1) }), 'candidate.username_fragment', 'a long ufrag');
    await refused(cand({ sdpMLineIndex: SIGNAL_LIMITS.maxMediaSections }), 'candidate.sdp_m_line_index', 'a line index past the sections');
    assert.equal(signalsOf(c, 'bob', bobSeq), [], 'nothing relayed');
    // Each of them well-formed goes through: a real description, a candidate with its extensions.
    const ok = await s.send(s.alice, 'a-1', [
      {
        toSessionId: 'b-1',
        signals: [
          { ...described(SdpType.OFFER, valid), seq: 1 },
          {
            ...cand({
              candidate: 'candidate:842163049 1 udp 1677729535 2001:db8::1 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag u network-cost 999',
            }),
            seq: 2,
          },
          { ...cand({ candidate: 'candidate:3 1 tcp 1518280447 4f5e1d2c-1a2b-4c3d-9e8f-0a1b2c3d4e5f.local 9 typ host tcptype active generation 0' }), seq: 3 },
        ],
      },
    ]);
    assert.is(ok.response.delivered, 3);
  });

  test(`SendSignals: sizes are capped per request, not only per signal (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1')]);
    const bobSeq = seqOf(c, 'bob');
    // Descriptions each within the limit, too many characters together.
    const big = `${sdpOf('big')}a=${'p'.repeat(SIGNAL_LIMITS.maxSdpChars - 400)}\r\n`;
    const count = Math.ceil(SIGNAL_LIMITS.maxRequestChars / big.length) + 1;
    const signals = Array.from({ length: count }, (_, i) => offer(i + 1, big));
    const err = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals }]), 'invalid_argument');
    assert.is(err.meta['argument'], 'targets');
    const many = Array.from({ length: SIGNAL_LIMITS.maxSignalsPerRequest + 1 }, (_, i) => candidate(i + 1));
    assert.is((await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: many }]), 'invalid_argument')).meta['argument'], 'targets');
    assert.equal(signalsOf(c, 'bob', bobSeq), []);
  });

  test(`SendSignals: a connection's generation steps forward by one at most, and not too often (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1'), s.join(s.bob, 'b-2')]);
    const bobSeq = seqOf(c, 'bob');
    const restart = (seq: number, generation: number): Signal => ({
      seq,
      generation,
      peerType: PeerType.UNSPECIFIED,
      kind: { oneofKind: 'iceRestart', iceRestart: {} },
    });
    // A jump: refused, whatever came before it in the request.
    const jump = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [restart(1, 0), restart(2, 2)] }]), 'invalid_argument');
    assert.equal([jump.meta['argument'], jump.meta['reason']], ['targets[0].signals[1].generation', 'generation_step']);
    // The flood of the issue: generations 1..1000 in two requests. Steps of one, but too many.
    for (const half of [0, 500]) {
      const flood = Array.from({ length: 500 }, (_, i) => restart(half + i + 1, half + i + 1));
      const rate = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: flood }]), half ? 'invalid_argument' : 'resource_exhausted');
      // The second half steps past generation 0 (the first relayed nothing): refused as a jump.
      assert.equal([rate.meta['reason'], rate.meta['to_session_id'] ?? 'b-1'], [half ? 'generation_step' : 'generation_rate', 'b-1']);
    }
    assert.equal(signalsOf(c, 'bob', bobSeq), [], 'nothing relayed');
    // Up to the burst, one step at a time, it goes; one more step does not.
    const steps = SIGNAL_LIMITS.generationBurst;
    const ok = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: Array.from({ length: steps }, (_, i) => restart(i + 1, i + 1)) }]);
    assert.is(ok.response.delivered, steps);
    const more = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [restart(steps + 1, steps + 1)] }]), 'resource_exhausted');
    assert.is(more.meta['reason'], 'generation_rate');
    // A generation already used, and older ones (a replaced connection's late signals), are no steps.
    const same = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [candidate(steps + 1), restart(steps + 2, 1)] }]);
    assert.is(same.response.delivered, 2);
    // The other side may follow to where this side is, and one past it.
    const follow = await s.send(s.bob, 'b-1', [{ toSessionId: 'a-1', signals: [restart(1, steps), restart(2, steps + 1)] }]);
    assert.is(follow.response.delivered, 2);
    // Other pairs have their own generations and limits.
    const other = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-2', signals: [restart(1, 1)] }]);
    assert.is(other.response.delivered, 1);
  });

  test(`SendSignals: each (sender, target) pair is rate-limited; retries and other pairs are not counted (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await Promise.all([s.join(s.alice, 'a-1'), s.join(s.bob, 'b-1'), s.join(s.bob, 'b-2')]);
    const burst = SIGNAL_LIMITS.signalBurst;
    const candidates = (from: number, n: number) => Array.from({ length: n }, (_, i) => candidate(from + i));
    const bobSeq = seqOf(c, 'bob');
    const over = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: candidates(1, burst + 1) }]), 'resource_exhausted');
    assert.equal([over.meta['reason'], over.meta['to_session_id']], ['signal_rate', 'b-1']);
    assert.ok(Number(over.meta['retry_after_ms']) > 0);
    assert.equal(signalsOf(c, 'bob', bobSeq), [], 'nothing relayed');
    const full = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: candidates(1, burst) }]);
    assert.is(full.response.delivered, burst);
    // The same request again (a retry) relays nothing and costs nothing; new signals are refused.
    const again = await s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: candidates(1, burst) }]);
    assert.equal([again.response.delivered, again.response.duplicates], [0, burst]);
    const next = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: candidates(burst + 1, 20) }]), 'resource_exhausted');
    assert.is(next.meta['reason'], 'signal_rate');
    // Other pairs: alice to b-2, and bob back to alice.
    assert.is((await s.send(s.alice, 'a-1', [{ toSessionId: 'b-2', signals: candidates(1, burst) }])).response.delivered, burst);
    assert.is((await s.send(s.bob, 'b-1', [{ toSessionId: 'a-1', signals: candidates(1, 10) }])).response.delivered, 10);
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
      // By session id: the two joins ran at once, so the call lists them in either order.
      state
        .toState('alice', c.state.users)
        .participants.map((p) => [p.sessionId, p.publishedTracks] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
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
    // One update per session, in the call's order of sessions: bob's two joined at once, in either order.
    const updated = events
      .slice(1)
      .map((e) =>
        e.payload.oneofKind === 'participantUpdated'
          ? [e.payload.participantUpdated.participant?.sessionId, e.payload.participantUpdated.participant?.publishedTracks]
          : [],
      )
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
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
