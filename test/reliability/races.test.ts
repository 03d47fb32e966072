/**
 * Races between an RPC's answer and the events of the socket, made deterministic with a TCP
 * proxy that holds the answer back (test/helpers/chaos.ts `startTcpProxy`) while an event
 * overtakes it. Each test states what the store must show; each found a bug in the client,
 * fixed by folding the events that overtake an answer after it (src/events/event-gate.ts)
 * and by tying every step of a join to the session it started in.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoError, type StreamVideoClient } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { startTcpProxy, tallyRpcFaults, type RpcTally, type TcpProxy } from '../helpers/chaos';
import { Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, until, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness; proxy: TcpProxy; tally: RpcTally }>(import.meta.url, {
  h: undefined as never,
  proxy: undefined as never,
  tally: undefined as never,
});
test.before.each(async (ctx) => {
  ctx.h = await Harness.start({ replayBuffer: { size: 2 } });
  ctx.proxy = await startTcpProxy(ctx.h.c.baseUrl);
  ctx.tally = tallyRpcFaults(ctx.h.c);
});
test.after.each(async (ctx) => {
  ctx.proxy.release();
  await ctx.h.close();
  await ctx.proxy.close();
});

/**
 * Resolves once `client`'s socket has received every event the coordinator numbered for
 * `userId` so far: the event is in the client, held by the gate until the answer comes.
 */
function receivedAll(h: Harness, client: StreamVideoClient, userId: string): Promise<void> {
  const seq = h.c.events.log(userId).seq;
  return until(() => (inspectClient(client).connection?.lastSeq ?? 0) >= seq, `${userId}'s socket to receive seq ${seq}`);
}

/** Resolves with what the store showed when `name` reached its listener: the event is folded before it is emitted. */
function storeAtEvent<K extends 'call.recording_started' | 'call.accepted', T>(client: StreamVideoClient, name: K, read: () => T): Promise<T> {
  return nextEvent(client, name).then(() => read());
}

/** Holds the proxy's answers from the moment the server receives the `n`-th next `method`. */
function holdAnswerOf(ctx: { proxy: TcpProxy; tally: RpcTally }, method: string, n = 1): Promise<void> {
  return new Promise((resolve) => {
    ctx.tally.onAttempt = (m) => {
      if (m !== method || --n > 0) return;
      ctx.proxy.hold();
      ctx.tally.onAttempt = undefined;
      resolve();
    };
  });
}

test('join: call.recording_started arriving while the JoinCall answer is in flight is not lost', async (ctx) => {
  const { h, proxy } = ctx;
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.meeting });
  await bob.joinCall('join-race', 'development', { members: [{ userId: 'alice' }] });
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting, opts: { twirpUrl: proxy.twirpUrl } });
  const held = holdAnswerOf(ctx, 'JoinCall');
  const join = alice.joinCall('join-race', 'development');
  await held;
  await until(() => [...h.c.state.calls.get('development:join-race')!.participants.values()].some((p) => p.userId === 'alice'), 'alice joined on the server');
  // bob records; alice's socket brings the event before her join's answer: it waits for it.
  const seen = storeAtEvent(alice, 'call.recording_started', () => alice.readOnlyStateStore.callRecordingInProgress$.get());
  await bob.startRecording('join-race', 'development');
  await receivedAll(h, alice, 'alice');
  proxy.release();
  await join;
  assert.is(await seen, true, 'the listener of call.recording_started sees the recording in the store');
  assert.is(h.c.state.calls.get('development:join-race')!.recording, true, 'the server records');
  assert.is(alice.readOnlyStateStore.callRecordingInProgress$.get(), true, "alice's store says the call is recorded");
});

test('ring: call.accepted arriving before the GetOrCreateCall(ring) answer leaves no outgoing ring behind', async (ctx) => {
  const { h, proxy } = ctx;
  const alice = await h.connect('alice', { opts: { twirpUrl: proxy.twirpUrl } });
  const bob = await h.connect('bob');
  const ringing = nextEvent(bob, 'call.ring');
  const held = holdAnswerOf(ctx, 'GetOrCreateCall');
  const create = alice.getOrCreateCall('ring-race', 'default', { members: [{ userId: 'bob' }], ring: true });
  await held;
  await ringing;
  const seen = storeAtEvent(alice, 'call.accepted', () => alice.readOnlyStateStore.outgoingCalls$.get().length);
  await bob.acceptCall('ring-race', 'default');
  await receivedAll(h, alice, 'alice');
  proxy.release();
  await create;
  assert.is(await seen, 0, 'the listener of call.accepted sees no outgoing ring in the store');
  assert.is(h.c.state.calls.get('default:ring-race')!.ringing, false, 'the ring is over on the server');
  assert.equal(
    alice.readOnlyStateStore.outgoingCalls$.get().map((p) => p.call.call?.cid),
    [],
    'no outgoing ring (its 30 s auto-cancel would fail)',
  );
});

