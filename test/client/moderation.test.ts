/**
 * The Call's reactions and moderation through the SDK against the local coordinator, over real
 * HTTP and WebSocket: each action by each role (allowed, or refused with `permission_denied`,
 * derived from the call types' capability tables), custom events and reactions folded into the
 * store before listeners see them, the arguments checked before sending, and what a mute, a
 * kick, a block and an end do to the media (the in-memory WebRTC of test/helpers/fake-webrtc.ts;
 * Chromium in test/browser/demo-media.test.ts).
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, MAX_CUSTOM_EVENT_BYTES, TrackType, type Call, type StreamVideoClient } from '../../src/index-node';
import { CALL_TYPES } from '../../src/testing';
import { FakeWebRtc } from '../helpers/fake-webrtc';
import { expectError, Harness, nextEvent, recordEvents } from '../helpers/sdk';
import { fileSuite, uniqueId, until, waitFor } from '../helpers/common';

interface Ctx {
  h: Harness;
  rtc: FakeWebRtc;
}

const test = fileSuite<Ctx>(import.meta.url, { h: undefined as never, rtc: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
  ctx.rtc = new FakeWebRtc();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** A client of `user` with the fake WebRTC. */
function connect(ctx: Ctx, user: string, opts: { reactionTtlMs?: number } = {}): Promise<StreamVideoClient> {
  return ctx.h.connect(user, { callConfig: CALL_CONFIG.meeting, opts: { RTCPeerConnection: ctx.rtc.for(user), statsIntervalMs: 0, ...opts } });
}

/** alice creates default:<id> with bob (member), carol (moderator) and dave (member); the given clients join. */
async function meeting(clients: Record<string, StreamVideoClient>, type = 'default'): Promise<Record<string, Call>> {
  const id = uniqueId('mod');
  await clients.alice.getOrCreateCall(id, type, {
    members: [
      { userId: 'bob', role: 'member' },
      { userId: 'carol', role: 'moderator' },
      { userId: 'dave', role: 'member' },
    ],
  });
  const calls: Record<string, Call> = {};
  for (const [user, client] of Object.entries(clients)) calls[user] = await client.joinCall(id, type);
  const n = Object.keys(clients).length;
  for (const client of Object.values(clients)) await waitFor(client.readOnlyStateStore.participants$, (l) => l.size === n, 'everyone in the call');
  return calls;
}

// ---- each action by each role ----------------------------------------------------------

type Role = 'admin' | 'moderator' | 'member' | 'non-member';
/** Who plays each role, in which call type (a non-member may join only an open call type). */
const PLAYERS: Record<Role, { user: string; type: string; callRole: string }> = {
  admin: { user: 'alice', type: 'default', callRole: 'admin' },
  moderator: { user: 'carol', type: 'default', callRole: 'moderator' },
  member: { user: 'bob', type: 'default', callRole: 'member' },
  'non-member': { user: 'erin', type: 'audio_room', callRole: 'user' },
};

interface Action {
  name: string;
  /** The capability it needs; `in-call` for custom events (read the call and be in it). */
  needs: string;
  /** Whether, allowed, it takes dave (the target) out of the call: the next action needs a new call. */
  removes?: boolean;
  /** What the creator does first. */
  prepare?: (alice: Call) => Promise<void>;
  run: (call: Call) => Promise<unknown>;
  /** Resolves once dave's client (in the call, the target) shows the action's effect; set up before `run`. */
  effect: (dave: StreamVideoClient, daveCall: Call, actor: Call) => Promise<unknown>;
}

