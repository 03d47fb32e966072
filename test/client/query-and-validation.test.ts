/**
 * queryCalls (filter, sort, limit, cursor paging) and validation at the boundary: bad input
 * is a StreamVideoError `invalid_argument` naming the argument, raised before any request.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, StreamVideoError, type StreamVideoClient } from '../../src/index-node';
import { expectError, expectThrows, Harness } from '../helpers/sdk';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const meeting = { callConfig: CALL_CONFIG.meeting };
const OTHERS = ['bob', 'carol', 'dave', 'erin'];

/** alice creates 5 calls with 1..5 members (ids in order); bob is in the last 4. */
async function fiveCalls(alice: StreamVideoClient): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < 5; n++) {
    const id = uniqueId('q');
    await alice.getOrCreateCall(id, 'default', { members: OTHERS.slice(0, n).map((userId) => ({ userId })) });
    ids.push(id);
  }
  return ids;
}

const idsOf = (res: { calls: { call?: { id: string } }[] }) => res.calls.map((c) => c.call!.id);

test('queryCalls: filter, sort by member_count both ways, and the values of each call', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const ids = await fiveCalls(alice);
  const all = await alice.queryCalls({}, [{ field: 'member_count', direction: 1 }]);
  assert.equal(idsOf(all), ids);
  assert.equal(
    all.calls.map((c) => c.call!.memberCount),
    [1, 2, 3, 4, 5],
  );
  assert.is(all.next, '');
  const desc = await alice.queryCalls({}, [{ field: 'member_count', direction: -1 }]);
  assert.equal(idsOf(desc), [...ids].reverse());

  const withBob = await alice.queryCalls({ members: { $in: ['bob'] } }, [{ field: 'member_count', direction: 1 }]);
  assert.equal(idsOf(withBob), ids.slice(1));
  const big = await alice.queryCalls({ member_count: { $gte: 4 } }, [{ field: 'member_count', direction: -1 }]);
  assert.equal(idsOf(big), [ids[4], ids[3]]);
  const either = await alice.queryCalls({ $or: [{ id: ids[0] }, { id: ids[2] }] }, [{ field: 'member_count' }]);
  assert.equal(idsOf(either).sort(), [ids[0], ids[2]].sort());
  const none = await alice.queryCalls({ recording: true }, []);
  assert.equal(none.calls, []);

  const one = (await alice.queryCalls({ cid: `default:${ids[2]}` }, [])).calls[0];
  assert.is(one.call!.createdByUserId, 'alice');
  assert.equal(one.members.map((m) => m.userId).sort(), ['alice', 'bob', 'carol']);
  assert.ok(one.ownCapabilities.includes('end-call'));
  // bob sees the calls he is a member of with his own capabilities.
  const bob = await h.connect('bob', meeting);
  const bobs = await bob.queryCalls({ members: { $in: ['bob'] } }, [{ field: 'member_count', direction: 1 }]);
  assert.equal(idsOf(bobs), ids.slice(1));
  assert.not.ok(bobs.calls[0].ownCapabilities.includes('end-call'));
});

test('queryCalls: limit and next cursor paging visit every call once, in order', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const ids = await fiveCalls(alice);
  const sort = [{ field: 'member_count', direction: -1 as const }];
  const pages: string[][] = [];
  let next: string | undefined;
  do {
    const page = await alice.queryCalls({}, sort, 2, next);
    pages.push(idsOf(page));
    next = page.next || undefined;
  } while (next && pages.length < 10);
  assert.equal(pages, [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);
  const first = await alice.queryCalls({}, sort, 1);
  assert.equal(idsOf(first), [ids[4]]);
  assert.ok(first.next.length > 0);
  // A cursor made for another sort is refused by the server.
  await expectError(alice.queryCalls({}, [{ field: 'created_at', direction: 1 }], 1, first.next), 'invalid_argument');
  // So is an unknown sort field (the SDK cannot know the server's fields).
  await expectError(alice.queryCalls({}, [{ field: 'color' }]), 'invalid_argument');
});

