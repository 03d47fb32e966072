/**
 * startRecording / stopRecording seen by every joined member, requestCallPermissions seen
 * by the admin, updateUserPermissions grant and revoke seen by both sides.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, type Call, type StreamVideoClient } from '../../src/index-node';
import { expectError, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, uniqueId, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const meeting = { callConfig: CALL_CONFIG.meeting };

/** alice (admin) with bob and carol (members), all three joined to default:<id>. */
async function joinedCall(h: Harness, type = 'default') {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const carol = await h.connect('carol', meeting);
  const id = uniqueId();
  const aliceCall = await alice.joinCall(id, type, { members: [{ userId: 'bob' }, { userId: 'carol' }] });
  const bobCall = await bob.joinCall(id, type);
  const carolCall = await carol.joinCall(id, type);
  const all: [string, StreamVideoClient, Call][] = [
    ['alice', alice, aliceCall],
    ['bob', bob, bobCall],
    ['carol', carol, carolCall],
  ];
  for (const [who, client] of all) await waitFor(client.readOnlyStateStore.participants$, (l) => l.size === 3, `${who} sees 3 participants`);
  return { id, type, cid: aliceCall.cid, alice, bob, carol, aliceCall, bobCall, carolCall, all };
}

test('startRecording / stopRecording: callRecordingInProgress$ on every joined member', async ({ h }) => {
  const r = await joinedCall(h);
  for (const [who, client] of r.all) assert.is(client.readOnlyStateStore.callRecordingInProgress$.get(), false, `${who} before`);
  const started = r.all.map(([, client]) => nextEvent(client, 'call.recording_started'));
  assert.is(await r.alice.startRecording(r.id, r.type), undefined);
  const events = await Promise.all(started);
  for (const e of events) {
    assert.is(e.callCid, r.cid);
    assert.is(e.user?.id, 'alice');
  }
  for (const [who, client] of r.all) assert.is(client.readOnlyStateStore.callRecordingInProgress$.get(), true, `${who}: recording`);
  assert.is(h.c.state.calls.get(r.cid)!.recording, true);
  // Twice is refused by the server, and changes nothing.
  await expectError(r.alice.startRecording(r.id, r.type), 'failed_precondition');
  // A member without the capability may not stop it.
  await expectError(r.bob.stopRecording(r.id, r.type), 'permission_denied');
  assert.is(r.bob.readOnlyStateStore.callRecordingInProgress$.get(), true);

  const stopped = r.all.map(([, client]) => nextEvent(client, 'call.recording_stopped'));
  assert.is(await r.alice.stopRecording(r.id, r.type), undefined);
  await Promise.all(stopped);
  for (const [who, client] of r.all) assert.is(client.readOnlyStateStore.callRecordingInProgress$.get(), false, `${who}: stopped`);
  assert.is(h.c.state.calls.get(r.cid)!.recording, false);
  await expectError(r.alice.stopRecording(r.id, r.type), 'failed_precondition');
});

test('recording: a member who joins while recording sees it on; leaving resets it', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const id = uniqueId();
  const aliceCall = await alice.joinCall(id, 'default', { members: [{ userId: 'bob' }] });
  await alice.startRecording(id, 'default');
  await waitFor(alice.readOnlyStateStore.callRecordingInProgress$, (r) => r, "alice's recording flag");
  const bobCall = await bob.joinCall(id, 'default');
  assert.is(bob.readOnlyStateStore.callRecordingInProgress$.get(), true);
  await bobCall.leave();
  assert.is(bob.readOnlyStateStore.callRecordingInProgress$.get(), false);
  assert.is(aliceCall.data.recording, false, 'Call.data is the state at join time until call.updated');
});

test('recording: a call type without recording, and a call that is not there', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const id = uniqueId();
  await alice.joinCall(id, 'default', { settingsOverride: { recording: { enabled: false } } });
  await expectError(alice.startRecording(id, 'default'), 'failed_precondition');
  assert.is(alice.readOnlyStateStore.callRecordingInProgress$.get(), false);
  await expectError(alice.startRecording(uniqueId(), 'default'), 'not_found');
});

test('requestCallPermissions: the admin gets callPermissionRequest$ with the permissions', async ({ h }) => {
  const r = await joinedCall(h);
  const request = nextEvent(r.alice, 'call.permission_request');
  const response = await r.bob.requestCallPermissions(r.id, r.type, { permissions: ['screenshare', 'send-video'] });
  assert.equal(response, {});
  const event = await request;
  assert.is(event.callCid, r.cid);
  assert.is(event.user?.id, 'bob');
  assert.equal(event.permissions, ['screenshare', 'send-video']);
  const stored = r.alice.readOnlyStateStore.callPermissionRequest$.get();
  assert.is(stored?.user?.id, 'bob');
  assert.equal(stored?.permissions, ['screenshare', 'send-video']);
  // The requester's own request is not a request to him.
  assert.is(r.bob.readOnlyStateStore.callPermissionRequest$.get(), undefined);
});

