/**
 * StreamVideoClient: constructor, connectUser, disconnectUser, on and off.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoClient, StreamVideoError } from '../../src/index-node';
import { expectError, expectThrows, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, until, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** A `custom` event payload, as the coordinator publishes it. */
function custom(data: Record<string, string | number>) {
  return { oneofKind: 'custom' as const, custom: { user: undefined, custom: Struct.fromJson(data) } };
}

test('constructor: a bad apiKey is invalid_argument; callConfig defaults to CALL_CONFIG.meeting', ({ h }) => {
  for (const bad of ['', 42, undefined, null]) {
    expectThrows(() => new StreamVideoClient(bad as never), 'invalid_argument', 'apiKey');
  }
  expectThrows(() => new StreamVideoClient('key', { baseUrl: 'not a url' }), 'invalid_argument', 'opts.baseUrl');
  const meeting = new StreamVideoClient(h.c.apiKey, { baseUrl: h.c.baseUrl, logger: () => {} });
  assert.is(meeting.callConfig, CALL_CONFIG.meeting);
  assert.equal(meeting.callConfig, {
    ringByDefault: false,
    autoCancelTimeoutInMs: 0,
    autoRejectTimeoutInMs: 0,
    autoRejectWhenInCall: false,
    joinCallInstantly: false,
    playSounds: false,
  });
  const custom = { ringByDefault: true, autoCancelTimeoutInMs: 5, autoRejectTimeoutInMs: 6 };
  assert.is(new StreamVideoClient(h.c.apiKey, {}, custom).callConfig, custom);
  const store = meeting.readOnlyStateStore;
  assert.is(store.connectionState$.get(), 'idle');
  assert.is(store.connectedUser$.get(), undefined);
  assert.equal(store.pendingCalls$.get(), []);
  assert.is(store.activeCall$.get(), undefined);
  assert.is(store.participants$.get().size, 0);
  assert.is(store.callRecordingInProgress$.get(), false);
  assert.is(store.getCurrentValue(store.connectionState$), 'idle');
});

test('connectUser: sets connectedUser$ and connectionState$, opens one socket', async ({ h }) => {
  const alice = h.client();
  const states: string[] = [];
  alice.readOnlyStateStore.connectionState$.listen((s) => void states.push(s));
  const result = await alice.connectUser({ id: 'alice', name: 'Alice', imageUrl: 'https://img/alice.png' }, await h.c.createToken('alice'));
  assert.is(result, undefined);
  const store = alice.readOnlyStateStore;
  assert.is(store.connectionState$.get(), 'connected');
  assert.equal(states, ['connecting', 'connected']);
  const user = store.connectedUser$.get();
  assert.is(user?.id, 'alice');
  assert.is(user?.name, 'Alice');
  assert.is(user?.imageUrl, 'https://img/alice.png');
  assert.is(h.c.hub.connectionCount, 1);
  assert.is(h.c.hub.connectionsOf('alice'), 1);
});

test('connectUser: a second connect without disconnect is already_connected and changes nothing', async ({ h }) => {
  const alice = await h.connect('alice');
  await expectError(alice.connectUser({ id: 'bob' }, await h.c.createToken('bob')), 'already_connected');
  assert.is(alice.readOnlyStateStore.connectedUser$.get()?.id, 'alice');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
  assert.is(h.c.hub.connectionCount, 1);
});

