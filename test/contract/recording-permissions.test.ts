/**
 * Contract: StartRecording, StopRecording, RequestPermission, UpdateUserPermissions through
 * the generated client.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  EndCallRequest,
  GetOrCreateCallRequest,
  RequestPermissionRequest,
  StartRecordingRequest,
  StopRecordingRequest,
  UpdateUserPermissionsRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { CallSettings } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator, uniqueId } from '../helpers/rpc';

const test = suite<{ c: LocalCoordinator }>('Recording and permissions', { c: undefined as never });
test.before(async (ctx) => {
  ctx.c = await startCoordinator();
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

/** alice creates <type>:<id>: bob and carol are members, dave a moderator, erin a stranger. */
async function setup(c: LocalCoordinator, json: boolean, type = 'default', settingsOverride?: CallSettings) {
  const [alice, bob, carol, dave, erin] = await Promise.all(USERS.map((u) => rpcClient(c, u, { json })));
  const id = uniqueId(type);
  await alice.getOrCreateCall(
    GetOrCreateCallRequest.create({
      type,
      id,
      data: {
        members: [
          { userId: 'bob', role: '' },
          { userId: 'carol', role: 'member' },
          { userId: 'dave', role: 'moderator' },
        ],
        settingsOverride,
      },
    }),
  );
  const seq = Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)]));
  return {
    alice: alice,
    bob: bob,
    carol: carol,
    dave: dave,
    erin: erin,
    id,
    type,
    seq,
    start: (client: CoordinatorServiceClient) => client.startRecording(StartRecordingRequest.create({ type, id })),
    stop: (client: CoordinatorServiceClient) => client.stopRecording(StopRecordingRequest.create({ type, id })),
    request: (client: CoordinatorServiceClient, permissions: string[]) => client.requestPermission(RequestPermissionRequest.create({ type, id, permissions })),
    update: (client: CoordinatorServiceClient, userId: string, grantPermissions: string[], revokePermissions: string[] = []) =>
      client.updateUserPermissions(UpdateUserPermissionsRequest.create({ type, id, userId, grantPermissions, revokePermissions })),
    state: async (client: CoordinatorServiceClient) => (await client.getOrCreateCall(GetOrCreateCallRequest.create({ type, id }))).response.call!,
  };
}

function kindsSince(c: LocalCoordinator, seq: Record<string, number>, user: string): string[] {
  return kindsOf(eventsOf(c, user, seq[user]));
}

