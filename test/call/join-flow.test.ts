/**
 * The join flow against leaves and disconnects in flight (issue 14, items 3 and 4): a join
 * of the call being left waits for the leave and joins anew; a join abandoned by
 * `disconnectUser` after its request may have reached the server leaves no ghost behind:
 * the SDK sends a best-effort LeaveCall, and when that is lost the coordinator drops the
 * participant of a user without a live socket after its grace period.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, StreamVideoError } from '../../src/index-node';
import type { LocalCoordinatorOptions } from '../../src/testing';
import { startTcpProxy, tallyRpcFaults, type RpcTally, type TcpProxy } from '../helpers/chaos';
import { Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, within } from '../helpers/common';

interface Ctx {
  h: Harness;
  proxy: TcpProxy | undefined;
}
const test = fileSuite<Ctx>(import.meta.url, { h: undefined as never, proxy: undefined });
test.after.each(async (ctx) => {
  ctx.proxy?.release();
  await ctx.h?.close();
  await ctx.proxy?.close();
  ctx.proxy = undefined;
});

const meeting = { callConfig: CALL_CONFIG.meeting };

async function start(ctx: Ctx, options: LocalCoordinatorOptions = {}): Promise<{ h: Harness; tally: RpcTally }> {
  ctx.h = await Harness.start(options);
  return { h: ctx.h, tally: tallyRpcFaults(ctx.h.c) };
}

/** The user ids of the participants the server holds in `cid`. */
function onServer(h: Harness, cid: string): string[] {
  return [...(h.c.state.calls.get(cid)?.participants.values() ?? [])].map((p) => p.userId).sort();
}

/** Resolves when the server receives the next `method`; from then on the proxy holds every answer back. */
function holdAnswerOf(tally: RpcTally, proxy: TcpProxy, method: string): Promise<void> {
  return new Promise((resolve) => {
    tally.onAttempt = (m) => {
      if (m !== method) return;
      proxy.hold();
      tally.onAttempt = undefined;
      resolve();
    };
  });
}

/** How `promise` ended: `joined`, or the code it failed with. */
function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'joined',
    (err: unknown) => (err instanceof StreamVideoError ? err.code : String(err)),
  );
}

test('joinCall while leave() of the same call is in flight: waits for the leave, then joins anew', async (ctx) => {
  const { h } = await start(ctx);
  const alice = await h.connect('alice', meeting);
  const first = await alice.joinCall('again', 'default');
  h.c.rpcFaults.setLatency('LeaveCall', 100); // the leave stays in flight while joinCall is called
  const leaving = first.leave();
  const joining = alice.joinCall('again', 'default');
  await leaving;
  const second = await joining;
  assert.is.not(second, first, 'a new Call, not the one being left');
  assert.is(first.hasLeft, true);
  assert.is(second.hasLeft, false);
  assert.is.not(second.sessionId, first.sessionId);
  assert.is(alice.readOnlyStateStore.activeCall$.get(), second);
  assert.equal(
    alice.readOnlyStateStore.participants$
      .get()
      .toArray()
      .map((p) => p.sessionId),
    [second.sessionId],
  );
  assert.equal([...h.c.state.calls.get('default:again')!.participants.keys()], [second.sessionId], 'one session on the server: the new one');
});

test('disconnectUser while the JoinCall answer is in flight: the SDK leaves, the host sees participant_left (no grace period on the server)', async (ctx) => {
  const { h, tally } = await start(ctx, { participantGraceMs: Infinity });
  const proxy = (ctx.proxy = await startTcpProxy(h.c.baseUrl));
  const alice = await h.connect('alice', meeting);
  await alice.joinCall('ghost', 'default', { members: [{ userId: 'bob' }] });
  const bob = await h.connect('bob', { ...meeting, opts: { twirpUrl: proxy.twirpUrl } });

  // Bob's JoinCall reaches the server, which joins him; its answer is held back on the way.
  const reached = holdAnswerOf(tally, proxy, 'JoinCall');
  const joined = nextEvent(alice, 'call.participant_joined', (e) => e.participant?.user?.id === 'bob');
  const join = outcome(bob.joinCall('ghost', 'default'));
  await reached;
  await joined;
  assert.equal(onServer(h, 'default:ghost'), ['alice', 'bob']);

  const left = nextEvent(alice, 'call.participant_left', (e) => e.participant?.user?.id === 'bob');
  await bob.disconnectUser();
  await left;
  assert.equal(onServer(h, 'default:ghost'), ['alice'], 'no ghost');
  assert.is(await within(join, 'the join to settle', 3000), 'disconnected');
  assert.equal(
    alice.readOnlyStateStore.participants$
      .get()
      .toArray()
      .map((p) => p.userId),
    ['alice'],
  );
});

test("disconnectUser while the JoinCall answer is in flight and the SDK's LeaveCall is lost: the grace period drops the ghost", async (ctx) => {
  const { h, tally } = await start(ctx, { participantGraceMs: 100 });
  const proxy = (ctx.proxy = await startTcpProxy(h.c.baseUrl));
  const alice = await h.connect('alice', meeting);
  await alice.joinCall('lost-leave', 'default', { members: [{ userId: 'bob' }] });
  const bob = await h.connect('bob', { ...meeting, opts: { twirpUrl: proxy.twirpUrl } });
  const reached = holdAnswerOf(tally, proxy, 'JoinCall');
  const joined = nextEvent(alice, 'call.participant_joined', (e) => e.participant?.user?.id === 'bob');
  const join = outcome(bob.joinCall('lost-leave', 'default'));
  await reached;
  await joined;

  h.c.rpcFaults.failNext('LeaveCall', 1, 'unavailable'); // the best-effort leave does not get through
  const left = nextEvent(alice, 'call.participant_left', (e) => e.participant?.user?.id === 'bob');
  await bob.disconnectUser();
  await left;
  assert.is(tally.injected.get('unavailable'), 1, "the SDK's LeaveCall was sent, once (it is not retried)");
  assert.equal(onServer(h, 'default:lost-leave'), ['alice'], 'no ghost');
  assert.is(await within(join, 'the join to settle', 3000), 'disconnected');
});

test.run();