test('connectUser: of two concurrent calls exactly one succeeds, the other is already_connected', async ({ h }) => {
  const alice = h.client();
  const token = await h.c.createToken('alice');
  const results = await Promise.allSettled([alice.connectUser({ id: 'alice' }, token), alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'))]);
  const ok = results.filter((r) => r.status === 'fulfilled');
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.is(ok.length, 1);
  assert.is(failed.length, 1);
  assert.instance(failed[0].reason, StreamVideoError);
  assert.is((failed[0].reason as StreamVideoError).code, 'already_connected');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
  await until(() => h.c.hub.connectionCount === 1, 'one socket on the hub');
});

test('connectUser: a bad token is unauthenticated and leaves the client disconnected; a good one then works', async ({ h }) => {
  const alice = h.client();
  await expectError(alice.connectUser({ id: 'alice' }, 'not-a-token'), 'unauthenticated');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'disconnected');
  assert.is(alice.readOnlyStateStore.connectedUser$.get(), undefined);
  // A token for another user than the one connecting is refused the same way.
  await expectError(alice.connectUser({ id: 'alice' }, await h.c.createToken('mallory')), 'unauthenticated');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'disconnected');
  await until(() => h.c.hub.connectionCount === 0, 'no socket left on the hub');
  await alice.connectUser({ id: 'alice' }, await h.c.createToken('alice'));
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
});

test('connectUser: a provider that keeps failing is retried on the backoff until connectMs, then timeout with the provider error as cause', async ({ h }) => {
  const carol = h.client({ opts: { timeouts: { connectMs: 300 }, reconnectPolicy: { nextDelayMs: () => 10 } } });
  let calls = 0;
  const err = await expectError(
    carol.connectUser({ id: 'carol' }, () => {
      calls++;
      return Promise.reject(new Error('no token today'));
    }),
    'timeout',
  );
  assert.ok(err.cause instanceof StreamVideoError);
  assert.is(err.cause.code, 'unavailable');
  assert.is(err.cause.method, 'tokenProvider');
  assert.ok(calls >= 2, `the provider was retried (${calls} calls)`);
  assert.is(carol.readOnlyStateStore.connectionState$.get(), 'disconnected');
  assert.is(h.c.hub.connectionCount, 0);
  await carol.connectUser({ id: 'carol' }, await h.c.createToken('carol'));
  assert.is(carol.readOnlyStateStore.connectionState$.get(), 'connected');
});

test('connectUser: bad arguments are invalid_argument before any socket opens', async ({ h }) => {
  const alice = h.client();
  await expectError(alice.connectUser(null as never, 'x'), 'invalid_argument', 'user');
  await expectError(alice.connectUser({ id: '' }, 'x'), 'invalid_argument', 'user.id');
  await expectError(alice.connectUser({ id: 'a b' }, 'x'), 'invalid_argument', 'user.id');
  await expectError(alice.connectUser({ id: 'alice' }, ''), 'invalid_argument', 'tokenOrProvider');
  await expectError(alice.connectUser({ id: 'alice' }, 42 as never), 'invalid_argument', 'tokenOrProvider');
  assert.is(h.c.hub.connectionCount, 0);
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'idle');
});

test('disconnectUser: resets the store and closes the socket; listeners added with on() stay for the next user', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob');
  const rang = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall('c1', 'default', { members: [{ userId: 'bob' }], ring: true });
  await rang;
  const call = await alice.joinCall('c1', 'default');
  await alice.startRecording('c1', 'default');
  await waitFor(alice.readOnlyStateStore.callRecordingInProgress$, (r) => r, 'recording on');
  let heard = 0;
  alice.on('custom', () => void heard++);
  alice.on('*', (e) => void (e.type === 'custom' && heard++));

  await alice.disconnectUser();
  heard = 0; // the leave's own participant_left may reach alice while she disconnects
  const store = alice.readOnlyStateStore;
  assert.is(store.connectionState$.get(), 'disconnected');
  assert.is(store.connectedUser$.get(), undefined);
  assert.is(store.activeCall$.get(), undefined);
  assert.equal(store.pendingCalls$.get(), []);
  assert.is(store.participants$.get().size, 0);
  assert.is(store.localParticipant$.get(), undefined);
  assert.is(store.callRecordingInProgress$.get(), false);
  assert.is(store.acceptedCall$.get(), undefined);
  assert.ok(call.hasLeft);
  // Leaving was part of the disconnect: the server has no session of alice any more.
  assert.is([...h.c.state.calls.get('default:c1')!.participants.values()].filter((p) => p.userId === 'alice').length, 0);
  await until(() => h.c.hub.connectionsOf('alice') === 0, "alice's socket closed on the hub");

  await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
  const fresh = nextEvent(alice, 'custom');
  h.c.events.publish(['alice'], 'default:c1', custom({ n: 1 }));
  assert.equal((await fresh).custom, { n: 1 });
  assert.is(heard, 2, 'listeners added before disconnectUser hear the next session (custom and *)');

  await alice.disconnectUser();
  await bob.disconnectUser();
  await until(() => h.c.hub.connectionCount === 0, 'no socket left on the hub');
});

