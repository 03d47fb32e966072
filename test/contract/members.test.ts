/**
 * Contract: UpdateCallMembers, QueryMembers through the generated client.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { Timestamp } from '../../gen/google/protobuf/timestamp';
import {
  EndCallRequest,
  GetOrCreateCallRequest,
  QueryMembersRequest,
  StartRecordingRequest,
  UpdateCallMembersRequest,
  type MemberInput,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import { User, type Member } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator } from '../helpers/rpc';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ c: LocalCoordinator }>(import.meta.url, { c: undefined as never }, 'UpdateCallMembers / QueryMembers');
test.before(async (ctx) => {
  // Every reading of the clock is 10 ms later: members added one by one get distinct times.
  let clock = Date.now();
  ctx.c = await startCoordinator({ now: () => (clock += 10) });
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const m = (userId: string, role = '', name = ''): MemberInput => ({ userId, role, user: name ? User.create({ id: userId, name }) : undefined });

/** alice creates default:<id> with bob as member. */
async function setup(c: LocalCoordinator, json: boolean) {
  const [alice, bob, carol, dave, erin] = await Promise.all(USERS.map((u) => rpcClient(c, u, { json })));
  const id = uniqueId('members');
  await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, data: { members: [m('bob')] } }));
  const seq = Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)]));
  return {
    alice: alice,
    bob: bob,
    carol: carol,
    dave: dave,
    erin: erin,
    id,
    cid: `default:${id}`,
    seq,
    update: (client: CoordinatorServiceClient, updateMembers: MemberInput[], removeUserIds: string[] = []) =>
      client.updateCallMembers(UpdateCallMembersRequest.create({ type: 'default', id, updateMembers, removeUserIds })),
    query: (client: CoordinatorServiceClient, filter?: object, limit = 0, next = '') =>
      client.queryMembers(
        QueryMembersRequest.create({ type: 'default', id, filterConditions: filter ? Struct.fromJson(filter as never) : undefined, limit, next }),
      ),
  };
}

const roles = (members: readonly Member[]) => members.map((x) => [x.userId, x.role]);