test('requestCallPermissions: a permission the call does not allow to request is permission_denied', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const id = uniqueId();
  await alice.joinCall(id, 'default', { members: [{ userId: 'bob' }], settingsOverride: { requestablePermissions: ['send-audio'] } });
  await bob.joinCall(id, 'default');
  const err = await expectError(bob.requestCallPermissions(id, 'default', { permissions: ['screenshare'] }), 'permission_denied');
  assert.is(err.meta['permission'], 'screenshare');
  // audio_room calls only let members request send-audio.
  const room = uniqueId();
  await alice.getOrCreateCall(room, 'audio_room', { members: [{ userId: 'bob' }] });
  await expectError(bob.requestCallPermissions(room, 'audio_room', { permissions: ['send-video'] }), 'permission_denied');
  // The allowed one goes through.
  const request = nextEvent(alice, 'call.permission_request');
  await bob.requestCallPermissions(id, 'default', { permissions: ['send-audio'] });
  assert.equal((await request).permissions, ['send-audio']);
  assert.equal(alice.readOnlyStateStore.callPermissionRequest$.get()?.permissions, ['send-audio']);
  // Bad input never reaches the server.
  await expectError(bob.requestCallPermissions(id, 'default', { permissions: [] }), 'invalid_argument', 'data.permissions');
  await expectError(bob.requestCallPermissions(id, 'default', undefined as never), 'invalid_argument', 'data');
});

test('updateUserPermissions: grant then revoke screenshare; both sides get call.permissions_updated', async ({ h }) => {
  const r = await joinedCall(h);
  assert.not.ok(r.bobCall.ownCapabilities.includes('screenshare'), 'members cannot screenshare by default');
  const aliceBefore = [...r.aliceCall.ownCapabilities];

  const bobSees = nextEvent(r.bob, 'call.permissions_updated');
  const aliceSees = nextEvent(r.alice, 'call.permissions_updated');
  const granted = await r.alice.updateUserPermissions(r.id, r.type, { userId: 'bob', grantPermissions: ['screenshare'] });
  assert.ok(granted.capabilities.includes('screenshare'));
  const [eb, ea] = await Promise.all([bobSees, aliceSees]);
  for (const e of [eb, ea]) {
    assert.is(e.callCid, r.cid);
    assert.is(e.userId, 'bob');
    assert.ok(e.ownCapabilities.includes('screenshare'));
  }
  assert.ok(r.bobCall.ownCapabilities.includes('screenshare'), "bob's Call.ownCapabilities after the grant");
  assert.equal([...r.bobCall.ownCapabilities], [...granted.capabilities]);
  assert.equal([...r.aliceCall.ownCapabilities], aliceBefore, "alice's own capabilities are untouched");
  assert.not.ok(r.carolCall.ownCapabilities.includes('screenshare'), 'carol is not granted anything');

  const bobSeesRevoke = nextEvent(r.bob, 'call.permissions_updated');
  const aliceSeesRevoke = nextEvent(r.alice, 'call.permissions_updated');
  const revoked = await r.alice.updateUserPermissions(r.id, r.type, { userId: 'bob', revokePermissions: ['screenshare', 'send-audio'] });
  assert.not.ok(revoked.capabilities.includes('screenshare'));
  assert.not.ok(revoked.capabilities.includes('send-audio'));
  const [rb, ra] = await Promise.all([bobSeesRevoke, aliceSeesRevoke]);
  assert.not.ok(rb.ownCapabilities.includes('screenshare'));
  assert.not.ok(ra.ownCapabilities.includes('screenshare'));
  assert.not.ok(r.bobCall.ownCapabilities.includes('screenshare'), "bob's Call.ownCapabilities after the revoke");
  assert.not.ok(r.bobCall.ownCapabilities.includes('send-audio'));
  assert.ok(r.bobCall.ownCapabilities.includes('send-video'));
  // The server agrees.
  assert.equal(h.c.state.calls.get(r.cid)!.capabilitiesOf('bob'), [...r.bobCall.ownCapabilities]);
});

test('updateUserPermissions: refused without the capability, for a non-grantable permission, or with nothing to change', async ({ h }) => {
  const r = await joinedCall(h);
  await expectError(r.bob.updateUserPermissions(r.id, r.type, { userId: 'carol', grantPermissions: ['screenshare'] }), 'permission_denied');
  await expectError(r.alice.updateUserPermissions(r.id, r.type, { userId: 'bob', grantPermissions: ['end-call'] }), 'invalid_argument');
  await expectError(r.alice.updateUserPermissions(r.id, r.type, { userId: 'nobody', grantPermissions: ['screenshare'] }), 'not_found');
  await expectError(r.alice.updateUserPermissions(r.id, r.type, { userId: 'bob' }), 'invalid_argument', 'data');
  await expectError(r.alice.updateUserPermissions(r.id, r.type, { userId: '', grantPermissions: ['screenshare'] }), 'invalid_argument', 'data.userId');
  await expectError(
    r.alice.updateUserPermissions(r.id, r.type, { userId: 'bob', grantPermissions: 'screenshare' as never }),
    'invalid_argument',
    'data.grantPermissions',
  );
  await expectError(r.alice.updateUserPermissions(r.id, r.type, undefined as never), 'invalid_argument', 'data');
  assert.not.ok(r.carolCall.ownCapabilities.includes('screenshare'));
  assert.not.ok(r.bobCall.ownCapabilities.includes('end-call'));
});

test.run();