for (const { json, label } of FORMATS) {
  test(`StartRecording / StopRecording: state, events, once each (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    assert.equal(await s.start(s.alice).then((r) => r.response), {});
    assert.is((await s.state(s.bob)).call!.recording, true);
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, s.seq[user]);
      assert.equal(kindsOf(events), ['recordingStarted'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'recordingStarted' && p.recordingStarted.user?.id === 'alice');
    }
    assert.equal(kindsSince(c, s.seq, 'erin'), []);
    await expectRpcError(s.start(s.dave), 'failed_precondition');
    assert.equal(kindsSince(c, s.seq, 'bob'), ['recordingStarted'], 'recording twice sends nothing');

    assert.equal(await s.stop(s.dave).then((r) => r.response), {});
    assert.is((await s.state(s.bob)).call!.recording, false);
    const stopped = eventsOf(c, 'carol', s.seq.carol)[1].payload;
    assert.ok(stopped.oneofKind === 'recordingStopped' && stopped.recordingStopped.user?.id === 'dave');
    await expectRpcError(s.stop(s.alice), 'failed_precondition');
    assert.equal(kindsSince(c, s.seq, 'alice'), ['recordingStarted', 'recordingStopped']);
  });

  test(`StartRecording / StopRecording: a plain member or a stranger is denied (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    for (const client of [s.bob, s.erin]) {
      const err = await expectRpcError(s.start(client), 'permission_denied');
      assert.is(err.meta.capability, 'start-record-call');
    }
    await s.start(s.alice);
    for (const client of [s.carol, s.erin]) {
      const err = await expectRpcError(s.stop(client), 'permission_denied');
      assert.is(err.meta.capability, 'stop-record-call');
    }
    assert.is((await s.state(s.alice)).call!.recording, true);
    // in a development call every member holds every capability
    const dev = await setup(c, json, 'development');
    await dev.start(dev.bob);
    await dev.stop(dev.carol);
  });

  test(`StartRecording: disabled recording, ended calls, unknown calls (${label})`, async ({ c }) => {
    const off = await setup(c, json, 'default', { recording: { enabled: false }, requestablePermissions: [] });
    await expectRpcError(off.start(off.alice), 'failed_precondition');
    assert.equal(kindsSince(c, off.seq, 'alice'), []);

    const s = await setup(c, json);
    await s.start(s.alice);
    await s.alice.endCall(EndCallRequest.create({ type: s.type, id: s.id }));
    assert.is((await s.state(s.alice)).call!.recording, false, 'ending a call stops its recording');
    await expectRpcError(s.start(s.alice), 'failed_precondition');
    await expectRpcError(s.stop(s.alice), 'failed_precondition');

    await expectRpcError(s.alice.startRecording(StartRecordingRequest.create({ type: 'default', id: uniqueId('nope') })), 'not_found');
    await expectRpcError(s.alice.stopRecording(StopRecordingRequest.create({ type: 'default', id: uniqueId('nope') })), 'not_found');
    const noId = await expectRpcError(s.alice.startRecording(StartRecordingRequest.create({ type: 'default' })), 'invalid_argument');
    assert.is(noId.meta.argument, 'id');
    const badType = await expectRpcError(s.alice.stopRecording(StopRecordingRequest.create({ type: 'zoom', id: s.id })), 'invalid_argument');
    assert.is(badType.meta.argument, 'type');
  });

  test(`RequestPermission: tells everyone in the call, once per permission (${label})`, async ({ c }) => {
    const s = await setup(c, json, 'audio_room');
    assert.equal((await s.state(s.bob)).ownCapabilities, ['join-call', 'read-call']);
    assert.equal(await s.request(s.bob, ['send-audio', 'send-audio']).then((r) => r.response), {});
    // as the SDK documents it: every user in the call (the requester's client ignores its own)
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, s.seq[user]);
      assert.equal(kindsOf(events), ['permissionRequest'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'permissionRequest');
      assert.is(p.permissionRequest.user?.id, 'bob');
      assert.equal(p.permissionRequest.permissions, ['send-audio']);
    }
    assert.equal(kindsSince(c, s.seq, 'erin'), [], 'a stranger hears nothing');
    assert.equal((await s.state(s.bob)).ownCapabilities, ['join-call', 'read-call'], 'asking grants nothing');
  });

  test(`RequestPermission: only requestable permissions, only by users in the call (${label})`, async ({ c }) => {
    const s = await setup(c, json, 'audio_room');
    for (const permission of ['screenshare', 'end-call', 'fly']) {
      const err = await expectRpcError(s.request(s.bob, ['send-audio', permission]), 'permission_denied');
      assert.is(err.meta.permission, permission);
    }
    await expectRpcError(s.request(s.erin, ['send-audio']), 'permission_denied');
    const empty = await expectRpcError(s.request(s.bob, []), 'invalid_argument');
    assert.is(empty.meta.argument, 'permissions');
    const live = await setup(c, json, 'livestream');
    await expectRpcError(live.request(live.bob, ['send-audio']), 'permission_denied');
    await expectRpcError(
      s.alice.requestPermission(RequestPermissionRequest.create({ type: 'audio_room', id: uniqueId('nope'), permissions: ['send-audio'] })),
      'not_found',
    );
    await s.alice.endCall(EndCallRequest.create({ type: s.type, id: s.id }));
    await expectRpcError(s.request(s.bob, ['send-audio']), 'failed_precondition');
    assert.not.ok(kindsSince(c, s.seq, 'alice').includes('permissionRequest'), 'no request was sent');
  });

  test(`UpdateUserPermissions: grant and revoke change capabilities and tell everyone (${label})`, async ({ c }) => {
    const s = await setup(c, json, 'audio_room');
    const granted = await s.update(s.alice, 'bob', ['send-audio', 'screenshare']);
    assert.equal(granted.response.capabilities, ['join-call', 'read-call', 'screenshare', 'send-audio']);
    assert.equal((await s.state(s.bob)).ownCapabilities, ['join-call', 'read-call', 'screenshare', 'send-audio']);
    assert.equal((await s.state(s.carol)).ownCapabilities, ['join-call', 'read-call'], 'only bob changed');
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, s.seq[user]);
      assert.equal(kindsOf(events), ['permissionsUpdated'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'permissionsUpdated');
      assert.equal(p.permissionsUpdated, { userId: 'bob', ownCapabilities: ['join-call', 'read-call', 'screenshare', 'send-audio'] });
    }
    assert.equal(kindsSince(c, s.seq, 'erin'), []);

    // a moderator revokes one; revoking wins over granting in the same request
    const revoked = await s.update(s.dave, 'bob', ['send-video'], ['screenshare', 'send-video']);
    assert.equal(revoked.response.capabilities, ['join-call', 'read-call', 'send-audio']);

    // revoking a capability of the role takes it away
    const d = await setup(c, json, 'default');
    const r = await d.update(d.alice, 'carol', [], ['send-video']);
    assert.equal(r.response.capabilities, ['create-reaction', 'join-call', 'read-call', 'send-audio']);
  });

  test(`UpdateUserPermissions: denials and invalid requests (${label})`, async ({ c }) => {
    const s = await setup(c, json, 'audio_room');
    for (const client of [s.bob, s.erin]) {
      const err = await expectRpcError(s.update(client, 'carol', ['send-audio']), 'permission_denied');
      assert.is(err.meta.capability, 'update-call-permissions');
    }
    const cases: [PromiseLike<unknown>, string][] = [
      [s.update(s.alice, 'bob', ['end-call']), 'grant_permissions'],
      [s.update(s.alice, 'bob', [], ['start-record-call']), 'revoke_permissions'],
      [s.update(s.alice, 'bob', []), 'grant_permissions'],
      [s.update(s.alice, '', ['send-audio']), 'user_id'],
    ];
    for (const [call, argument] of cases) {
      const err = await expectRpcError(call, 'invalid_argument');
      assert.is(err.meta.argument, argument);
    }
    await expectRpcError(s.update(s.alice, 'erin', ['send-audio']), 'not_found');
    await expectRpcError(
      s.alice.updateUserPermissions(
        UpdateUserPermissionsRequest.create({ type: 'audio_room', id: uniqueId('nope'), userId: 'bob', grantPermissions: ['send-audio'] }),
      ),
      'not_found',
    );
    assert.equal(kindsSince(c, s.seq, 'bob'), [], 'nothing changed');
    assert.equal((await s.state(s.bob)).ownCapabilities, ['join-call', 'read-call']);
    await s.alice.endCall(EndCallRequest.create({ type: s.type, id: s.id }));
    await expectRpcError(s.update(s.alice, 'bob', ['send-audio']), 'failed_precondition');
  });
}

test.run();