test('validation: queryCalls rejects bad filters, sorts, limits and cursors before any request', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  // The next RPC to reach the server fails: the valid query at the end proves none did before.
  h.c.rpcFaults.failNext('*', 1, 'failed_precondition', 'reached the server');
  const q = (filter: unknown, sort: unknown = [], limit?: unknown, next?: unknown) =>
    alice.queryCalls(filter as never, sort as never, limit as never, next as never);

  for (const filter of [
    undefined,
    null,
    'members',
    [],
    { members: { $foo: ['bob'] } },
    { $foo: 1 },
    { members: { $in: 'bob' } },
    { members: { $nin: 'bob' } },
    { members: {} },
    { $and: [] },
    { $or: {} },
    { $and: ['x'] },
    { id: () => 1 },
    { id: undefined },
    nest(8), // 9 levels: the server allows 8
  ]) {
    await expectError(q(filter), 'invalid_argument', 'filterConditions');
  }
  for (const sort of ['created_at', {}, [{}], [{ field: '' }], [{ field: 'created_at', direction: 2 }], [{ field: 'created_at', direction: 'asc' }]]) {
    await expectError(q({}, sort), 'invalid_argument', 'sort');
  }
  await expectError(q({}, [null]), 'invalid_argument', 'sort[0]');
  for (const limit of [-1, 0, 101, 1.5, Number.NaN, Infinity, '10', null]) {
    await expectError(q({}, [], limit), 'invalid_argument', 'limit');
  }
  await expectError(q({}, [], 10, 42), 'invalid_argument', 'next');

  assert.is(h.c.rpcFaults.injected.size, 0, 'no RPC reached the server');
  const err = await expectError(q({ members: { $in: ['bob'] } }, [{ field: 'created_at', direction: -1 }], 100), 'failed_precondition');
  assert.is(err.meta['injected'], 'true');
  assert.is(h.c.rpcFaults.injected.get('QueryCalls'), 1);
  assert.ok((await q(nest(7), [], 1)).calls, '8 levels are fine');
});

/** A filter with `levels` + 1 levels of `$and`. */
function nest(levels: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { id: 'x' };
  for (let i = 0; i < levels; i++) filter = { $and: [filter] };
  return filter;
}

test('validation: ids, call types and arguments of every call method, before any request', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  h.c.rpcFaults.failNext('*', 1, 'failed_precondition', 'reached the server');
  const callsBefore = h.c.state.calls.size;
  const badIds: unknown[] = ['', 42, undefined, null, 'has space', 'a/b', 'x'.repeat(65), {}];
  for (const id of badIds) {
    await expectError(alice.getOrCreateCall(id as never, 'default'), 'invalid_argument', 'id');
    await expectError(alice.joinCall(id as never, 'default'), 'invalid_argument', 'id');
    for (const m of ['acceptCall', 'rejectCall', 'cancelCall', 'startRecording', 'stopRecording'] as const) {
      await expectError(alice[m](id as never, 'default'), 'invalid_argument', 'callId');
    }
    await expectError(alice.requestCallPermissions(id as never, 'default', { permissions: ['send-audio'] }), 'invalid_argument', 'callId');
    await expectError(alice.updateUserPermissions(id as never, 'default', { userId: 'bob', grantPermissions: ['screenshare'] }), 'invalid_argument', 'callId');
  }
  for (const type of ['', 'nope', 42, undefined, 'Default']) {
    await expectError(alice.getOrCreateCall('ok', type as never), 'invalid_argument', 'type');
    await expectError(alice.joinCall('ok', type as never), 'invalid_argument', 'type');
    for (const m of ['acceptCall', 'rejectCall', 'cancelCall', 'startRecording', 'stopRecording'] as const) {
      await expectError(alice[m]('ok', type as never), 'invalid_argument', 'callType');
    }
  }
  await expectError(alice.getOrCreateCall('ok', 'default', { members: [{ userId: '' }] }), 'invalid_argument', 'data.members[0].userId');
  await expectError(alice.getOrCreateCall('ok', 'default', { members: [{ userId: 'bob' }, null as never] }), 'invalid_argument', 'data.members[1]');
  await expectError(alice.getOrCreateCall('ok', 'default', { custom: 'x' as never }), 'invalid_argument', 'data.custom');
  await expectError(alice.getOrCreateCall('ok', 'default', { custom: { f: () => 1 } }), 'invalid_argument', 'data.custom');
  await expectError(alice.requestCallPermissions('ok', 'default', { permissions: [''] }), 'invalid_argument', 'data.permissions[0]');
  await expectError(
    alice.updateUserPermissions('ok', 'default', { userId: 'bob', revokePermissions: [7 as never] }),
    'invalid_argument',
    'data.revokePermissions[0]',
  );

  assert.is(h.c.state.calls.size, callsBefore, 'no call was created');
  assert.is(h.c.rpcFaults.injected.size, 0, 'no RPC reached the server');
  const err = await expectError(alice.getOrCreateCall('ok', 'default'), 'failed_precondition');
  assert.is(err.meta['injected'], 'true');
});

