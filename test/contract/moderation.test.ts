/**
 * Contract: SendReaction, MuteUsers, KickUser, BlockUser, UnblockUser and the size cap of
 * SendCallEvent's custom data, through the generated client over real HTTP, both formats:
 * what each changes, the events each publishes (once, to whom), and each refusal, which
 * changes nothing and publishes nothing.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import {
  BlockUserRequest,
  CallEventType,
  EndCallRequest,
  GetOrCreateCallRequest,
  JoinCallRequest,
  KickUserRequest,
  MuteUsersRequest,
  SendCallEventRequest,
  SendReactionRequest,
  UnblockUserRequest,
  UpdatePublishedTracksRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { TrackType } from '../../gen/stream/video/coordinator/v1/models';
import { MAX_CUSTOM_EVENT_BYTES, REACTION_TTL_MS } from '../../src/call/call-limits';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator, uniqueId } from '../helpers/rpc';

/** The coordinator's clock: real time plus what a test adds (reactions expire by it). */
let skewMs = 0;
const test = suite<{ c: LocalCoordinator }>('Reactions and moderation', { c: undefined as never });
test.before(async (ctx) => {
  ctx.c = await startCoordinator({ now: () => Date.now() + skewMs });
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type UserId = (typeof USERS)[number];

/**
 * alice creates default:<id> with bob (member), carol (moderator) and dave (member); alice,
 * bob and carol join (sessions a-1, b-1, c-1). erin is a stranger.
 */
async function setup(c: LocalCoordinator, json: boolean, type = 'default') {
  const clients = Object.fromEntries(await Promise.all(USERS.map(async (u) => [u, await rpcClient(c, u, { json })] as const))) as Record<
    UserId,
    CoordinatorServiceClient
  >;
  const id = uniqueId('mod');
  await clients.alice.getOrCreateCall(
    GetOrCreateCallRequest.create({
      type,
      id,
      data: {
        members: [
          { userId: 'bob', role: 'member' },
          { userId: 'carol', role: 'moderator' },
          { userId: 'dave', role: 'member' },
        ],
      },
    }),
  );
  const join = (user: UserId, sessionId: string) => clients[user].joinCall(JoinCallRequest.create({ type, id, sessionId }));
  for (const [user, session] of [
    ['alice', 'a-1'],
    ['bob', 'b-1'],
    ['carol', 'c-1'],
  ] as const)
    await join(user, session);
  const seq = () => Object.fromEntries(USERS.map((u) => [u, seqOf(c, u)])) as Record<UserId, number>;
  return {
    ...clients,
    id,
    type,
    cid: `${type}:${id}`,
    join,
    seq,
    /** The events `user` got since `since[user]`. */
    since: (since: Record<UserId, number>, user: UserId): Event[] => eventsOf(c, user, since[user]),
    state: async (user: UserId = 'alice') => (await clients[user].getOrCreateCall(GetOrCreateCallRequest.create({ type, id }))).response.call!,
    react: (user: UserId, sessionId: string, fields: Partial<SendReactionRequest> = {}) =>
      clients[user].sendReaction(SendReactionRequest.create({ type, id, sessionId, reactionType: 'like', emojiCode: ':+1:', ...fields })),
    mute: (user: UserId, fields: Partial<MuteUsersRequest>) => clients[user].muteUsers(MuteUsersRequest.create({ type, id, ...fields })),
    kick: (user: UserId, userId: string) => clients[user].kickUser(KickUserRequest.create({ type, id, userId })),
    block: (user: UserId, userId: string) => clients[user].blockUser(BlockUserRequest.create({ type, id, userId })),
    unblock: (user: UserId, userId: string) => clients[user].unblockUser(UnblockUserRequest.create({ type, id, userId })),
    publish: (user: UserId, sessionId: string, publishedTracks: TrackType[]) =>
      clients[user].updatePublishedTracks(UpdatePublishedTracksRequest.create({ type, id, sessionId, publishedTracks })),
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** What a refusal must leave as it was: the call's state and every user's event stream. */
async function unchanged(c: LocalCoordinator, s: Setup, refused: () => Promise<unknown>): Promise<void> {
  const before = { state: JSON.stringify(await s.state()), seq: s.seq(), published: c.events.published };
  await refused();
  assert.is(JSON.stringify(await s.state()), before.state, 'a refusal changes nothing');
  assert.is(c.events.published, before.published, 'a refusal publishes nothing');
}

/** A JSON object whose JSON text is exactly `bytes` long. */
function customOfSize(bytes: number): Record<string, string> {
  const overhead = JSON.stringify({ pad: '' }).length;
  return { pad: 'x'.repeat(bytes - overhead) };
}

for (const { json, label } of FORMATS) {
  test(`SendReaction: the audience receives call.reaction_new once; the participant carries it for the TTL (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const since = s.seq();
    const { response } = await s.react('bob', 'b-1', { reactionType: 'raised-hand', emojiCode: '✋', custom: Struct.fromJson({ note: 'me next' }) });
    const r = response.reaction!;
    assert.equal([r.user?.id, r.sessionId, r.type, r.emojiCode, Struct.toJson(r.custom!)], ['bob', 'b-1', 'raised-hand', '✋', { note: 'me next' }]);
    for (const user of ['alice', 'bob', 'carol', 'dave'] as const) {
      const events = s.since(since, user);
      assert.equal(kindsOf(events), ['callReactionNew'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callReactionNew');
      assert.equal(p.callReactionNew.reaction, r, user);
    }
    assert.equal(kindsOf(s.since(since, 'erin')), [], 'a stranger hears nothing');
    // Join and query answers carry it with the participant, for REACTION_TTL_MS.
    const bob = (await s.state('carol')).participants.find((p) => p.sessionId === 'b-1')!;
    assert.equal(bob.reaction, r);
    assert.is((await s.state()).participants.find((p) => p.sessionId === 'a-1')!.reaction, undefined, 'only the session that reacted');
    skewMs = REACTION_TTL_MS;
    try {
      assert.is((await s.state()).participants.find((p) => p.sessionId === 'b-1')!.reaction, undefined, 'gone after the TTL');
    } finally {
      skewMs = 0;
    }
    // A second reaction replaces the first.
    const second = (await s.react('bob', 'b-1', { reactionType: 'like' })).response.reaction!;
    assert.is((await s.state()).participants.find((p) => p.sessionId === 'b-1')!.reaction?.type, 'like');
    assert.equal(second.custom, undefined);
  });

  test(`SendReaction: refused without create-reaction, from another's session or none, bad fields, an ended call (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await unchanged(c, s, async () => {
      await expectRpcError(s.react('bob', 'a-1'), 'permission_denied'); // alice's session
      await expectRpcError(s.react('dave', 'd-1'), 'permission_denied'); // a member who has not joined
      assert.is((await expectRpcError(s.react('erin', 'b-1'), 'permission_denied')).meta.capability, 'create-reaction');
      assert.is((await expectRpcError(s.react('bob', ''), 'invalid_argument')).meta.argument, 'session_id');
      assert.is((await expectRpcError(s.react('bob', 'b-1', { reactionType: '' }), 'invalid_argument')).meta.argument, 'reaction_type');
      assert.is((await expectRpcError(s.react('bob', 'b-1', { reactionType: 'x'.repeat(65) }), 'invalid_argument')).meta.argument, 'reaction_type');
      assert.is((await expectRpcError(s.react('bob', 'b-1', { emojiCode: 'x'.repeat(65) }), 'invalid_argument')).meta.argument, 'emoji_code');
      const big = await expectRpcError(s.react('bob', 'b-1', { custom: Struct.fromJson(customOfSize(MAX_CUSTOM_EVENT_BYTES + 1)) }), 'invalid_argument');
      assert.equal(big.meta, { argument: 'custom', limit: String(MAX_CUSTOM_EVENT_BYTES), size: String(MAX_CUSTOM_EVENT_BYTES + 1) });
    });
    await s.react('bob', 'b-1', { custom: Struct.fromJson(customOfSize(MAX_CUSTOM_EVENT_BYTES)) }); // the limit itself is fine
    // audio_room members hold no create-reaction
    const room = await setup(c, json, 'audio_room');
    assert.is((await expectRpcError(room.react('bob', 'b-1'), 'permission_denied')).meta.capability, 'create-reaction');
    await room.react('carol', 'c-1');
    await s.alice.endCall(EndCallRequest.create({ type: s.type, id: s.id }));
    await expectRpcError(s.react('alice', 'a-1'), 'failed_precondition');
  });

  test(`MuteUsers: the muted sessions stop publishing, then call.user_muted; they may publish again (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.publish('bob', 'b-1', [TrackType.AUDIO, TrackType.VIDEO]);
    await s.publish('alice', 'a-1', [TrackType.AUDIO]);
    const since = s.seq();
    const { response } = await s.mute('carol', { userIds: ['bob', 'bob'], trackTypes: [TrackType.AUDIO] });
    assert.equal(response.mutedUserIds, ['bob']);
    for (const user of ['alice', 'bob', 'carol', 'dave'] as const) {
      const events = s.since(since, user);
      assert.equal(kindsOf(events), ['participantUpdated', 'callUserMuted'], user);
      const [updated, muted] = events.map((e) => e.payload);
      assert.ok(updated.oneofKind === 'participantUpdated' && muted.oneofKind === 'callUserMuted');
      assert.equal([updated.participantUpdated.participant?.sessionId, updated.participantUpdated.participant?.publishedTracks], ['b-1', [TrackType.VIDEO]]);
      assert.equal([muted.callUserMuted.user?.id, muted.callUserMuted.mutedUserIds, muted.callUserMuted.trackTypes], ['carol', ['bob'], [TrackType.AUDIO]]);
    }
    // Not a revoke: bob keeps send-audio and publishes again.
    assert.ok((await s.state('bob')).ownCapabilities.includes('send-audio'));
    assert.equal((await s.publish('bob', 'b-1', [TrackType.AUDIO, TrackType.VIDEO])).response.participant?.publishedTracks, [TrackType.AUDIO, TrackType.VIDEO]);

    // Everyone but the caller; a user who publishes nothing of it is told all the same.
    const all = s.seq();
    const everyone = await s.mute('alice', { muteAllUsers: true, trackTypes: [TrackType.VIDEO, TrackType.AUDIO, TrackType.AUDIO] });
    assert.equal(everyone.response.mutedUserIds.sort(), ['bob', 'carol']);
    const kinds = kindsOf(s.since(all, 'dave'));
    assert.equal(kinds, ['participantUpdated', 'callUserMuted']);
    const tracks = Object.fromEntries((await s.state()).participants.map((p) => [p.sessionId, p.publishedTracks]));
    assert.equal(tracks, { 'a-1': [TrackType.AUDIO], 'b-1': [], 'c-1': [] });
    const notice = s.since(all, 'bob')[1].payload;
    assert.ok(notice.oneofKind === 'callUserMuted');
    assert.equal(notice.callUserMuted.trackTypes, [TrackType.AUDIO, TrackType.VIDEO]);
  });

  test(`MuteUsers: refused without mute-users, for a user not in the call, bad fields (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.publish('bob', 'b-1', [TrackType.AUDIO]);
    await unchanged(c, s, async () => {
      for (const user of ['bob', 'dave', 'erin'] as const) {
        const err = await expectRpcError(s.mute(user, { userIds: ['alice'], trackTypes: [TrackType.AUDIO] }), 'permission_denied');
        assert.is(err.meta.capability, 'mute-users', user);
      }
      assert.is((await expectRpcError(s.mute('carol', { userIds: ['erin'], trackTypes: [TrackType.AUDIO] }), 'not_found')).meta.user_id, 'erin');
      const cases: [Partial<MuteUsersRequest>, string][] = [
        [{ userIds: ['bob'], trackTypes: [] }, 'track_types'],
        [{ userIds: ['bob'], trackTypes: [TrackType.UNSPECIFIED] }, 'track_types'],
        [{ userIds: [], trackTypes: [TrackType.AUDIO] }, 'user_ids'],
        [{ userIds: ['bob'], muteAllUsers: true, trackTypes: [TrackType.AUDIO] }, 'user_ids'],
        [{ userIds: ['bob', 'has space'], trackTypes: [TrackType.AUDIO] }, 'user_ids[1]'],
        [{ userIds: Array.from({ length: 101 }, (_, i) => `u${i}`), trackTypes: [TrackType.AUDIO] }, 'user_ids'],
      ];
      for (const [fields, argument] of cases) {
        assert.is((await expectRpcError(s.mute('carol', fields), 'invalid_argument')).meta.argument, argument, JSON.stringify(fields).slice(0, 80));
      }
    });
    // every member of a development call may mute
    const dev = await setup(c, json, 'development');
    await dev.mute('bob', { userIds: ['alice'], trackTypes: [TrackType.AUDIO] });
  });

  test(`KickUser: call.kicked_user, then each of the user's sessions leaves; the user may join again (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.join('bob', 'b-2');
    const since = s.seq();
    assert.is((await s.kick('carol', 'bob')).response.removedSessions, 2);
    for (const user of ['alice', 'bob', 'carol', 'dave'] as const) {
      const events = s.since(since, user);
      assert.equal(kindsOf(events), ['callKickedUser', 'participantLeft', 'participantLeft'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callKickedUser');
      assert.equal([p.callKickedUser.user?.id, p.callKickedUser.kickedByUser?.id], ['bob', 'carol']);
      assert.equal(
        events.slice(1).map((e) => (e.payload.oneofKind === 'participantLeft' ? e.payload.participantLeft.participant?.sessionId : '')),
        ['b-1', 'b-2'],
      );
    }
    assert.equal((await s.state()).participants.map((p) => p.sessionId).sort(), ['a-1', 'c-1']);
    // Idempotent: nobody left to remove, nothing published.
    await unchanged(c, s, async () => assert.is((await s.kick('carol', 'bob')).response.removedSessions, 0));
    assert.is((await s.join('bob', 'b-3')).response.joined, true, 'a kicked user may join again');
  });

  test(`KickUser: refused without kick-user, bad fields, an ended call (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await unchanged(c, s, async () => {
      for (const user of ['bob', 'dave', 'erin'] as const)
        assert.is((await expectRpcError(s.kick(user, 'carol'), 'permission_denied')).meta.capability, 'kick-user');
      assert.is((await expectRpcError(s.kick('carol', ''), 'invalid_argument')).meta.argument, 'user_id');
      await expectRpcError(s.alice.kickUser(KickUserRequest.create({ type: 'default', id: uniqueId('nope'), userId: 'bob' })), 'not_found');
    });
    await s.alice.endCall(EndCallRequest.create({ type: s.type, id: s.id }));
    await expectRpcError(s.kick('alice', 'bob'), 'failed_precondition');
  });

  test(`BlockUser / UnblockUser: removed, listed, refused at join until unblocked; each once (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const since = s.seq();
    assert.equal((await s.block('carol', 'bob')).response, {});
    for (const user of ['alice', 'bob', 'carol', 'dave'] as const) {
      const events = s.since(since, user);
      assert.equal(kindsOf(events), ['callBlockedUser', 'participantLeft'], user);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callBlockedUser');
      assert.equal([p.callBlockedUser.user?.id, p.callBlockedUser.blockedByUser?.id, p.callBlockedUser.blockedUserIds], ['bob', 'carol', ['bob']]);
    }
    const state = await s.state('bob');
    assert.equal(state.call!.blockedUserIds, ['bob']);
    assert.not.ok(state.participants.some((p) => p.user?.id === 'bob'));
    const refused = await expectRpcError(s.join('bob', 'b-2'), 'permission_denied');
    assert.is(refused.meta.reason, 'blocked');
    assert.not.ok(
      (await s.state()).participants.some((p) => p.user?.id === 'bob'),
      'the refused join left nothing',
    );
    // Idempotent: blocking again changes nothing and publishes nothing.
    await unchanged(c, s, async () => assert.equal((await s.block('alice', 'bob')).response, {}));
    // A second user: the list grows, sorted.
    await s.block('alice', 'erin');
    assert.equal((await s.state()).call!.blockedUserIds, ['bob', 'erin']);

    const unblocked = s.seq();
    assert.equal((await s.unblock('carol', 'erin')).response, {});
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin'] as const) {
      const events = s.since(unblocked, user);
      assert.equal(kindsOf(events), ['callUnblockedUser'], `${user}: the unblocked user hears it too`);
      const p = events[0].payload;
      assert.ok(p.oneofKind === 'callUnblockedUser');
      assert.equal([p.callUnblockedUser.user?.id, p.callUnblockedUser.unblockedByUser?.id, p.callUnblockedUser.blockedUserIds], ['erin', 'carol', ['bob']]);
    }
    await unchanged(c, s, async () => assert.equal((await s.unblock('alice', 'erin')).response, {}));
    await s.unblock('alice', 'bob');
    assert.is((await s.join('bob', 'b-3')).response.joined, true, 'unblocked: bob joins again');
    assert.equal((await s.state()).call!.blockedUserIds, []);
  });

  test(`BlockUser / UnblockUser: refused without block-users, for oneself and the creator, bad fields (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    await s.block('alice', 'dave');
    await unchanged(c, s, async () => {
      for (const user of ['bob', 'dave', 'erin'] as const) {
        assert.is((await expectRpcError(s.block(user, 'carol'), 'permission_denied')).meta.capability, 'block-users', user);
        assert.is((await expectRpcError(s.unblock(user, 'dave'), 'permission_denied')).meta.capability, 'block-users', user);
      }
      assert.is((await expectRpcError(s.block('carol', 'carol'), 'invalid_argument')).meta.argument, 'user_id');
      await expectRpcError(s.block('carol', 'alice'), 'failed_precondition');
      assert.is((await expectRpcError(s.block('carol', ''), 'invalid_argument')).meta.argument, 'user_id');
      assert.is((await expectRpcError(s.unblock('carol', 'has space'), 'invalid_argument')).meta.argument, 'user_id');
    });
    // A blocked member's accept of a ring is refused as its join, and accepts nothing.
    const ring = await rpcClient(c, 'alice', { json });
    const id = uniqueId('ring');
    await ring.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, ring: true, data: { members: [{ userId: 'bob', role: '' }] } }));
    await ring.blockUser(BlockUserRequest.create({ type: 'default', id, userId: 'bob' }));
    await expectRpcError(s.bob.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: 'b-9', accept: true })), 'permission_denied');
    assert.is(c.state.calls.get(`default:${id}`)!.answers.size, 0);
  });

  test(`SendCallEvent: custom data up to ${MAX_CUSTOM_EVENT_BYTES} bytes as JSON, refused past it with the limit and size (${label})`, async ({ c }) => {
    const s = await setup(c, json);
    const send = (custom: Record<string, string>) =>
      s.bob.sendCallEvent(SendCallEventRequest.create({ type: s.type, id: s.id, eventType: CallEventType.CUSTOM, custom: Struct.fromJson(custom) }));
    const since = s.seq();
    await send(customOfSize(MAX_CUSTOM_EVENT_BYTES));
    assert.equal(kindsOf(s.since(since, 'alice')), ['custom']);
    await unchanged(c, s, async () => {
      const err = await expectRpcError(send(customOfSize(MAX_CUSTOM_EVENT_BYTES + 1)), 'invalid_argument');
      assert.equal(err.meta, { argument: 'custom', limit: String(MAX_CUSTOM_EVENT_BYTES), size: String(MAX_CUSTOM_EVENT_BYTES + 1) });
    });
  });
}

test.run();
