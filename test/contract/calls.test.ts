/**
 * Contract: GetOrCreateCall, and JoinCall's edge selection, through the generated client.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import {
  EndCallRequest,
  JoinCallRequest,
  GetOrCreateCallRequest,
  QueryCallsRequest,
  type MemberInput,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { User, type CallSettings } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator, uniqueId } from '../helpers/rpc';

const ADMIN_CAPS = [
  'block-users',
  'create-reaction',
  'end-call',
  'join-call',
  'kick-user',
  'mute-users',
  'read-call',
  'screenshare',
  'send-audio',
  'send-video',
  'start-record-call',
  'stop-record-call',
  'update-call-member',
  'update-call-permissions',
];
const MEMBER_CAPS = ['create-reaction', 'join-call', 'read-call', 'send-audio', 'send-video'];

function member(userId: string, role = '', name = ''): MemberInput {
  return { userId, role, user: name ? User.create({ id: userId, name }) : undefined };
}

function create(type: string, id: string, members: MemberInput[] = [], extra: { ring?: boolean; settingsOverride?: CallSettings; custom?: Struct } = {}) {
  return GetOrCreateCallRequest.create({
    type,
    id,
    ring: extra.ring ?? false,
    data: { members, settingsOverride: extra.settingsOverride, custom: extra.custom },
  });
}

// ------------------------------------------------------------------ GetOrCreateCall

const getOrCreate = suite<{ c: LocalCoordinator }>('GetOrCreateCall', { c: undefined as never });
getOrCreate.before(async (ctx) => {
  ctx.c = await startCoordinator();
});
getOrCreate.after(async (ctx) => {
  await ctx.c.close();
});

for (const { json, label } of FORMATS) {
  getOrCreate(`creates the call with members, settings and custom data (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const id = uniqueId('create');
    const custom = Struct.fromJson({ topic: 'standup', size: 3, tags: ['a', 'b'] });
    const seq = { alice: seqOf(c, 'alice'), bob: seqOf(c, 'bob'), carol: seqOf(c, 'carol') };
    const { response } = await alice.getOrCreateCall(create('default', id, [member('bob', '', 'Bob')], { custom }));

    assert.is(response.created, true);
    const call = response.call!.call!;
    assert.is(call.cid, `default:${id}`);
    assert.is(call.type, 'default');
    assert.is(call.id, id);
    assert.is(call.createdByUserId, 'alice');
    assert.is(call.memberCount, 2);
    assert.is(call.ringing, false);
    assert.is(call.recording, false);
    assert.ok(call.createdAt && call.updatedAt, 'timestamps are set');
    assert.is(call.endedAt, undefined);
    assert.equal(call.settings?.recording?.enabled, true);
    assert.equal(call.settings?.requestablePermissions, ['send-audio', 'send-video', 'screenshare']);
    assert.equal(Struct.toJson(call.custom!), { topic: 'standup', size: 3, tags: ['a', 'b'] });
    assert.equal(call.capabilitiesByRole.find((r) => r.role === 'member')?.capabilities, [
      'read-call',
      'join-call',
      'send-audio',
      'send-video',
      'create-reaction',
    ]);

    const roles = Object.fromEntries(response.call!.members.map((m) => [m.userId, m.role]));
    assert.equal(roles, { alice: 'admin', bob: 'member' });
    assert.is(response.call!.members.find((m) => m.userId === 'bob')!.user?.name, 'Bob');
    assert.ok(response.call!.members.every((m) => m.callCid === call.cid));
    assert.equal(response.call!.ownCapabilities, ADMIN_CAPS);
    assert.equal(response.call!.participants, []);

    // call.created goes to every member, each with their own capabilities; nobody else hears of it.
    const aliceEvents = eventsOf(c, 'alice', seq.alice);
    const bobEvents = eventsOf(c, 'bob', seq.bob);
    assert.equal(kindsOf(aliceEvents), ['callCreated']);
    assert.equal(kindsOf(bobEvents), ['callCreated']);
    assert.is(bobEvents[0].callCid, call.cid);
    const bobCreated = bobEvents[0].payload;
    assert.ok(bobCreated.oneofKind === 'callCreated');
    assert.equal(bobCreated.callCreated.call?.ownCapabilities, MEMBER_CAPS);
    const aliceCreated = aliceEvents[0].payload;
    assert.ok(aliceCreated.oneofKind === 'callCreated');
    assert.equal(aliceCreated.callCreated.call?.ownCapabilities, ADMIN_CAPS);
    assert.equal(eventsOf(c, 'carol', seq.carol), []);
  });

  getOrCreate(`getting an existing call returns it unchanged, created=false, no events (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const bob = await rpcClient(c, 'bob', { json });
    const carol = await rpcClient(c, 'carol', { json });
    const id = uniqueId('get');
    await alice.getOrCreateCall(create('default', id, [member('bob')]));
    const seq = { alice: seqOf(c, 'alice'), bob: seqOf(c, 'bob') };

    const again = await bob.getOrCreateCall(
      create('default', id, [member('dave', 'admin')], { settingsOverride: { requestablePermissions: ['screenshare'] } }),
    );
    assert.is(again.response.created, false);
    assert.is(again.response.call!.call!.createdByUserId, 'alice');
    assert.is(again.response.call!.call!.memberCount, 2, 'data of a get is ignored');
    assert.equal(again.response.call!.call!.settings?.requestablePermissions, ['send-audio', 'send-video', 'screenshare']);
    assert.equal(again.response.call!.ownCapabilities, MEMBER_CAPS);

    // a default call is for its members: a non-member may not read it (nor create it anew)
    await expectRpcError(carol.getOrCreateCall(create('default', id)), 'permission_denied');
    assert.equal(eventsOf(c, 'alice', seq.alice), []);
    assert.equal(eventsOf(c, 'bob', seq.bob), []);

    // an open call type: a non-member reads the call with the non-member role's capabilities
    const open = uniqueId('get-open');
    await alice.getOrCreateCall(create('livestream', open));
    const byCarol = await carol.getOrCreateCall(create('livestream', open));
    assert.is(byCarol.response.created, false);
    assert.equal(byCarol.response.call!.ownCapabilities, ['join-call', 'read-call']);
  });

  getOrCreate(`settings override replaces the call type's defaults (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const { response } = await alice.getOrCreateCall(
      create('audio_room', uniqueId('override'), [], {
        settingsOverride: {
          recording: { enabled: false },
          requestablePermissions: ['screenshare'],
          ring: { incomingCallTimeoutMs: 5000, outgoingCallTimeoutMs: 0 },
        },
      }),
    );
    const settings = response.call!.call!.settings!;
    assert.is(settings.recording?.enabled, false);
    assert.equal(settings.requestablePermissions, ['screenshare']);
    assert.equal(settings.ring, { incomingCallTimeoutMs: 5000, outgoingCallTimeoutMs: 0 });
    assert.is(response.call!.call!.type, 'audio_room');
  });

  getOrCreate(`ring: each callee gets one call.ring, repeated rings ring nobody twice (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const id = uniqueId('ring');
    const seq = { alice: seqOf(c, 'alice'), bob: seqOf(c, 'bob'), carol: seqOf(c, 'carol') };
    const first = await alice.getOrCreateCall(create('default', id, [member('bob'), member('carol')], { ring: true }));
    assert.is(first.response.created, true);
    assert.is(first.response.call!.call!.ringing, true);

    for (const callee of ['bob', 'carol'] as const) {
      const events = eventsOf(c, callee, seq[callee]);
      assert.equal(kindsOf(events), ['callCreated', 'callRing']);
      const ring = events[1].payload;
      assert.ok(ring.oneofKind === 'callRing');
      assert.is(ring.callRing.user?.id, 'alice');
      assert.is(ring.callRing.call?.call?.ringing, true);
      assert.equal(ring.callRing.call?.ownCapabilities, MEMBER_CAPS);
    }
    assert.equal(kindsOf(eventsOf(c, 'alice', seq.alice)), ['callCreated'], 'the caller is not rung');

    // a retry (same request) does not ring again
    const retry = await alice.getOrCreateCall(create('default', id, [member('bob'), member('carol')], { ring: true }));
    assert.is(retry.response.created, false);
    assert.is(retry.response.call!.call!.ringing, true);
    assert.equal(kindsOf(eventsOf(c, 'bob', seq.bob)), ['callCreated', 'callRing']);
    assert.equal(kindsOf(eventsOf(c, 'carol', seq.carol)), ['callCreated', 'callRing']);
  });

  getOrCreate(`ring denials: only the creator rings, not an ended call, not without callees (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const bob = await rpcClient(c, 'bob', { json });
    const id = uniqueId('ringdeny');
    await alice.getOrCreateCall(create('default', id, [member('bob')]));
    await expectRpcError(bob.getOrCreateCall(create('default', id, [], { ring: true })), 'permission_denied');

    await alice.endCall(EndCallRequest.create({ type: 'default', id }));
    await expectRpcError(alice.getOrCreateCall(create('default', id, [], { ring: true })), 'failed_precondition');
    const ended = await alice.getOrCreateCall(create('default', id));
    assert.ok(ended.response.call!.call!.endedAt, 'an ended call can still be read');

    // ringing a new call without callees fails, and leaves no call behind
    const lonely = uniqueId('lonely');
    await expectRpcError(alice.getOrCreateCall(create('default', lonely, [], { ring: true })), 'failed_precondition');
    const after = await alice.getOrCreateCall(create('default', lonely));
    assert.is(after.response.created, true, 'the failed request did not create the call');
  });

  getOrCreate(`invalid requests: invalid_argument naming the field (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const cases: [GetOrCreateCallRequest, string][] = [
      [create('', 'x'), 'type'],
      [create('nope', 'x'), 'type'],
      [create('default', ''), 'id'],
      [create('default', 'has space'), 'id'],
      [create('default', 'x'.repeat(65)), 'id'],
      [create('default', uniqueId('bad'), [member('')]), 'data.members[0].user_id'],
      [create('default', uniqueId('bad'), [member('bob'), member('carol', 'boss')]), 'data.members[1].role'],
    ];
    for (const [request, argument] of cases) {
      const err = await expectRpcError(alice.getOrCreateCall(request), 'invalid_argument');
      assert.is(err.meta.argument, argument, `${JSON.stringify(GetOrCreateCallRequest.toJson(request))} names ${argument}`);
    }
  });

  getOrCreate(`a create that fails validation leaves no call and sends no events (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const id = uniqueId('atomic');
    const seq = { alice: seqOf(c, 'alice'), bob: seqOf(c, 'bob') };
    const err = await expectRpcError(alice.getOrCreateCall(create('default', id, [member('bob'), member('carol', 'boss')])), 'invalid_argument');
    assert.is(err.meta.argument, 'data.members[1].role');
    const found = await alice.queryCalls(QueryCallsRequest.create({ filterConditions: Struct.fromJson({ id }) }));
    assert.equal(found.response.calls, [], 'no half-created call');
    assert.equal(eventsOf(c, 'alice', seq.alice), []);
    assert.equal(eventsOf(c, 'bob', seq.bob), []);
    const retry = await alice.getOrCreateCall(create('default', id, [member('bob')]));
    assert.is(retry.response.created, true);
    assert.is(retry.response.call!.call!.memberCount, 2);
  });
}

getOrCreate.run();

// ------------------------------------------------------------------ JoinCall: the edge

const edgeServer = suite<{ c: LocalCoordinator }>('JoinCall: edge selection and credentials', { c: undefined as never });
edgeServer.before(async (ctx) => {
  ctx.c = await startCoordinator({ edgeLatencyMs: { 'edge-a': 0, 'edge-b': 150 } });
});
edgeServer.after(async (ctx) => {
  await ctx.c.close();
});

function measurements(byEdge: Record<string, number[]>): JoinCallRequest['latencyMeasurements'] {
  return Object.fromEntries(Object.entries(byEdge).map(([name, measurementsSeconds]) => [name, { measurementsSeconds }]));
}

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

let sessions = 0;
/** A JoinCall of `type:id` with a new session id and `latency` measurements. */
function join(id: string, latency: Record<string, number[]> = {}, type = 'default'): JoinCallRequest {
  return JoinCallRequest.create({ type, id, sessionId: `session-${++sessions}`, latencyMeasurements: measurements(latency) });
}