test('validation: custom call types through opts.callTypes', async ({ h }) => {
  const alice = await h.connect('alice', { ...meeting, opts: { callTypes: ['default'] } });
  await expectError(alice.getOrCreateCall(uniqueId(), 'livestream'), 'invalid_argument', 'type');
  assert.is((await alice.getOrCreateCall(uniqueId(), 'default')).created, true);
  // A type the SDK allows but the server does not know is refused by the server, same code.
  const loose = await h.connect('bob', { ...meeting, opts: { callTypes: ['default', 'secret'] } });
  await expectError(loose.getOrCreateCall(uniqueId(), 'secret'), 'invalid_argument');
});

test('no failure path returns undefined: actions without a user, during a failed connect, after disconnect', async ({ h }) => {
  const idle = h.client(meeting);
  const actions = (c: StreamVideoClient): (() => Promise<unknown>)[] => [
    () => c.getOrCreateCall('x', 'default'),
    () => c.joinCall('x', 'default'),
    () => c.acceptCall('x', 'default'),
    () => c.rejectCall('x', 'default'),
    () => c.cancelCall('x', 'default'),
    () => c.queryCalls({}, []),
    () => c.startRecording('x', 'default'),
    () => c.stopRecording('x', 'default'),
    () => c.requestCallPermissions('x', 'default', { permissions: ['send-audio'] }),
    () => c.updateUserPermissions('x', 'default', { userId: 'bob', grantPermissions: ['screenshare'] }),
  ];
  for (const action of actions(idle)) await expectError(action(), 'not_connected');
  expectThrows(() => idle.setParticipantIsPinned('s1', true), 'not_found');

  // Actions called while a connect is failing settle with a StreamVideoError too.
  const failing = h.client(meeting);
  const connecting = failing.connectUser({ id: 'alice' }, 'bad-token');
  const during = actions(failing).map((action) =>
    action().then(
      (value) => ({ value }),
      (err: unknown) => err,
    ),
  );
  await expectError(connecting, 'unauthenticated');
  for (const err of await Promise.all(during)) {
    assert.instance(err, StreamVideoError, `got ${JSON.stringify(err)}`);
    // cancelCall sees the joinCall started just before it: failed_precondition; queryCalls
    // does not wait for the socket, the server refuses its token.
    assert.ok(['not_connected', 'failed_precondition', 'unauthenticated'].includes((err as StreamVideoError).code), (err as StreamVideoError).message);
  }

  const gone = await h.connect('carol', meeting);
  await gone.disconnectUser();
  for (const action of actions(gone)) await expectError(action(), 'not_connected');
  assert.is(h.c.state.calls.size, 0);
});

test.run();