const left = (dave: StreamVideoClient) => waitFor(dave.readOnlyStateStore.activeCall$, (c) => c === undefined, "dave's client left the call");
/** In the order they run: those that keep everyone in the call share one call. */
const ACTIONS: Action[] = [
  {
    name: 'sendCustomEvent',
    needs: 'in-call',
    run: (c) => c.sendCustomEvent({ hello: 'world' }),
    effect: (dave) => nextEvent(dave, 'custom', (e) => e.custom['hello'] === 'world'),
  },
  {
    name: 'sendReaction',
    needs: 'create-reaction',
    run: (c) => c.sendReaction({ type: 'like', emojiCode: ':+1:' }),
    effect: (dave, _call, actor) =>
      waitFor(dave.readOnlyStateStore.participants$, (l) => l.get(actor.sessionId)?.reaction?.type === 'like', "the actor's reaction in dave's store"),
  },
  { name: 'muteUser', needs: 'mute-users', run: (c) => c.muteUser('dave', TrackType.AUDIO), effect: (dave) => nextEvent(dave, 'call.user_muted') },
  { name: 'muteAllUsers', needs: 'mute-users', run: (c) => c.muteAllUsers(TrackType.AUDIO), effect: (dave) => nextEvent(dave, 'call.user_muted') },
  {
    name: 'unblockUser',
    needs: 'block-users',
    prepare: (alice) => alice.blockUser('frank'),
    run: (c) => c.unblockUser('frank'),
    effect: (_dave, daveCall) => until(() => daveCall.data.blockedUserIds.length === 0, "dave's call lists nobody blocked"),
  },
  { name: 'kickUser', needs: 'kick-user', removes: true, run: (c) => c.kickUser('dave'), effect: left },
  { name: 'blockUser', needs: 'block-users', removes: true, run: (c) => c.blockUser('dave'), effect: left },
  { name: 'endCall', needs: 'end-call', removes: true, run: (c) => c.endCall(), effect: left },
];

function allowed(role: Role, action: Action): boolean {
  const { type, callRole } = PLAYERS[role];
  const caps = CALL_TYPES.get(type)!.roles[callRole] ?? [];
  return action.needs === 'in-call' ? caps.includes('read-call') : caps.includes(action.needs);
}

test('each action by each role: allowed as the call type says, refused with permission_denied otherwise', async (ctx) => {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const clients = Object.fromEntries(await Promise.all(users.map(async (u) => [u, await connect(ctx, u)] as const)));
  const table: string[] = [];
  let refusedSomewhere = 0;
  for (const role of Object.keys(PLAYERS) as Role[]) {
    const { user, type } = PLAYERS[role];
    const players = { alice: clients.alice, dave: clients.dave, ...(user === 'alice' ? {} : { [user]: clients[user] }) };
    let calls: Record<string, Call> | undefined;
    for (const action of ACTIONS) {
      if (!calls || calls.dave.hasLeft) {
        for (const call of Object.values(calls ?? {})) await call.leave();
        calls = await meeting(players, type);
      }
      await action.prepare?.(calls.alice);
      const expected = allowed(role, action);
      const what = `${action.name} by the ${role} (${user}, ${type})`;
      if (expected) {
        const effect = action.effect(clients.dave, calls.dave, calls[user]);
        await action.run(calls[user]);
        await effect;
        assert.is(calls.dave.hasLeft, Boolean(action.removes), `${what}: dave left the call`);
      } else {
        const published = ctx.h.c.events.published;
        const err = await expectError(action.run(calls[user]), 'permission_denied');
        if (action.needs !== 'in-call') assert.is(err.meta['capability'], action.needs, what);
        assert.is(ctx.h.c.events.published, published, `${what}: refused, yet it published events`);
        assert.ok(!calls.dave.hasLeft && !calls.dave.data.endedAt, `${what}: refused, dave is still in the call`);
        refusedSomewhere++;
      }
      table.push(`${what}: ${expected ? 'allowed' : 'permission_denied'}`);
    }
    for (const call of Object.values(calls ?? {})) await call.leave();
  }
  // Not vacuous: moderators moderate, members do not, everyone in a default call reacts.
  assert.ok(table.includes('kickUser by the moderator (carol, default): allowed'));
  assert.ok(table.includes('kickUser by the member (bob, default): permission_denied'));
  assert.ok(table.includes('sendReaction by the member (bob, default): allowed'));
  assert.ok(table.includes('sendReaction by the non-member (erin, audio_room): permission_denied'));
  assert.ok(table.includes('sendCustomEvent by the non-member (erin, audio_room): allowed'));
  assert.is(refusedSomewhere, 13);
});