test('re-sync: an event delivered while the re-sync reads the calls wins over its older snapshot', async (ctx) => {
  const { h, proxy } = ctx;
  let reconnectDelay = 0;
  const alice = await h.connect('alice', {
    callConfig: CALL_CONFIG.meeting,
    opts: { twirpUrl: proxy.twirpUrl, reconnectPolicy: { nextDelayMs: () => reconnectDelay } },
  });
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.meeting });
  await alice.joinCall('resync-race', 'development', { members: [{ userId: 'bob' }] });
  await bob.joinCall('resync-race', 'development');
  await waitFor(alice.readOnlyStateStore.participants$, (v) => v.size === 2, 'alice sees bob');
  // alice's socket drops; more events than the replay buffer (2) are published meanwhile.
  reconnectDelay = 200;
  const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
  h.c.hub.faults.dropUser('alice');
  await down;
  for (let i = 0; i < 4; i++)
    h.c.events.publish(['alice'], 'development:resync-race', { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ i }) } });
  // The re-sync's second QueryCalls reads the active call: its answer is held.
  const held = holdAnswerOf(ctx, 'QueryCalls', 2);
  await held;
  const seen = storeAtEvent(alice, 'call.recording_started', () => alice.readOnlyStateStore.callRecordingInProgress$.get());
  await bob.startRecording('resync-race', 'development');
  await receivedAll(h, alice, 'alice');
  const recovered = nextEvent(alice, 'connection.recovered');
  proxy.release();
  await recovered;
  assert.is(await seen, true, 'the listener of call.recording_started sees the recording in the store');
  assert.is(h.c.state.calls.get('development:resync-race')!.recording, true, 'the server records');
  assert.is(alice.readOnlyStateStore.callRecordingInProgress$.get(), true, "alice's store says the call is recorded");
});

test('disconnectUser while the JoinCall answer is in flight: the join fails with disconnected, and does not complete in the next session', async (ctx) => {
  const { h, proxy } = ctx;
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting, opts: { twirpUrl: proxy.twirpUrl } });
  // The server has the join (alice is a participant there); its answer is held.
  const held = holdAnswerOf(ctx, 'JoinCall');
  const outcome = alice.joinCall('zombie', 'default').then(
    () => 'joined',
    (err: unknown) => (err instanceof StreamVideoError ? err.code : String(err)),
  );
  await held;
  await until(() => h.c.state.calls.get('default:zombie')?.participants.size === 1, 'alice joined on the server');
  await alice.disconnectUser();
  await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
  proxy.release();
  assert.is(await outcome, 'disconnected', 'how the join ended');
  // The abandoned join is undone (a LeaveCall of the ended session), on the server too.
  await until(() => h.c.state.calls.get('default:zombie')?.participants.size === 0, 'the abandoned join to be left on the server');
  assert.is(alice.readOnlyStateStore.activeCall$.get(), undefined, 'no active call in the new session');
});

test('the proxy holds answers until released (the harness of the races works)', async ({ h, proxy, tally }) => {
  const alice = await h.connect('alice', { opts: { twirpUrl: proxy.twirpUrl } });
  const { created } = await alice.getOrCreateCall('plain', 'default');
  assert.ok(created);
  proxy.hold();
  const before = tally.attempts.get('QueryCalls') ?? 0;
  let settled = false;
  const late = alice.queryCalls({}, []).finally(() => (settled = true));
  await until(() => (tally.attempts.get('QueryCalls') ?? 0) > before, 'the query on the server');
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.is(settled, false, 'the answer is held');
  proxy.release();
  assert.equal(
    (await late).calls.map((c) => c.call?.cid),
    ['default:plain'],
  );
});

test.run();
