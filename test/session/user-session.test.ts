/**
 * One user session, one failure path: when the connection closes for good the client emits
 * the error, then the closed state, clears the store and lets `connectUser` run again; and
 * the event pipeline always folds an event into the store before a listener sees it.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoError, type StreamEvent } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { expectError, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, until } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

test('the reconnect policy gives up: error, then disconnected, the store cleared, and connectUser works again', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting, opts: { reconnectPolicy: { nextDelayMs: () => null } } });
  await alice.joinCall('gives-up', 'default');
  const order: string[] = [];
  let errorEvent: StreamEvent | undefined;
  const off = alice.on('*', (e) => {
    if (e.type === 'connection.error') errorEvent = e;
    if (e.type === 'connection.error' || e.type === 'connection.changed')
      order.push(e.type === 'connection.changed' ? `changed:${e.state}:${alice.readOnlyStateStore.connectionState$.get()}` : 'error');
  });
  const closed = nextEvent(alice, 'connection.changed', (e) => e.state === 'disconnected');
  h.c.hub.faults.dropUser('alice');
  await closed;
  assert.equal(order, ['error', 'changed:disconnected:disconnected'], 'the error first, then the closed state (already in the store)');
  assert.ok(errorEvent?.type === 'connection.error' && errorEvent.error instanceof StreamVideoError);
  assert.is(errorEvent.type === 'connection.error' && errorEvent.error.code, 'network');
  const store = alice.readOnlyStateStore;
  assert.is(store.connectionState$.get(), 'disconnected');
  assert.is(store.connectedUser$.get(), undefined, 'connectedUser$ is cleared');
  assert.is(store.activeCall$.get(), undefined);
  assert.is(inspectClient(alice).connection, undefined, 'the session is gone');
  await expectError(alice.queryCalls({}, []), 'not_connected');
  // Not stuck: the app can start again.
  await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
  assert.is(store.connectionState$.get(), 'connected');
  assert.is(store.connectedUser$.get()?.id, 'alice');
  assert.is((await alice.queryCalls({}, [])).calls.length, 1);
  off();
});

test('the server refuses a fresh token after connecting: unauthenticated error, then the closed state', async ({ h }) => {
  let calls = 0;
  let first = '';
  const alice = h.client({ callConfig: CALL_CONFIG.meeting });
  // The first token expires soon (in 2 to 3 s, exp being whole seconds: a token of 1 s could
  // expire before a connect on a loaded machine used it); the provider then hands out tokens of another user.
  await alice.connectUser({ id: 'alice' }, async () =>
    ++calls === 1 ? (first = await h.c.createToken('alice', { expiresInSeconds: 3 })) : h.c.createToken('mallory'),
  );
  assert.is(calls, 1, 'connected with the first token');
  const { exp } = JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString()) as { exp: number };
  await until(() => Date.now() >= exp * 1000, 'the first token to expire', 5000);
  const order: string[] = [];
  alice.on('connection.error', (e) => order.push(`error:${e.error.code}`));
  const closed = nextEvent(alice, 'connection.changed', (e) => e.state === 'disconnected');
  alice.on('connection.changed', (e) => void (e.state === 'disconnected' && order.push('disconnected')));
  h.c.hub.faults.dropUser('alice');
  await closed;
  assert.equal(order, ['error:unauthenticated', 'disconnected']);
  assert.is(calls, 3, 'one refresh for the expired token, one more after the first refusal, then final');
  assert.is(alice.readOnlyStateStore.connectedUser$.get(), undefined);
});

test('every event reaches its listeners already folded into the store', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.meeting });
  const store = alice.readOnlyStateStore;
  const checks: string[] = [];
  alice.on('call.participant_joined', (e) => checks.push(`joined ${store.participants$.get().has(e.participant!.sessionId)}`));
  alice.on('call.participant_left', (e) => checks.push(`left ${!store.participants$.get().has(e.participant!.sessionId)}`));
  alice.on('call.recording_started', () => checks.push(`recording ${store.callRecordingInProgress$.get()}`));
  alice.on('call.recording_stopped', () => checks.push(`stopped ${!store.callRecordingInProgress$.get()}`));
  alice.on('call.permissions_updated', (e) =>
    checks.push(`capabilities ${store.activeCall$.get()!.ownCapabilities.join(',') === e.ownCapabilities.join(',')}`),
  );
  alice.on('call.updated', (e) => checks.push(`updated ${store.activeCall$.get()!.data === e.call}`));
  await alice.joinCall('folded', 'development', { members: [{ userId: 'bob' }] });
  const bobCall = await bob.joinCall('folded', 'development');
  await alice.startRecording('folded', 'development');
  await alice.stopRecording('folded', 'development');
  await bob.updateUserPermissions('folded', 'development', { userId: 'alice', revokePermissions: ['screenshare'] });
  await bobCall.leave();
  await until(
    () => checks.length >= 5,
    () => `the events (${checks.join(', ')})`,
  );
  assert.ok(
    checks.every((c) => c.endsWith('true')),
    checks.join(', '),
  );
  // Incoming rings: the listener of call.ring sees the ring in incomingCalls$.
  const seen = nextEvent(alice, 'call.ring').then((e) => store.incomingCalls$.get().some((p) => p.call.call?.cid === e.callCid));
  await bob.getOrCreateCall('rings', 'default', { members: [{ userId: 'alice' }], ring: true });
  assert.ok(await seen, 'call.ring listener sees the incoming call');
  h.c.events.publish(['alice'], 'default:rings', { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ n: 1 }) } });
  await nextEvent(alice, 'custom');
});

test('disconnectUser ends everything the session started: no ring timer, socket or store subscription stays', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const ringing = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall('ends', 'default', { members: [{ userId: 'bob' }], ring: true });
  await ringing;
  assert.is(inspectClient(alice).ringTimers, 1);
  assert.is(inspectClient(bob).ringTimers, 1);
  const lc = alice.readOnlyStateStore.pendingCalls$.lc;
  await alice.disconnectUser();
  assert.is(inspectClient(alice).ringTimers, 0);
  assert.is(alice.readOnlyStateStore.pendingCalls$.lc, lc - 1, 'the ring timers stopped following pendingCalls$');
  await until(() => h.c.hub.connectionsOf('alice') === 0, 'the socket closed');
});

test('listeners added before connectUser hear every session; the SDK adds none of its own', async ({ h }) => {
  const alice = h.client({ callConfig: CALL_CONFIG.meeting });
  const seen: number[] = [];
  alice.on('custom', (e) => void seen.push(e.custom['n'] as number));
  for (let n = 1; n <= 3; n++) {
    await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
    assert.is(inspectClient(alice).listeners, 1, 'only the app listener');
    const heard = nextEvent(alice, 'custom');
    h.c.events.publish(['alice'], 'default:x', { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ n }) } });
    await heard;
    await alice.disconnectUser();
  }
  assert.equal(seen, [1, 2, 3]);
  assert.is(inspectClient(alice).listeners, 1);
});

test.run();