// ---- reactions and custom events -------------------------------------------------------

test('sendReaction: in every store before the listeners see call.reaction_new, cleared after reactionTtlMs', async (ctx) => {
  const alice = await connect(ctx, 'alice', { reactionTtlMs: 200 });
  const bob = await connect(ctx, 'bob', { reactionTtlMs: 200 });
  const calls = await meeting({ alice, bob });
  const seenInStore: unknown[] = [];
  bob.on('call.reaction_new', (e) => seenInStore.push(bob.readOnlyStateStore.participants$.get().get(e.reaction!.sessionId)?.reaction?.emojiCode));
  const heard = nextEvent(bob, 'call.reaction_new');
  const sent = await calls.alice.sendReaction({ type: 'fireworks', emojiCode: '🎉', custom: { intensity: 3 } });
  assert.equal([sent.type, sent.emojiCode, sent.custom, sent.sessionId, sent.user?.id], ['fireworks', '🎉', { intensity: 3 }, calls.alice.sessionId, 'alice']);
  assert.instance(sent.createdAt, Date);
  const event = await heard;
  assert.equal(seenInStore, ['🎉'], 'the listener read the reaction from the store');
  assert.equal(event.reaction, sent);
  const shown = bob.readOnlyStateStore.participants$.get().get(calls.alice.sessionId)!.reaction!;
  assert.equal(shown, { type: 'fireworks', emojiCode: '🎉', custom: { intensity: 3 }, createdAt: sent.createdAt });
  // The sender's own store shows it too, on its local participant.
  await waitFor(alice.readOnlyStateStore.localParticipant$, (p) => p?.reaction?.type === 'fireworks', "alice's own reaction");
  // Cleared after the TTL, in both stores.
  await waitFor(bob.readOnlyStateStore.participants$, (l) => l.get(calls.alice.sessionId)?.reaction === undefined, 'the reaction cleared');
  await waitFor(alice.readOnlyStateStore.localParticipant$, (p) => p?.reaction === undefined, "alice's reaction cleared");
  assert.ok(Date.now() - sent.createdAt!.getTime() >= 200, 'not before the TTL');
  // A newer reaction replaces an older one; the older one's timer does not clear the newer.
  await calls.bob.sendReaction({ type: 'one' });
  await calls.bob.sendReaction({ type: 'two' });
  await waitFor(alice.readOnlyStateStore.participants$, (l) => l.get(calls.bob.sessionId)?.reaction?.type === 'two', "bob's second reaction");
  await waitFor(alice.readOnlyStateStore.participants$, (l) => l.get(calls.bob.sessionId)?.reaction === undefined, "bob's reaction cleared");
});

test("a reaction's timer that fires before the TTL by this device's clock waits for the rest", async (ctx) => {
  // A timer counts from the event loop's last clock reading, which a busy loop leaves behind:
  // this device's clock is made to lag 300 ms once the reaction is shown, as it does then.
  const alice = await connect(ctx, 'alice');
  const bob = await connect(ctx, 'bob', { reactionTtlMs: 1000 });
  const calls = await meeting({ alice, bob });
  const heard = nextEvent(bob, 'call.reaction_new');
  const sent = await calls.alice.sendReaction({ type: 'late' });
  await heard;
  assert.is(bob.readOnlyStateStore.participants$.get().get(calls.alice.sessionId)?.reaction?.type, 'late', 'shown when the clock starts to lag');
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() - 300;
  try {
    await waitFor(bob.readOnlyStateStore.participants$, (l) => l.get(calls.alice.sessionId)?.reaction === undefined, 'the reaction cleared');
    const clearedAt = Date.now();
    assert.ok(clearedAt >= sent.createdAt!.getTime() + 1000, `cleared ${clearedAt - sent.createdAt!.getTime()} ms after it was sent, by this device's clock`);
  } finally {
    Date.now = realNow;
  }
});

