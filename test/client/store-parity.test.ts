/**
 * The store as the vendor's: `acceptedCall$` clears once the accepted call is joined or
 * ends; `callPermissionRequest$` shows requests only to users who may grant them.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG } from '../../src/index-node';
import { Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, uniqueId, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

test('acceptedCall$ holds the accept until the caller joins that call', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.ring });
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.ring });
  const id = uniqueId('accepted');
  const rang = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  await rang;
  await bob.acceptCall(id, 'default');
  const accepted = await waitFor(alice.readOnlyStateStore.acceptedCall$, (a) => a !== undefined, 'the accept');
  assert.is(accepted!.callCid, `default:${id}`);
  assert.is(accepted!.user?.id, 'bob');
  await alice.joinCall(id, 'default');
  assert.is(alice.readOnlyStateStore.acceptedCall$.get(), undefined, 'joined: the accept is no longer news');
});

test('acceptedCall$ clears when the accepted call ends', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.ring });
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.ring });
  const id = uniqueId('ends');
  const rang = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  await rang;
  await bob.acceptCall(id, 'default');
  await waitFor(alice.readOnlyStateStore.acceptedCall$, (a) => a !== undefined, 'the accept');
  const ended = nextEvent(alice, 'call.ended');
  await alice.coordinatorClient.endCall({ type: 'default', id });
  await ended;
  assert.is(alice.readOnlyStateStore.acceptedCall$.get(), undefined);
});

test('callPermissionRequest$: only a user who may grant (update-call-permissions) sees a request', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting }); // the creator: admin
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.meeting }); // a member: may not grant
  const carol = await h.connect('carol', { callConfig: CALL_CONFIG.meeting });
  const id = uniqueId('requests');
  await alice.joinCall(id, 'default', { members: [{ userId: 'bob' }, { userId: 'carol' }] });
  await bob.joinCall(id, 'default');
  await carol.joinCall(id, 'default');
  const aliceHears = nextEvent(alice, 'call.permission_request');
  const bobHears = nextEvent(bob, 'call.permission_request');
  await carol.requestCallPermissions(id, 'default', { permissions: ['screenshare'] });
  await aliceHears;
  await bobHears;
  assert.is(alice.readOnlyStateStore.callPermissionRequest$.get()?.user?.id, 'carol', 'the admin sees it');
  assert.is(bob.readOnlyStateStore.callPermissionRequest$.get(), undefined, 'a member who cannot grant does not');
});

test.run();
