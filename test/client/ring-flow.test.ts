/**
 * The ring flow through the SDK: getOrCreateCall with ring, acceptCall, rejectCall,
 * cancelCall, the auto-cancel and auto-reject timers, and no timer left after a disconnect.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, type StreamVideoClient } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { cids, expectError, Harness, nextEvent, noTimersLeft } from '../helpers/sdk';
import { fileSuite, uniqueId, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** alice rings bob in default:<id>; resolves once bob's store shows the incoming call. */
async function ring(alice: StreamVideoClient, bob: StreamVideoClient, id = uniqueId('ring')) {
  const rang = nextEvent(bob, 'call.ring');
  const response = await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  const event = await rang;
  await waitFor(bob.readOnlyStateStore.incomingCalls$, (calls) => calls.length === 1, "bob's incoming call");
  return { id, cid: `default:${id}`, response, event };
}

/** The number of running ring timers of `client` (its private CallDropScheduler). */
function timersOf(client: StreamVideoClient): number {
  return inspectClient(client).ringTimers;
}

function assertNoPending(client: StreamVideoClient, who: string): void {
  const store = client.readOnlyStateStore;
  assert.equal(cids(store.pendingCalls$.get()), [], `${who}: pendingCalls$`);
  assert.equal(cids(store.incomingCalls$.get()), [], `${who}: incomingCalls$`);
  assert.equal(cids(store.outgoingCalls$.get()), [], `${who}: outgoingCalls$`);
}

test('getOrCreateCall with ring: the response, the outgoing call, the incoming call and call.ring', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const { cid, response, event } = await ring(alice, bob);
  assert.is(response.created, true);
  assert.is(response.call?.call?.cid, cid);
  assert.is(response.call?.call?.createdByUserId, 'alice');
  assert.is(response.call?.call?.ringing, true);
  assert.equal(response.call?.members.map((m) => [m.userId, m.role]).sort(), [
    ['alice', 'admin'],
    ['bob', 'member'],
  ]);

  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'alice');
  assert.is(event.user?.name, 'Alice');
  assert.is(event.call?.call?.cid, cid);

  const outgoing = alice.readOnlyStateStore.outgoingCalls$.get();
  assert.equal(cids(outgoing), [cid]);
  assert.is(outgoing[0].direction, 'outgoing');
  assert.is(outgoing[0].ringer?.id, 'alice');
  assert.equal(cids(alice.readOnlyStateStore.incomingCalls$.get()), []);
  const incoming = bob.readOnlyStateStore.incomingCalls$.get();
  assert.equal(cids(incoming), [cid]);
  assert.is(incoming[0].direction, 'incoming');
  assert.is(incoming[0].ringer?.id, 'alice');
  assert.equal(cids(bob.readOnlyStateStore.pendingCalls$.get()), [cid]);
  assert.equal(cids(bob.readOnlyStateStore.outgoingCalls$.get()), []);

  // Asking again returns the call without creating it or ringing twice.
  const again = await alice.getOrCreateCall(response.call!.call!.id, 'default', { members: [{ userId: 'bob' }], ring: true });
  assert.is(again.created, false);
  assert.equal(cids(alice.readOnlyStateStore.outgoingCalls$.get()), [cid]);
  assert.equal(cids(bob.readOnlyStateStore.incomingCalls$.get()), [cid]);
});

test('ringByDefault: a ring config rings members without ring: true, a meeting config does not', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const carol = await h.connect('carol', { callConfig: CALL_CONFIG.meeting });
  const rang = nextEvent(bob, 'call.ring');
  const rung = await alice.getOrCreateCall(uniqueId(), 'default', { members: [{ userId: 'bob' }] });
  assert.is(rung.call?.call?.ringing, true);
  await rang;
  const quiet = await carol.getOrCreateCall(uniqueId(), 'default', { members: [{ userId: 'bob' }] });
  assert.is(quiet.call?.call?.ringing, false);
  assert.equal(carol.readOnlyStateStore.outgoingCalls$.get(), []);
});