test('sendReaction and sendCustomEvent: bad arguments are refused before anything is sent', async (ctx) => {
  const alice = await connect(ctx, 'alice');
  const { alice: call } = await meeting({ alice });
  const published = ctx.h.c.events.published;
  await expectError(call.sendReaction({ type: '' }), 'invalid_argument', 'reaction.type');
  await expectError(call.sendReaction({ type: 'x'.repeat(65) }), 'invalid_argument', 'reaction.type');
  await expectError(call.sendReaction({ type: 'like', emojiCode: 5 as never }), 'invalid_argument', 'reaction.emojiCode');
  const typo = await expectError(call.sendReaction({ type: 'like', emoji_code: 'x' } as never), 'invalid_argument', 'reaction.emoji_code');
  assert.is(typo.meta['suggestion'], 'emojiCode');
  await expectError(call.sendReaction(null as never), 'invalid_argument', 'reaction');
  await expectError(call.sendCustomEvent([] as never), 'invalid_argument', 'payload');
  await expectError(call.sendCustomEvent({ when: new Date() }), 'invalid_argument', 'payload');
  const pad = (bytes: number) => ({ pad: 'é'.repeat((bytes - JSON.stringify({ pad: '' }).length) / 2) });
  const big = await expectError(call.sendCustomEvent(pad(MAX_CUSTOM_EVENT_BYTES + 2)), 'invalid_argument', 'payload');
  assert.equal(big.meta, { argument: 'payload', limit: String(MAX_CUSTOM_EVENT_BYTES), size: String(MAX_CUSTOM_EVENT_BYTES + 2) });
  await expectError(call.sendReaction({ type: 'like', custom: pad(MAX_CUSTOM_EVENT_BYTES + 2) }), 'invalid_argument', 'reaction.custom');
  await expectError(call.muteUser('has space', TrackType.AUDIO), 'invalid_argument', 'userId');
  await expectError(call.muteUser([], TrackType.AUDIO), 'invalid_argument', 'userId');
  await expectError(call.muteUser('bob', TrackType.UNSPECIFIED), 'invalid_argument', 'trackType');
  await expectError(call.muteAllUsers(7 as TrackType), 'invalid_argument', 'trackType');
  for (const method of ['kickUser', 'blockUser', 'unblockUser'] as const) await expectError(call[method](''), 'invalid_argument', 'userId');
  assert.is(ctx.h.c.events.published, published, 'nothing was sent');
  await call.sendCustomEvent(pad(MAX_CUSTOM_EVENT_BYTES)); // the limit itself is fine (multi-byte text counted in bytes)
});

test('sendCustomEvent: plain JSON in, one custom event to each member and participant', async (ctx) => {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => connect(ctx, u)));
  const calls = await meeting({ alice, bob });
  const logs = { alice: recordEvents(alice), bob: recordEvents(bob), carol: recordEvents(carol) };
  const payload = { kind: 'poll', question: 'Lunch?', options: ['yes', 'no'], n: 2, ok: true, none: null };
  await calls.bob.sendCustomEvent(payload);
  await calls.bob.sendCustomEvent({ marker: 1 });
  for (const [user, log] of Object.entries(logs)) {
    // carol is a member who has not joined: members hear custom events too.
    await until(() => log.events.some((e) => e.type === 'custom' && e.custom['marker'] === 1), `${user} got the marker`);
    const customs = log.events.filter((e) => e.type === 'custom');
    assert.is(customs.length, 2, user);
    assert.equal(customs[0].type === 'custom' && [customs[0].custom, customs[0].user?.id], [payload, 'bob'], user);
  }
});