for (const { json, label } of FORMATS) {
  test(`UpdateCallMembers: adds and updates, answers the touched members, tells everyone (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const before = (await s.query(s.alice)).response.members.find((x) => x.userId === 'bob')!;
    const { response } = await s.update(s.alice, [m('carol', 'moderator'), m('dave', '', 'Dave'), m('bob', 'moderator')]);
    assert.equal(roles(response.members), [
      ['carol', 'moderator'],
      ['dave', 'member'],
      ['bob', 'moderator'],
    ]);
    assert.ok(response.members.every((x) => x.callCid === s.cid));
    assert.is(response.members[1].user?.name, 'Dave');
    const bob = response.members[2];
    assert.equal(bob.createdAt, before.createdAt, 'an update keeps created_at');
    assert.ok(Timestamp.toDate(bob.updatedAt!) > Timestamp.toDate(before.updatedAt!), 'and moves updated_at');

    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const events = eventsOf(c, user, s.seq[user]);
      assert.equal(kindsOf(events), ['callMembersUpdated'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callMembersUpdated');
      assert.equal(roles(p.callMembersUpdated.members), roles(response.members));
      assert.equal(p.callMembersUpdated.removedUserIds, []);
      assert.is(p.callMembersUpdated.call?.memberCount, 4);
    }
    assert.equal(eventsOf(c, 'erin', s.seq.erin), []);
    // the new roles carry their capabilities
    const carolState = await s.carol.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: s.id }));
    assert.ok(carolState.response.call!.ownCapabilities.includes('end-call'));
    assert.is(carolState.response.call!.call!.memberCount, 4);
  });

  test(`UpdateCallMembers: removed members hear of it once, then nothing more (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.update(s.alice, [m('carol')]);
    const seq = Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)]));
    const { response } = await s.update(s.alice, [], ['bob', 'erin']);
    assert.equal(response.members, []);
    for (const user of ['alice', 'bob', 'carol']) {
      const events = eventsOf(c, user, seq[user]);
      assert.equal(kindsOf(events), ['callMembersUpdated'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callMembersUpdated');
      assert.equal(p.callMembersUpdated.removedUserIds, ['bob'], 'only actual members are reported removed');
      assert.is(p.callMembersUpdated.call?.memberCount, 2);
    }
    assert.equal(eventsOf(c, 'erin', seq.erin), []);
    await s.alice.startRecording(StartRecordingRequest.create({ type: 'default', id: s.id }));
    assert.equal(kindsOf(eventsOf(c, 'bob', seq.bob)), ['callMembersUpdated'], 'bob is out of the call');
    assert.equal(roles((await s.query(s.alice)).response.members), [
      ['alice', 'admin'],
      ['carol', 'member'],
    ]);
  });

  test(`UpdateCallMembers: denials, and a failing request changes nothing (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    for (const client of [s.bob, s.erin]) {
      const err = await expectRpcError(s.update(client, [m('carol')]), 'permission_denied');
      assert.is(err.meta.capability, 'update-call-member');
    }
    await expectRpcError(s.update(s.alice, [], ['alice']), 'failed_precondition');
    await expectRpcError(s.update(s.alice, [m('alice', 'member')]), 'failed_precondition');
    const cases: [MemberInput[], string[], string][] = [
      [[], [], 'update_members'],
      [[m('carol'), m('dave', 'owner')], [], 'update_members[1].role'],
      [[m('carol', 'constructor')], [], 'update_members[0].role'],
      [[m('')], [], 'update_members[0].user_id'],
      [[m('carol')], ['bob', ''], 'remove_user_ids[1]'],
    ];
    for (const [updates, removes, argument] of cases) {
      const err = await expectRpcError(s.update(s.alice, updates, removes), 'invalid_argument');
      assert.is(err.meta.argument, argument);
    }
    // the creator may be named without a role: stays admin
    await s.update(s.alice, [m('alice')]);
    assert.equal(
      roles((await s.query(s.alice)).response.members),
      [
        ['alice', 'admin'],
        ['bob', 'member'],
      ],
      'no partial update',
    );
    assert.equal(kindsOf(eventsOf(c, 'bob', s.seq.bob)), ['callMembersUpdated'], 'only the successful update sent an event');
    await expectRpcError(
      s.alice.updateCallMembers(UpdateCallMembersRequest.create({ type: 'default', id: uniqueId('nope'), updateMembers: [m('bob')] })),
      'not_found',
    );
    await s.alice.endCall(EndCallRequest.create({ type: 'default', id: s.id }));
    await expectRpcError(s.update(s.alice, [m('carol')]), 'failed_precondition');
  });

  test(`QueryMembers: every member in join order, with filters (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.update(s.alice, [m('carol', 'moderator')]);
    await s.update(s.alice, [m('dave', '', 'Dave')]);
    // a default call is for its members: erin, who is none, may not list them
    const denied = await expectRpcError(s.query(s.erin), 'permission_denied');
    assert.is(denied.meta.capability, 'read-call');
    const all = (await s.query(s.dave)).response;
    assert.equal(roles(all.members), [
      ['alice', 'admin'],
      ['bob', 'member'],
      ['carol', 'moderator'],
      ['dave', 'member'],
    ]);
    assert.is(all.next, '');
    assert.ok(all.members.every((x) => x.callCid === s.cid && x.createdAt));
    assert.is(all.members[3].user?.name, 'Dave');

    const ids = async (filter: object) => (await s.query(s.bob, filter)).response.members.map((x) => x.userId);
    assert.equal(await ids({ role: 'member' }), ['bob', 'dave']);
    assert.equal(await ids({ role: { $ne: 'member' } }), ['alice', 'carol']);
    assert.equal(await ids({ user_id: { $in: ['dave', 'alice', 'zed'] } }), ['alice', 'dave']);
    const carolAt = Timestamp.toDate(all.members[2].createdAt!);
    assert.equal(await ids({ created_at: { $gte: carolAt.toISOString() } }), ['carol', 'dave']);
    assert.equal(await ids({ created_at: { $lt: carolAt.getTime() } }), ['alice', 'bob']);
    assert.equal(await ids({ $or: [{ role: 'admin' }, { user_id: 'dave' }] }), ['alice', 'dave']);
    assert.equal(await ids({ role: 'nobody' }), []);
    for (const filter of [{ name: 'x' }, { role: { $gt: 1 } }, { role: { $regex: 'a' } }]) {
      const err = await expectRpcError(s.query(s.bob, filter), 'invalid_argument');
      assert.is(err.meta.argument, 'filter_conditions');
    }
  });

  test(`QueryMembers: pages with cursors, each member once; limits and denials (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const names = Array.from({ length: 7 }, (_, i) => `user-${i}`);
    for (const n of names) await s.update(s.alice, [m(n)]);
    const seen: string[] = [];
    let next = '';
    let pages = 0;
    do {
      const { response } = await s.query(s.bob, undefined, 3, next);
      assert.ok(response.members.length <= 3);
      seen.push(...response.members.map((x) => x.userId));
      next = response.next;
      pages++;
    } while (next && pages < 10);
    assert.is(pages, 3);
    assert.equal(seen, ['alice', 'bob', ...names]);

    const filtered = await s.query(s.bob, { user_id: { $nin: ['alice', 'bob'] } }, 5);
    assert.equal(
      filtered.response.members.map((x) => x.userId),
      names.slice(0, 5),
    );
    const rest = await s.query(s.bob, { user_id: { $nin: ['alice', 'bob'] } }, 5, filtered.response.next);
    assert.equal(
      rest.response.members.map((x) => x.userId),
      names.slice(5),
    );
    assert.is(rest.response.next, '');

    assert.is((await s.query(s.bob, undefined, 100)).response.members.length, 9);
    const tooMany = await expectRpcError(s.query(s.bob, undefined, 101), 'invalid_argument');
    assert.is(tooMany.meta.argument, 'limit');
    const badCursor = await expectRpcError(s.query(s.bob, undefined, 3, 'not-a-cursor'), 'invalid_argument');
    assert.is(badCursor.meta.argument, 'next');
    await expectRpcError(s.bob.queryMembers(QueryMembersRequest.create({ type: 'default', id: uniqueId('nope') })), 'not_found');
    const noType = await expectRpcError(s.bob.queryMembers(QueryMembersRequest.create({ id: s.id })), 'invalid_argument');
    assert.is(noType.meta.argument, 'type');
  });
}

test.run();