test('disconnectUser during connectUser: the connect rejects with disconnected; connecting again works', async ({ h }) => {
  const alice = h.client();
  let release: (token: string) => void = () => {};
  const connecting = alice.connectUser({ id: 'alice' }, () => new Promise<string>((resolve) => (release = resolve)));
  const settled = expectError(connecting, 'disconnected');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connecting');
  await alice.disconnectUser();
  await settled;
  release(await h.c.createToken('alice')); // the token arrives too late: nothing opens
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'disconnected');
  assert.is(alice.readOnlyStateStore.connectedUser$.get(), undefined);
  await alice.connectUser({ id: 'alice' }, await h.c.createToken('alice'));
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
  await until(() => h.c.hub.connectionCount === 1, 'one socket on the hub');
});

test('disconnectUser: a pending RPC is rejected with disconnected', async ({ h }) => {
  const alice = await h.connect('alice');
  h.c.rpcFaults.setLatency('QueryCalls', 1000);
  const pending = alice.queryCalls({}, []);
  const settled = expectError(pending, 'disconnected');
  await alice.disconnectUser();
  const err = await settled;
  assert.is(err.method, 'QueryCalls');
  h.c.rpcFaults.clear();
  await expectError(alice.queryCalls({}, []), 'not_connected');
});

test('disconnectUser: without a connected user it resolves and changes nothing', async ({ h }) => {
  const alice = h.client();
  await alice.disconnectUser();
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'idle');
});

test('on/off: named listeners, the * wildcard, the unsubscribe function and off', async ({ h }) => {
  const alice = await h.connect('alice');
  const named: unknown[] = [];
  const viaOff: unknown[] = [];
  const wildcard: string[] = [];
  const unsubscribe = alice.on('custom', (e) => void named.push(e.custom));
  const offMe = (e: { custom: unknown }) => void viaOff.push(e.custom);
  alice.on('custom', offMe);
  alice.on('*', (e) => void wildcard.push(e.type === 'custom' ? `custom:${JSON.stringify(e.custom)}` : e.type));
  assert.type(unsubscribe, 'function');

  const first = nextEvent(alice, 'custom');
  h.c.events.publish(['alice'], 'default:x', custom({ n: 1 }));
  const e1 = await first;
  assert.is(e1.type, 'custom');
  assert.is(e1.callCid, 'default:x');
  assert.type(e1.seq, 'number');
  assert.equal(named, [{ n: 1 }]);
  assert.equal(viaOff, [{ n: 1 }]);
  assert.equal(wildcard, ['custom:{"n":1}']);

  unsubscribe();
  unsubscribe(); // twice does nothing
  alice.off('custom', offMe);
  const second = nextEvent(alice, 'custom');
  h.c.events.publish(['alice'], 'default:x', custom({ n: 2 }));
  assert.equal((await second).custom, { n: 2 });
  assert.equal(named, [{ n: 1 }]);
  assert.equal(viaOff, [{ n: 1 }]);
  assert.equal(wildcard, ['custom:{"n":1}', 'custom:{"n":2}']);

  // A listener that throws does not stop the others.
  alice.on('custom', () => {
    throw new Error('boom');
  });
  const third = nextEvent(alice, 'custom');
  h.c.events.publish(['alice'], 'default:x', custom({ n: 3 }));
  assert.equal((await third).custom, { n: 3 });
  assert.is(wildcard.length, 3);

  expectThrows(() => alice.on('custom', 'nope' as never), 'invalid_argument', 'callback');
});

test.run();