// ---- media: mute, kick, block, end -------------------------------------------------------

test('muteUser: the muted track stops on the device and at every receiver; the user may publish again', async (ctx) => {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => connect(ctx, u)));
  const calls = await meeting({ alice, bob, carol });
  const mic = ctx.rtc.stream('audio');
  await calls.bob.publishAudioStream(ctx.rtc.asMediaStream(mic));
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  const remoteBob = (p: (l: ReturnType<typeof alice.readOnlyStateStore.participants$.get>) => boolean, what: string) =>
    waitFor(alice.readOnlyStateStore.participants$, p, what);
  await remoteBob((l) => Boolean(l.get(calls.bob.sessionId)?.audioStream && l.get(calls.bob.sessionId)?.videoStream), "bob's media at alice");

  const muted = nextEvent(bob, 'call.user_muted');
  await calls.carol.muteUser('bob', TrackType.AUDIO);
  const event = await muted;
  assert.equal([event.user?.id, event.mutedUserIds, event.trackTypes], ['carol', ['bob'], [TrackType.AUDIO]]);
  await until(() => mic.getTracks()[0].readyState === 'ended', "bob's microphone stopped on the device");
  await waitFor(bob.readOnlyStateStore.localParticipant$, (p) => p?.publishedTracks.join() === String(TrackType.VIDEO) && !p.audioStream, 'bob shows no mic');
  await remoteBob(
    (l) => l.get(calls.bob.sessionId)?.audioStream === undefined && Boolean(l.get(calls.bob.sessionId)?.videoStream),
    'alice: no mic, still video',
  );
  assert.ok(calls.bob.ownCapabilities.includes('send-audio'), 'not a revoke');

  await calls.bob.publishAudioStream(ctx.rtc.mediaStream('audio'));
  await remoteBob((l) => Boolean(l.get(calls.bob.sessionId)?.audioStream), "bob's microphone again at alice");

  // Everyone but the moderator: bob's and carol's cameras stop, alice's keeps going.
  const aliceCam = ctx.rtc.stream('video');
  await calls.alice.publishVideoStream(ctx.rtc.asMediaStream(aliceCam));
  const carolCam = ctx.rtc.stream('video');
  await calls.carol.publishVideoStream(ctx.rtc.asMediaStream(carolCam));
  await calls.alice.muteAllUsers(TrackType.VIDEO);
  await until(() => carolCam.getTracks()[0].readyState === 'ended', "carol's camera stopped");
  await waitFor(bob.readOnlyStateStore.localParticipant$, (p) => p?.publishedTracks.join() === String(TrackType.AUDIO), 'bob: audio only');
  assert.is(aliceCam.getTracks()[0].readyState, 'live', "the moderator's own camera goes on");
});

/** Resolves once `client` left its call and nothing of its media runs. */
async function tornDown(ctx: Ctx, client: StreamVideoClient, user: string, call: Call): Promise<void> {
  await waitFor(client.readOnlyStateStore.activeCall$, (c) => c === undefined, `${user} left the call`);
  assert.ok(call.hasLeft, `${user}'s Call says it was left`);
  await until(() => ctx.rtc.open(user).length === 0, `${user}'s peer connections closed`);
  assert.is(client.readOnlyStateStore.participants$.get().size, 0);
}