test('accept: the caller sees call.accepted and acceptedCall$, pending lists empty on both sides', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const { id, cid } = await ring(alice, bob);
  const accepted = nextEvent(alice, 'call.accepted');
  const bobCall = await bob.acceptCall(id, 'default');
  const event = await accepted;
  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'bob');
  assert.is(alice.readOnlyStateStore.acceptedCall$.get()?.callCid, cid);
  assert.is(alice.readOnlyStateStore.acceptedCall$.get()?.user?.id, 'bob');
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  // Accepting joins: bob's call is active, he is its local participant.
  assert.is(bobCall.cid, cid);
  assert.is(bob.readOnlyStateStore.activeCall$.get(), bobCall);
  assert.is(bob.readOnlyStateStore.localParticipant$.get()?.sessionId, bobCall.sessionId);
  assert.is(h.c.state.calls.get(cid)!.ringing, false);
  // The caller joins the accepted call.
  const aliceCall = await alice.joinCall(id, 'default');
  assert.equal(
    aliceCall.participants.toArray().map((p) => p.userId),
    ['bob', 'alice'],
  );
});

test('reject: the caller sees call.rejected, pending lists empty on both sides', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const { id, cid } = await ring(alice, bob);
  const rejected = nextEvent(alice, 'call.rejected');
  assert.is(await bob.rejectCall(id, 'default'), undefined);
  const event = await rejected;
  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'bob');
  await waitFor(alice.readOnlyStateStore.pendingCalls$, (p) => p.length === 0, "alice's pending calls emptied");
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  assert.is(bob.readOnlyStateStore.activeCall$.get(), undefined);
  assert.is(alice.readOnlyStateStore.acceptedCall$.get(), undefined);
});

test('reject with two callees: the outgoing call stays until every callee rejected', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const carol = await h.connect('carol');
  const id = uniqueId();
  const rang = Promise.all([nextEvent(bob, 'call.ring'), nextEvent(carol, 'call.ring')]);
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }, { userId: 'carol' }], ring: true });
  await rang;
  const first = nextEvent(alice, 'call.rejected');
  await bob.rejectCall(id, 'default');
  await first;
  assert.equal(cids(alice.readOnlyStateStore.outgoingCalls$.get()), [`default:${id}`]);
  assert.equal(cids(carol.readOnlyStateStore.incomingCalls$.get()), [`default:${id}`]);
  const second = nextEvent(alice, 'call.rejected');
  await carol.rejectCall(id, 'default');
  await second;
  assertNoPending(alice, 'alice');
  assertNoPending(carol, 'carol');
});

test('cancel: the callee sees call.cancelled, pending lists empty on both sides', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const { id, cid } = await ring(alice, bob);
  const cancelled = nextEvent(bob, 'call.cancelled');
  assert.is(await alice.cancelCall(id, 'default'), undefined);
  const event = await cancelled;
  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'alice');
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  assert.is(h.c.state.calls.get(cid)!.cancelled, true);
  // A cancelled call cannot be accepted any more.
  await expectError(bob.acceptCall(id, 'default'), 'failed_precondition');
  assert.is(bob.readOnlyStateStore.activeCall$.get(), undefined);
});

test('cancel: after joining is failed_precondition; only the creator may cancel (permission_denied)', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const { id, cid } = await ring(alice, bob);
  await expectError(bob.cancelCall(id, 'default'), 'permission_denied');
  assert.equal(cids(bob.readOnlyStateStore.incomingCalls$.get()), [cid], 'a refused cancel keeps the ring');
  assert.is(h.c.state.calls.get(cid)!.cancelled, false);

  await alice.joinCall(id, 'default');
  const err = await expectError(alice.cancelCall(id, 'default'), 'failed_precondition');
  assert.is(err.method, 'cancelCall');
  assert.is(h.c.state.calls.get(cid)!.cancelled, false);
  assert.equal(cids(bob.readOnlyStateStore.incomingCalls$.get()), [cid]);
});

test('acceptCall of a call that does not exist: failed_precondition, and still no call (issue 25, item 4)', async ({ h }) => {
  const bob = await h.connect('bob');
  const id = uniqueId('nowhere');
  const published = h.c.events.published;
  const err = await expectError(bob.acceptCall(id, 'default'), 'failed_precondition');
  assert.is(h.c.state.calls.has(`default:${id}`), false, 'the refused accept created no call');
  assert.is(h.c.events.published, published, 'and published nothing');
  assert.is(err.meta['reason'], 'not_rung');
  assert.is(bob.readOnlyStateStore.activeCall$.get(), undefined);
});

test('auto-cancel: an unanswered outgoing ring is cancelled after autoCancelTimeoutInMs', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: { ringByDefault: true, autoCancelTimeoutInMs: 150, autoRejectTimeoutInMs: 0 } });
  const bob = await h.connect('bob', { callConfig: { ringByDefault: true, autoCancelTimeoutInMs: 0, autoRejectTimeoutInMs: 0 } });
  const started = Date.now();
  const cancelled = nextEvent(bob, 'call.cancelled');
  const { cid } = await ring(alice, bob);
  const event = await cancelled;
  assert.ok(Date.now() - started >= 150, 'not cancelled before the timeout');
  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'alice');
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  assert.is(h.c.state.calls.get(cid)!.cancelled, true);
});