for (const { json, label } of FORMATS) {
  edgeServer(`the edge with the lowest median wins, with credentials for it, in the join's answer (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const bob = await rpcClient(c, 'bob', { json });
    const id = uniqueId('edge');
    await alice.getOrCreateCall(create('default', id, [member('bob')]));

    // edge-a has the lower mean (0.13 s) but edge-b the lower median (0.02 s)
    const { response } = await bob.joinCall(join(id, { 'edge-a': [0.05, 0.04, 0.3], 'edge-b': [0.01, 0.5, 0.02] }));
    assert.is(response.call!.call!.cid, `default:${id}`);
    assert.equal(response.call!.ownCapabilities, MEMBER_CAPS);
    assert.equal(response.call!.members.map((m) => m.userId).sort(), ['alice', 'bob']);
    const creds = response.credentials!;
    assert.is(creds.edgeName, 'edge-b');
    assert.ok(creds.serverUrl.includes('edge-b'), creds.serverUrl);
    assert.equal(creds.iceServers, [], 'no ICE servers on loopback');
    const claims = decodeJwt(creds.token);
    assert.is(claims.user_id, 'bob');
    assert.is(claims.call_cid, `default:${id}`);
    assert.is(claims.edge, 'edge-b');

    // even number of measurements: the median is the mean of the two middle values
    const even = await bob.joinCall(join(id, { 'edge-a': [0.2, 0.01, 0.03, 0.02], 'edge-b': [0.01, 0.05] }));
    // edge-a: median 0.025 (mean 0.065); edge-b: median 0.03
    assert.is(even.response.credentials!.edgeName, 'edge-a');
  });

  edgeServer(`measured latencies pick the fast edge; unmeasured edges never win; no measurement: the server picks (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const id = uniqueId('measured');
    await alice.getOrCreateCall(create('default', id));
    const measured: Record<string, number[]> = {};
    for (const edge of ['edge-a', 'edge-b']) {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await (await fetch(`${c.baseUrl}/latency/${edge}`)).text();
        samples.push((performance.now() - start) / 1000);
      }
      measured[edge] = samples;
    }
    assert.ok(measured['edge-b'][0] >= 0.14, 'edge-b answers slowly');
    assert.is((await alice.joinCall(join(id, measured))).response.credentials!.edgeName, 'edge-a');
    // an edge left out (unreachable) loses against any measured edge
    assert.is((await alice.joinCall(join(id, { 'edge-b': [0.9] }))).response.credentials!.edgeName, 'edge-b');
    // nothing measured yet: the server picks one it offers
    assert.ok(['edge-a', 'edge-b'].includes((await alice.joinCall(join(id))).response.credentials!.edgeName));
  });

  edgeServer(`denials: unknown type, missing id, ended call (${label})`, async ({ c }) => {
    const alice = await rpcClient(c, 'alice', { json });
    const badType = await expectRpcError(alice.joinCall(join('x', {}, 'nope')), 'invalid_argument');
    assert.is(badType.meta.argument, 'type');
    const noId = await expectRpcError(alice.joinCall(JoinCallRequest.create({ type: 'default', sessionId: 's' })), 'invalid_argument');
    assert.is(noId.meta.argument, 'id');
    const id = uniqueId('ended');
    await alice.getOrCreateCall(create('default', id));
    await alice.endCall(EndCallRequest.create({ type: 'default', id }));
    await expectRpcError(alice.joinCall(join(id)), 'failed_precondition');
  });
}

edgeServer('the latency URLs of the edges answer', async ({ c }) => {
  for (const edge of ['edge-a', 'edge-b']) {
    const res = await fetch(`${c.baseUrl}/latency/${edge}`);
    assert.is(res.status, 200);
    assert.is(await res.text(), 'ok');
  }
  assert.is((await fetch(`${c.baseUrl}/latency/edge-z`)).status, 404);
});

edgeServer.run();