for (const how of ['kickUser', 'blockUser'] as const) {
  test(`${how}: the user's client leaves the call with its media; everyone else drops it; ${how === 'kickUser' ? 'it may join again' : 'its join is refused until unblocked'}`, async (ctx) => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => connect(ctx, u)));
    const calls = await meeting({ alice, bob, carol });
    const camera = ctx.rtc.stream('video', 'audio');
    await calls.bob.publishVideoStream(ctx.rtc.asMediaStream(camera));
    await calls.bob.publishAudioStream(ctx.rtc.asMediaStream(camera));
    await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
    await waitFor(carol.readOnlyStateStore.participants$, (l) => Boolean(l.get(calls.bob.sessionId)?.videoStream), "bob's video at carol");
    const bobEvents = recordEvents(bob);
    const event = how === 'kickUser' ? nextEvent(bob, 'call.kicked_user') : nextEvent(bob, 'call.blocked_user');
    await calls.carol[how]('bob');
    assert.is((await event).user?.id, 'bob');
    await tornDown(ctx, bob, 'bob', calls.bob);
    await until(() => camera.getTracks().every((t) => t.readyState === 'ended'), "bob's camera and microphone stopped");
    for (const [user, client] of [
      ['alice', alice],
      ['carol', carol],
    ] as const) {
      await waitFor(client.readOnlyStateStore.participants$, (l) => !l.has(calls.bob.sessionId), `${user} dropped bob`);
      // Each kept one connection per remote participant: the one to bob closed, the other stays.
      await until(() => ctx.rtc.open(user).length === 1, `${user}'s connection to bob closed`);
    }
    assert.ok(calls.alice.participants.has(calls.carol.sessionId) && !calls.alice.hasLeft, 'the others stay in the call');
    assert.equal(
      bobEvents.events.filter((e) => e.type === 'call.participant_left').length,
      1,
      "bob's client heard its own session leave once, after leaving (nothing left to fold)",
    );
    if (how === 'kickUser') {
      const again = await bob.joinCall(calls.alice.data.id, 'default');
      assert.ok(!again.hasLeft);
      await waitFor(alice.readOnlyStateStore.participants$, (l) => l.has(again.sessionId), 'bob back at alice');
      return;
    }
    await waitFor(carol.readOnlyStateStore.activeCall$, (c) => c?.data.blockedUserIds.join() === 'bob', 'carol sees bob blocked');
    assert.equal(calls.alice.data.blockedUserIds, ['bob']);
    const refused = await expectError(bob.joinCall(calls.alice.data.id, 'default'), 'permission_denied');
    assert.is(refused.meta['reason'], 'blocked');
    assert.is(bob.readOnlyStateStore.activeCall$.get(), undefined);
    const unblocked = nextEvent(bob, 'call.unblocked_user');
    await calls.alice.unblockUser('bob');
    assert.equal((await unblocked).blockedUserIds, []);
    assert.equal(calls.alice.data.blockedUserIds, []);
    const again = await bob.joinCall(calls.alice.data.id, 'default');
    await waitFor(carol.readOnlyStateStore.participants$, (l) => l.has(again.sessionId), 'bob back at carol');
  });
}

test('endCall: everyone leaves the call with its media; nobody can join it again', async (ctx) => {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => connect(ctx, u)));
  const calls = await meeting({ alice, bob, carol });
  const streams = [ctx.rtc.stream('video'), ctx.rtc.stream('video'), ctx.rtc.stream('video')];
  await Promise.all([calls.alice, calls.bob, calls.carol].map((call, i) => call.publishVideoStream(ctx.rtc.asMediaStream(streams[i]))));
  await until(() => ctx.rtc.open().length === 6, 'three pairs of peer connections');
  const ended = [alice, bob, carol].map((client) => nextEvent(client, 'call.ended'));
  await calls.carol.endCall();
  for (const e of await Promise.all(ended)) assert.is(e.user?.id, 'carol');
  for (const [user, client] of Object.entries({ alice, bob, carol })) await tornDown(ctx, client, user, calls[user]);
  assert.ok(
    streams.every((s) => s.getTracks()[0].readyState === 'ended'),
    'every camera stopped',
  );
  await expectError(bob.joinCall(calls.alice.data.id, 'default'), 'failed_precondition');
  await calls.alice.endCall(); // ending an ended call does nothing
});

test.run();