test('auto-reject: an unanswered incoming ring is rejected after autoRejectTimeoutInMs', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: { ringByDefault: true, autoCancelTimeoutInMs: 0, autoRejectTimeoutInMs: 0 } });
  const bob = await h.connect('bob', { callConfig: { ringByDefault: true, autoCancelTimeoutInMs: 150, autoRejectTimeoutInMs: 100 } });
  const started = Date.now();
  const rejected = nextEvent(alice, 'call.rejected');
  const { cid } = await ring(alice, bob);
  const event = await rejected;
  assert.ok(Date.now() - started >= 100, 'not rejected before the timeout');
  assert.is(event.callCid, cid);
  assert.is(event.user?.id, 'bob');
  await waitFor(alice.readOnlyStateStore.pendingCalls$, (p) => p.length === 0, "alice's pending calls emptied");
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  assert.is(h.c.state.calls.get(cid)!.answers.get('bob'), 'rejected');
});

test('auto-reject before auto-cancel: the rejection stops the caller timer, nothing is cancelled', async ({ h }) => {
  const config = { ringByDefault: true, autoCancelTimeoutInMs: 150, autoRejectTimeoutInMs: 100 };
  const alice = await h.connect('alice', { callConfig: config });
  const bob = await h.connect('bob', { callConfig: config });
  const rejected = nextEvent(alice, 'call.rejected');
  const { cid } = await ring(alice, bob);
  await rejected;
  await waitFor(alice.readOnlyStateStore.pendingCalls$, (p) => p.length === 0, "alice's pending calls emptied");
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  // No ring timer is left on either side (white box: the clients' schedulers), so no cancel can follow.
  assert.is(timersOf(alice), 0, "alice's ring timers");
  assert.is(timersOf(bob), 0, "bob's ring timers");
  assert.is(h.c.state.calls.get(cid)!.cancelled, false);
});

test('a ring sent while the callee was offline shows up when he connects', async ({ h }) => {
  const alice = await h.connect('alice');
  const id = uniqueId();
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  const bob = await h.connect('bob');
  const incoming = bob.readOnlyStateStore.incomingCalls$.get();
  assert.equal(cids(incoming), [`default:${id}`]);
  assert.is(incoming[0].direction, 'incoming');
  assert.is(incoming[0].call.call?.createdByUserId, 'alice');
  // It can be answered like any other ring.
  const rejected = nextEvent(alice, 'call.rejected');
  await bob.rejectCall(id, 'default');
  await rejected;
  assertNoPending(bob, 'bob');
});

test('two devices of the callee: accepting on one ends the ring on the other', async ({ h }) => {
  const alice = await h.connect('alice');
  const phone = await h.connect('bob');
  const laptop = await h.connect('bob');
  const id = uniqueId();
  const rang = Promise.all([nextEvent(phone, 'call.ring'), nextEvent(laptop, 'call.ring')]);
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  await rang;
  assert.equal(cids(laptop.readOnlyStateStore.incomingCalls$.get()), [`default:${id}`]);
  const laptopSees = nextEvent(laptop, 'call.accepted');
  await phone.acceptCall(id, 'default');
  await laptopSees;
  assertNoPending(laptop, 'laptop');
  assertNoPending(phone, 'phone');
  assert.is(laptop.readOnlyStateStore.activeCall$.get(), undefined, 'the other device does not join');
  assert.is(timersOf(laptop), 0);
});

test('disconnect in the middle of a ring leaves no timer behind', async ({ h }) => {
  const alice = await h.connect('alice'); // CALL_CONFIG.ring: 30 s timers on both sides
  const bob = await h.connect('bob');
  await ring(alice, bob);
  assert.is(alice.readOnlyStateStore.outgoingCalls$.get().length, 1);
  assert.is(timersOf(alice), 1, "alice's auto-cancel timer runs");
  assert.is(timersOf(bob), 1, "bob's auto-reject timer runs");
  await alice.disconnectUser();
  await bob.disconnectUser();
  assertNoPending(alice, 'alice');
  assertNoPending(bob, 'bob');
  assert.is(timersOf(alice), 0);
  assert.is(timersOf(bob), 0);
  await h.close(); // closes the coordinator
  await noTimersLeft();
});

test.run();
