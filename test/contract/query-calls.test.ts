/**
 * Contract: QueryCalls through the generated client: filters, sorting, limits and cursors.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import {
  EndCallRequest,
  GetOrCreateCallRequest,
  QueryCallsRequest,
  SortDirection,
  StartRecordingRequest,
  UpdateCallMembersRequest,
  type SortParam,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { expectRpcError, FORMATS, rpcClient, startCoordinator } from '../helpers/rpc';

interface Ctx {
  c: LocalCoordinator;
  /** Epoch ms of "second 0" of the fixture; call qN was created at second N. */
  t0: number;
  setClock: (second: number) => void;
}

const test = suite<Ctx>('QueryCalls', {} as Ctx);

const ADMIN = [
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
const DEV_CALLS = 60;

/**
 * The fixture (second: what happens):
 *  1 default:q1 by alice, members bob          4 default:q4 by carol, members alice bob, rung
 *  2 default:q2 by alice, members bob carol dave  5 livestream:q5 by alice, members dave
 *  3 audio_room:q3 by bob                      6 default:q6 by dave
 *  7 q5 starts recording   8 q6 ends   9 q1 adds erin
 * 100.. 60 development calls d00..d59 by frank, two per second, 1 to 4 members.
 */
test.before(async (ctx) => {
  ctx.t0 = Date.now() - 60_000;
  let clock = ctx.t0;
  ctx.setClock = (second) => (clock = ctx.t0 + second * 1000);
  ctx.c = await startCoordinator({ now: () => clock });
  const client = async (u: string) => rpcClient(ctx.c, u);
  const [alice, bob, carol, dave, frank] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'frank'].map(client));
  const create = (cl: CoordinatorServiceClient, type: string, id: string, members: string[], ring = false) =>
    cl.getOrCreateCall(GetOrCreateCallRequest.create({ type, id, ring, data: { members: members.map((userId) => ({ userId, role: '' })) } }));
  const steps: [number, () => PromiseLike<unknown>][] = [
    [1, () => create(alice, 'default', 'q1', ['bob'])],
    [2, () => create(alice, 'default', 'q2', ['bob', 'carol', 'dave'])],
    [3, () => create(bob, 'audio_room', 'q3', [])],
    [4, () => create(carol, 'default', 'q4', ['alice', 'bob'], true)],
    [5, () => create(alice, 'livestream', 'q5', ['dave'])],
    [6, () => create(dave, 'default', 'q6', [])],
    [7, () => alice.startRecording(StartRecordingRequest.create({ type: 'livestream', id: 'q5' }))],
    [8, () => dave.endCall(EndCallRequest.create({ type: 'default', id: 'q6' }))],
    [9, () => alice.updateCallMembers(UpdateCallMembersRequest.create({ type: 'default', id: 'q1', updateMembers: [{ userId: 'erin', role: '' }] }))],
  ];
  for (const [second, step] of steps) {
    ctx.setClock(second);
    await step();
  }
  for (let i = 0; i < DEV_CALLS; i++) {
    ctx.setClock(100 + (i >> 1));
    const members = ['m1', 'm2', 'm3'].slice(0, (i * 7) % 4);
    await create(frank, 'development', `d${String(i).padStart(2, '0')}`, members);
  }
  ctx.setClock(200);
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const FIXTURE = { type: { $ne: 'development' } };
const asc = (field: string): SortParam => ({ field, direction: SortDirection.ASCENDING });
const desc = (field: string): SortParam => ({ field, direction: SortDirection.DESCENDING });

function request(filter: object | undefined, sort: SortParam[] = [], limit = 0, next = '', prev = ''): QueryCallsRequest {
  return QueryCallsRequest.create({ filterConditions: filter ? Struct.fromJson(filter as never) : undefined, sort, limit, next, prev });
}

async function ids(client: CoordinatorServiceClient, filter: object, sort: SortParam[] = []): Promise<string[]> {
  const { response } = await client.queryCalls(request({ $and: [FIXTURE, filter] }, sort));
  return response.calls.map((c) => c.call!.id);
}

for (const { json, label } of FORMATS) {
  test(`returns call states as the caller sees them (${label})`, async ({ c }) => {
    const bob = await rpcClient(c, 'bob', { json });
    const { response } = await bob.queryCalls(request(FIXTURE));
    // not default:q6: a default call is for its members only
    assert.equal(
      response.calls.map((s) => s.call!.cid),
      ['livestream:q5', 'default:q4', 'audio_room:q3', 'default:q2', 'default:q1'],
    );
    assert.is(response.next, '');
    assert.is(response.prev, '');
    const byId = new Map(response.calls.map((s) => [s.call!.id, s]));
    assert.equal(byId.get('q3')!.ownCapabilities, ADMIN);
    assert.equal(byId.get('q1')!.ownCapabilities, ['create-reaction', 'join-call', 'read-call', 'send-audio', 'send-video']);
    assert.equal(byId.get('q5')!.ownCapabilities, ['join-call', 'read-call'], 'not a member of q5');
    assert.equal(
      byId
        .get('q1')!
        .members.map((m) => m.userId)
        .sort(),
      ['alice', 'bob', 'erin'],
    );
    assert.is(byId.get('q1')!.call!.memberCount, 3);
    assert.is(byId.get('q4')!.call!.ringing, true);
    assert.is(byId.get('q5')!.call!.recording, true);
    const dave = await rpcClient(c, 'dave', { json });
    const [q6] = (await dave.queryCalls(request({ id: 'q6' }))).response.calls;
    assert.ok(q6.call!.endedAt);
  });

  test(`each user sees only the calls they may read; cursors page over those alone (${label})`, async ({ c }) => {
    // Who may read what: members of a default call; anyone in audio_room, livestream, development.
    const visible: Record<string, string[]> = {
      alice: ['q5', 'q4', 'q3', 'q2', 'q1'],
      bob: ['q5', 'q4', 'q3', 'q2', 'q1'],
      carol: ['q5', 'q4', 'q3', 'q2'],
      dave: ['q6', 'q5', 'q3', 'q2'],
      erin: ['q5', 'q3', 'q1'],
      mallory: ['q5', 'q3'],
    };
    for (const [user, expected] of Object.entries(visible)) {
      const client = await rpcClient(c, user, { json });
      assert.equal(await ids(client, {}), expected, user);
      // a filter naming a hidden call finds nothing
      const hidden = ['q1', 'q2', 'q4', 'q6'].filter((id) => !expected.includes(id));
      for (const id of hidden) assert.equal(await ids(client, { id }), [], `${user} looks for ${id}`);
      // one call per page: every readable call once, no page empty, no hidden call
      const paged: string[] = [];
      let next = '';
      let pages = 0;
      do {
        const { response } = await client.queryCalls(request(FIXTURE, [], 1, next));
        assert.is(response.calls.length, 1, `${user}: page ${pages + 1} holds one call`);
        paged.push(...response.calls.map((s) => s.call!.id));
        next = response.next;
        pages++;
      } while (next && pages < 10);
      assert.equal(paged, expected, `${user}: paged`);
    }
  });

  test(`sorts on created_at, updated_at and member_count, both directions (${label})`, async ({ c }) => {
    // bob may read every fixture call but q6 (a default call he is no member of)
    const bob = await rpcClient(c, 'bob', { json });
    const cases: [SortParam[], string[]][] = [
      [[], ['q5', 'q4', 'q3', 'q2', 'q1']],
      [[desc('created_at')], ['q5', 'q4', 'q3', 'q2', 'q1']],
      [[{ field: 'created_at', direction: SortDirection.UNSPECIFIED }], ['q5', 'q4', 'q3', 'q2', 'q1']],
      [[asc('created_at')], ['q1', 'q2', 'q3', 'q4', 'q5']],
      [[desc('updated_at')], ['q1', 'q5', 'q4', 'q3', 'q2']],
      [[asc('updated_at')], ['q2', 'q3', 'q4', 'q5', 'q1']],
      // ties are broken by cid, ascending, in either direction
      [[desc('member_count')], ['q2', 'q1', 'q4', 'q5', 'q3']],
      [[asc('member_count')], ['q3', 'q5', 'q1', 'q4', 'q2']],
      [
        [asc('member_count'), desc('created_at')],
        ['q3', 'q5', 'q4', 'q1', 'q2'],
      ],
      [
        [desc('member_count'), asc('updated_at')],
        ['q2', 'q4', 'q1', 'q5', 'q3'],
      ],
    ];
    for (const [sort, expected] of cases) {
      assert.equal(await ids(bob, {}, sort), expected, JSON.stringify(sort));
    }
    const unknown = await expectRpcError(bob.queryCalls(request(FIXTURE, [asc('name')])), 'invalid_argument');
    assert.is(unknown.meta.argument, 'sort');
    const empty = await expectRpcError(bob.queryCalls(request(FIXTURE, [asc('created_at'), asc('')])), 'invalid_argument');
    assert.is(empty.meta.argument, 'sort[1].field');
  });

  test(`filters with every operator (${label})`, async ({ c, t0 }) => {
    const bob = await rpcClient(c, 'bob', { json });
    const at = (second: number) => new Date(t0 + second * 1000).toISOString();
    const cases: [object, string[]][] = [
      [{ type: 'default' }, ['q4', 'q2', 'q1']],
      [{ type: { $eq: 'audio_room' } }, ['q3']],
      [{ type: { $ne: 'default' } }, ['q5', 'q3']],
      [{ type: { $in: ['audio_room', 'livestream'] } }, ['q5', 'q3']],
      [{ type: { $nin: ['default', 'audio_room'] } }, ['q5']],
      [{ id: 'q2' }, ['q2']],
      [{ cid: { $in: ['default:q4', 'livestream:q5', 'default:q5'] } }, ['q5', 'q4']],
      [{ created_by_user_id: 'alice' }, ['q5', 'q2', 'q1']],
      [{ members: 'dave' }, ['q5', 'q2']],
      [{ members: { $ne: 'bob' } }, ['q5']],
      [{ members: { $in: ['erin', 'carol'] } }, ['q4', 'q2', 'q1']],
      [{ members: { $nin: ['alice', 'bob'] } }, []],
      [{ member_count: { $gt: 2 } }, ['q4', 'q2', 'q1']],
      [{ member_count: { $gte: 2, $lte: 3 } }, ['q5', 'q4', 'q1']],
      [{ member_count: { $lt: 2 } }, ['q3']],
      [{ member_count: 4 }, ['q2']],
      [{ created_at: { $gte: at(3), $lt: at(5) } }, ['q4', 'q3']],
      [{ created_at: { $lte: t0 + 2000 } }, ['q2', 'q1']],
      [{ updated_at: { $gt: at(6) } }, ['q5', 'q1']],
      [{ ended_at: { $gte: at(0) } }, []],
      [{ ended_at: { $ne: at(8) } }, ['q5', 'q4', 'q3', 'q2', 'q1']],
      [{ recording: true }, ['q5']],
      [{ ringing: { $eq: true } }, ['q4']],
      [{ ringing: false, recording: false }, ['q3', 'q2', 'q1']],
      [{ $or: [{ type: 'audio_room' }, { recording: true }] }, ['q5', 'q3']],
      [{ $and: [{ type: 'default' }, { member_count: { $gte: 3 } }] }, ['q4', 'q2', 'q1']],
      [{ $or: [{ $and: [{ type: 'default' }, { members: 'carol' }] }, { id: 'q6' }] }, ['q4', 'q2']],
      [{ id: 'missing' }, []],
    ];
    for (const [filter, expected] of cases) {
      assert.equal(await ids(bob, filter), expected, JSON.stringify(filter));
    }
    // q6, which bob may not read, as dave (its creator) sees it
    const dave = await rpcClient(c, 'dave', { json });
    const daveCases: [object, string[]][] = [
      [{ type: 'default' }, ['q6', 'q2']],
      [{ ended_at: { $gte: at(0) } }, ['q6']],
      [{ members: { $nin: ['alice', 'bob'] } }, ['q6']],
      [{ $or: [{ $and: [{ type: 'default' }, { members: 'carol' }] }, { id: 'q6' }] }, ['q6', 'q2']],
    ];
    for (const [filter, expected] of daveCases) {
      assert.equal(await ids(dave, filter), expected, `dave: ${JSON.stringify(filter)}`);
    }
    const invalid = [
      { name: 'x' },
      { type: { $like: 'd%' } },
      { member_count: 'two' },
      { recording: { $gt: false } },
      { created_at: 'yesterday' },
      { $or: [] },
      { $nor: [{ id: 'q1' }] },
    ];
    for (const filter of invalid) {
      const err = await expectRpcError(bob.queryCalls(request(filter)), 'invalid_argument');
      assert.is(err.meta.argument, 'filter_conditions', JSON.stringify(filter));
    }
  });

  test(`limit: 0 means 25, at most 100 (${label})`, async ({ c }) => {
    const frank = await rpcClient(c, 'frank', { json });
    const dev = { type: 'development' };
    const first = await frank.queryCalls(request(dev));
    assert.is(first.response.calls.length, 25);
    assert.ok(first.response.next, 'more pages');
    assert.is(first.response.prev, '');
    assert.is((await frank.queryCalls(request(dev, [], 7))).response.calls.length, 7);
    const all = await frank.queryCalls(request(undefined, [], 100));
    assert.is(all.response.calls.length, DEV_CALLS + 2, 'his development calls, and the open q3 and q5');
    assert.is(all.response.next, '');
    const tooMany = await expectRpcError(frank.queryCalls(request(dev, [], 101)), 'invalid_argument');
    assert.is(tooMany.meta.argument, 'limit');
  });

  test(`paging with next returns every call exactly once, for every sort (${label})`, async ({ c }) => {
    const frank = await rpcClient(c, 'frank', { json });
    const dev = { type: 'development' };
    const sorts: SortParam[][] = [
      [],
      [asc('created_at')],
      [desc('updated_at')],
      [asc('updated_at')],
      [asc('member_count')],
      [desc('member_count'), asc('created_at')],
    ];
    for (const sort of sorts) {
      const expected = (await frank.queryCalls(request(dev, sort, 100))).response.calls.map((s) => s.call!.cid);
      assert.is(expected.length, DEV_CALLS);
      const seen: string[] = [];
      const prevs: string[] = [];
      let next = '';
      let pages = 0;
      do {
        const { response } = await frank.queryCalls(request(dev, sort, 7, next));
        assert.ok(response.calls.length > 0 && response.calls.length <= 7);
        seen.push(...response.calls.map((s) => s.call!.cid));
        prevs.push(response.prev);
        next = response.next;
        pages++;
      } while (next && pages < 20);
      assert.is(pages, Math.ceil(DEV_CALLS / 7), JSON.stringify(sort));
      assert.equal(seen, expected, `every call once, in order: ${JSON.stringify(sort)}`);
      assert.is(prevs[0], '', 'the first page has no prev');
      assert.ok(prevs.slice(1).every(Boolean), 'later pages have a prev');

      // and back again with prev from the last page
      const back: string[] = [];
      let prev = prevs[prevs.length - 1];
      while (prev) {
        const { response } = await frank.queryCalls(request(dev, sort, 7, '', prev));
        back.unshift(...response.calls.map((s) => s.call!.cid));
        prev = response.prev;
      }
      assert.equal(back, expected.slice(0, expected.length - (DEV_CALLS % 7 || 7)), `prev pages: ${JSON.stringify(sort)}`);
    }
  });

  test(`cursors: both at once, another sort's, or garbage are invalid_argument (${label})`, async ({ c }) => {
    const frank = await rpcClient(c, 'frank', { json });
    const dev = { type: 'development' };
    const page = (await frank.queryCalls(request(dev, [asc('created_at')], 5))).response;
    const both = await expectRpcError(frank.queryCalls(request(dev, [asc('created_at')], 5, page.next, page.next)), 'invalid_argument');
    assert.is(both.meta.argument, 'next');
    const other = await expectRpcError(frank.queryCalls(request(dev, [desc('member_count')], 5, page.next)), 'invalid_argument');
    assert.is(other.meta.argument, 'next');
    const garbage = await expectRpcError(frank.queryCalls(request(dev, [], 5, '', '%%%')), 'invalid_argument');
    assert.is(garbage.meta.argument, 'prev');
  });
}

test('a call created while paging does not make another call repeat or go missing', async ({ c, setClock }) => {
  const frank = await rpcClient(c, 'frank');
  const filter = { created_by_user_id: 'frank' };
  const before = (await frank.queryCalls(request(filter, [asc('created_at')], 100))).response.calls.map((s) => s.call!.cid);
  const seen: string[] = [];
  let next = '';
  let pages = 0;
  do {
    const { response } = await frank.queryCalls(request(filter, [asc('created_at')], 9, next));
    seen.push(...response.calls.map((s) => s.call!.cid));
    next = response.next;
    if (++pages === 2) {
      // lands in the middle of the order (second 101), i.e. in a page already read
      setClock(101);
      await frank.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'development', id: 'd-late' }));
      setClock(200);
    }
  } while (next && pages < 20);
  assert.equal(
    seen.filter((cid) => cid !== 'development:d-late'),
    before,
  );
  assert.is(new Set(seen).size, seen.length, 'no call twice');
});

test.run();
